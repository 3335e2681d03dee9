// The performance budgets of issue 8, checked against measured figures. Pure: figures in, verdicts
// out, so the checker itself is tested without timing anything.

export interface Overhead {
  /**
   * Wrapper minus floor (dd-trace alone): the median of per-round differences of fresh processes.
   * Reported; judged only when {@link ownImportMs} was not measured.
   */
  readonly importMs: number;
  readonly firstMs: number;
  /**
   * Wrapper minus floor per warm invocation, both run side by side in one process (batches
   * alternating), the median of per-round differences: the budgeted figure.
   */
  readonly warmUs: number;
  /** The same from separate fresh processes: reported, noisier. */
  readonly warmFreshUs?: number;
  /** dd-trace given the wrapper's parent and tags, minus the floor (b' - b), side by side. */
  readonly warmParentAndTagsUs?: number;
  /** Process CPU per warm invocation, background export included: reported, not budgeted. */
  readonly cpuUs?: number;
  /** CPU time of import+init: reported, not budgeted. */
  readonly importCpuMs?: number;
  /**
   * The wrapper's own import+init with dd-trace already loaded and initialised, as the floor has it:
   * the judged import+init figure when measured. c and b load the same dd-trace, so c - b is what
   * the wrapper adds on top of it; measured inside one process it is free of dd-trace's own load,
   * which swings by +-20 ms between fresh processes on the bench machine and buries a 5 ms budget.
   */
  readonly ownImportMs?: number;
}

export interface MergerFigure {
  readonly segments: number;
  /** Segments per second of wall time: reported. */
  readonly perSecond: number;
  /**
   * Segments per second of the process's CPU time: the judged figure. The budget is "on one core":
   * on one core V8's parallel GC helpers would run there too, so they count; the time other
   * processes held the core, which wall time on a shared machine also counts, does not.
   */
  readonly cpuPerSecond?: number;
  /** Reported beside the memory verdict, not judged: see {@link checkBudgets}. */
  readonly peakRssMb: number;
  /** Live heap after a forced full GC at the end of the run: the judged memory figure. */
  readonly retainedHeapMb: number;
}

export interface BudgetInput {
  /** Per Node major measured; undefined where the wrapper or the floor could not be measured. */
  readonly overhead: Readonly<Record<string, Overhead | undefined>>;
  readonly layerZips: ReadonlyArray<{ readonly name: string; readonly bytes: number }>;
  readonly merger: readonly MergerFigure[];
  /** Modules the wrapper and layer entry loaded that have no place on the invoke path, per subject. */
  readonly forbiddenModules: Readonly<Record<string, readonly string[]>>;
}

export type Status = 'PASS' | 'FAIL' | 'SKIP';

export interface Verdict {
  readonly budget: string;
  readonly status: Status;
  readonly measured: string;
}

export const LIMITS = {
  importMs: 5,
  firstMs: 3,
  warmUs: 10,
  layerBytes: 4 * 2 ** 20,
  segmentsPerSecond: 200_000,
  /** Retained memory of the largest merger run may exceed the next size down by at most this factor. */
  mergerMemoryGrowth: 1.25,
} as const;

