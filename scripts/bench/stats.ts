// Summary statistics for repeated measurements: the median with its spread, since one figure from a
// noisy 2-core machine says little on its own.

export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly q1: number;
  readonly q3: number;
  readonly min: number;
  readonly max: number;
}

/** The q-quantile (0..1) of `values` by linear interpolation between the closest ranks. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = sorted[Math.floor(position)]!;
  const high = sorted[Math.ceil(position)]!;
  return low + (high - low) * (position - Math.floor(position));
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/**
 * Median, quartiles and extremes of a sample; non-finite values are left out.
 *
 * @example
 * summarize([3, 1, 2]); // { n: 3, median: 2, q1: 1.5, q3: 2.5, min: 1, max: 3 }
 */
export function summarize(values: readonly number[]): Summary {
  const finite = values.filter((v) => Number.isFinite(v));
  return {
    n: finite.length,
    median: median(finite),
    q1: quantile(finite, 0.25),
    q3: quantile(finite, 0.75),
    min: finite.length ? Math.min(...finite) : Number.NaN,
    max: finite.length ? Math.max(...finite) : Number.NaN,
  };
}

/** `value / floor`, or NaN when the floor is not a positive number. */
export function ratio(value: number, floor: number): number {
  return floor > 0 ? value / floor : Number.NaN;
}