function verdict(budget: string, pass: boolean | undefined, measured: string): Verdict {
  return { budget, status: pass === undefined ? 'SKIP' : pass ? 'PASS' : 'FAIL', measured };
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/**
 * Every budget with PASS, FAIL or SKIP (not measured in this run) and the figure it was judged on.
 *
 * @example
 * checkBudgets({ overhead: { '22': { importMs: 7, firstMs: 1, warmUs: 2 } }, layerZips: [], merger: [], forbiddenModules: {} })
 *   .find((v) => v.budget.startsWith('Node 22 import'))?.status; // 'FAIL'
 */
export function checkBudgets(input: BudgetInput): Verdict[] {
  const verdicts: Verdict[] = [];
  for (const [major, overhead] of Object.entries(input.overhead)) {
    // import+init: the wrapper's own part when measured, with the fresh-process difference beside it.
    const ownImport = overhead?.ownImportMs;
    const importMs = ownImport ?? overhead?.importMs ?? Number.NaN;
    verdicts.push(
      verdict(
        `Node ${major} import+init over the floor <= ${LIMITS.importMs} ms`,
        Number.isFinite(importMs) ? importMs <= LIMITS.importMs : undefined,
        ownImport === undefined
          ? `${fixed(importMs, 2)} ms`
          : `${fixed(importMs, 2)} ms, dd-trace already loaded (fresh processes c - b: ${fixed(overhead?.importMs ?? Number.NaN, 2)} ms)`,
      ),
    );
    const rows: Array<[keyof Overhead, string, string, number]> = [
      ['firstMs', 'first invocation', 'ms', LIMITS.firstMs],
      ['warmUs', 'warm invocation', 'us', LIMITS.warmUs],
    ];
    for (const [key, what, unit, limit] of rows) {
      const value = overhead?.[key] ?? Number.NaN;
      verdicts.push(
        verdict(
          `Node ${major} ${what} over the floor <= ${limit} ${unit}`,
          Number.isFinite(value) ? value <= limit : undefined,
          `${fixed(value, unit === 'us' ? 1 : 2)} ${unit}`,
        ),
      );
    }
  }

  const limitMiB = LIMITS.layerBytes / 2 ** 20;
  if (input.layerZips.length === 0)
    verdicts.push(verdict(`layer zip <= ${limitMiB} MiB`, undefined, 'no zip'));
  for (const zip of input.layerZips) {
    verdicts.push(
      verdict(
        `layer ${zip.name} <= ${limitMiB} MiB`,
        zip.bytes <= LIMITS.layerBytes,
        `${fixed(zip.bytes / 2 ** 20, 2)} MiB`,
      ),
    );
  }

  const sizes = [...input.merger].sort((a, b) => a.segments - b.segments);
  const judged = sizes.filter((m) => m.segments >= 100_000);
  const rate = (m: MergerFigure) => m.cpuPerSecond ?? m.perSecond;
  const slowest = judged.reduce<MergerFigure | undefined>(
    (s, m) => (s && rate(s) <= rate(m) ? s : m),
    undefined,
  );
  verdicts.push(
    verdict(
      `merger >= ${LIMITS.segmentsPerSecond.toLocaleString('en')} segments per CPU second (100k segments and up)`,
      slowest ? rate(slowest) >= LIMITS.segmentsPerSecond : undefined,
      slowest
        ? `${Math.round(rate(slowest)).toLocaleString('en')}/s at ${slowest.segments.toLocaleString('en')} (wall time: ${Math.round(slowest.perSecond).toLocaleString('en')}/s)`
        : 'not measured',
    ),
  );
  // "Memory stays flat in trace count" is judged on the heap still live after a full GC at the end
  // of each run: what the converter keeps (caches, leaks) grows with the traces it has seen, and
  // little else is in it. Peak RSS and the peak of heapUsed sampled between chunks also count
  // garbage not yet collected and the GC's slack, which grow with how long a run allocates, not
  // with what it keeps: from 100k to 1M segments peak RSS grew x1.35 (Node 22) and x1.61 (Node 24)
  // while the live heap after GC stayed at x1.00. So those are reported beside the verdict, not
  // judged.
  const largest = sizes.at(-1);
  const previous = sizes.at(-2);
  const growth = largest && previous ? largest.retainedHeapMb / previous.retainedHeapMb : Number.NaN;
  verdicts.push(
    verdict(
      `merger memory flat: live heap after GC x${LIMITS.mergerMemoryGrowth} at most from the next size down`,
      Number.isFinite(growth) ? growth <= LIMITS.mergerMemoryGrowth : undefined,
      largest && previous
        ? `${fixed(previous.retainedHeapMb, 1)} -> ${fixed(largest.retainedHeapMb, 1)} MB (x${fixed(growth, 2)}); peak RSS ${fixed(previous.peakRssMb, 0)} -> ${fixed(largest.peakRssMb, 0)} MB (x${fixed(largest.peakRssMb / previous.peakRssMb, 2)})`
        : 'not measured',
    ),
  );

  for (const [subject, modules] of Object.entries(input.forbiddenModules)) {
    verdicts.push(
      verdict(
        `${subject}: invoke path loads no AWS SDK, aws-xray-sdk-core or merger`,
        modules.length === 0,
        modules.length === 0 ? 'none loaded' : modules.join(', '),
      ),
    );
  }
  return verdicts;
}

/** True when any budget failed; skipped budgets do not fail the check. */
export function anyFailed(verdicts: readonly Verdict[]): boolean {
  return verdicts.some((v) => v.status === 'FAIL');
}
