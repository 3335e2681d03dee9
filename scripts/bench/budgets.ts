// The performance budgets (issues 8 and 18), checked against measured figures. Pure: figures in, verdicts
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
   * alternating), the median of per-round differences: judged against {@link LIMITS.warmUs}.
   */
  readonly warmUs: number;
  /**
   * Wrapper minus same-work (dd-trace alone doing by hand what the wrapper must: the X-Ray parent
   * through `extract`, the same tags), side by side, the median of per-round differences: the
   * wrapper's own code, judged against {@link LIMITS.warmOwnUs}.
   */
  readonly warmOwnUs?: number;
  /** The same from separate fresh processes: reported, noisier. */
  readonly warmFreshUs?: number;
  /** Same-work minus the floor (b' - b), side by side: dd-trace's own cost of the parent and tags. */
  readonly warmParentAndTagsUs?: number;
  /** Side by side, the process's CPU time per invocation, c - b and c - b' (reported, not judged). */
  readonly cpuSideBySideUs?: { readonly overFloor: number; readonly own: number };
  /** First and third quartiles of the side-by-side per-round differences, for judging the noise. */
  readonly warmSpreadUs?: {
    readonly rounds: number;
    readonly overFloor: readonly [number, number];
    readonly own: readonly [number, number];
  };
  /** RSS after 2,000 invocations, wrapper minus floor, the median of per-round differences. */
  readonly rssMb?: number;
  /** RSS once the entry is loaded, before any invocation, wrapper minus floor (reported: the code's share). */
  readonly rssLoadedMb?: number;
  /** V8 heap bytes allocated per warm invocation, medians of fresh processes. */
  readonly allocatedBytes?: { readonly floor: number; readonly sameWork: number; readonly wrapper: number };
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

/** Cold start under the real runtime client: one way in of the layer minus dd-trace alone (medians). */
export interface ColdStartOverhead {
  readonly way: string;
  /** Spawn to the runtime client's first `GET /next`, over dd-trace alone. */
  readonly pollMs: number;
  /** Spawn to the first response posted, over dd-trace alone. */
  readonly responseMs: number;
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
  /**
   * Per Node major: each way in of the layer over dd-trace alone under the real runtime client, or
   * why that was not measured (no runtime client here). Absent: not run.
   */
  readonly coldStart?: Readonly<Record<string, readonly ColdStartOverhead[] | string>>;
}

export type Status = 'PASS' | 'FAIL' | 'SKIP';

export interface Verdict {
  readonly budget: string;
  readonly status: Status;
  readonly measured: string;
  /** How far within (holds by) or over (misses by) the limit, with its unit; absent when not judged. */
  readonly margin?: string;
}

export const LIMITS = {
  importMs: 5,
  firstMs: 3,
  /** Wrapper over the floor, per warm invocation. */
  warmUs: 30,
  /** Wrapper over same-work (its own code), per warm invocation. */
  warmOwnUs: 8,
  /** RSS after 2,000 invocations over the floor. */
  rssMb: 5,
  /** Heap bytes allocated per warm invocation, wrapper over same-work. */
  allocationRatio: 1.3,
  /** Cold start under the real runtime client, each way in of the layer over dd-trace alone. */
  coldStartMs: 5,
  layerBytes: 4 * 2 ** 20,
  segmentsPerSecond: 200_000,
  /** Retained memory of the largest merger run may exceed the next size down by at most this factor. */
  mergerMemoryGrowth: 1.25,
} as const;

function verdict(budget: string, pass: boolean | undefined, measured: string, margin?: string): Verdict {
  return {
    budget,
    status: pass === undefined ? 'SKIP' : pass ? 'PASS' : 'FAIL',
    measured,
    ...(pass !== undefined && margin !== undefined ? { margin } : {}),
  };
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** A figure judged against an upper limit: PASS at or under it, SKIP when not measured, the margin either way. */
function atMost(
  budget: string,
  value: number | undefined,
  limit: number,
  unit: string,
  digits: number,
  measured?: string,
): Verdict {
  const finite = value !== undefined && Number.isFinite(value);
  const gap = finite ? Math.abs(limit - value) : Number.NaN;
  return verdict(
    budget,
    finite ? value <= limit : undefined,
    measured ?? `${fixed(value ?? Number.NaN, digits)} ${unit}`,
    finite ? `${value <= limit ? 'holds' : 'misses'} by ${fixed(gap, digits)} ${unit}` : undefined,
  );
}

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
    const importMs = ownImport ?? overhead?.importMs;
    verdicts.push(
      atMost(
        `Node ${major} import+init over the floor <= ${LIMITS.importMs} ms`,
        importMs,
        LIMITS.importMs,
        'ms',
        2,
        ownImport === undefined
          ? undefined
          : `${fixed(ownImport, 2)} ms, dd-trace already loaded (fresh processes c - b: ${fixed(overhead?.importMs ?? Number.NaN, 2)} ms)`,
      ),
    );
    verdicts.push(
      atMost(
        `Node ${major} first invocation over the floor <= ${LIMITS.firstMs} ms`,
        overhead?.firstMs,
        LIMITS.firstMs,
        'ms',
        2,
      ),
      atMost(
        `Node ${major} warm invocation, wrapper over same-work (its own code) <= ${LIMITS.warmOwnUs} us`,
        overhead?.warmOwnUs,
        LIMITS.warmOwnUs,
        'us',
        1,
      ),
      atMost(
        `Node ${major} warm invocation over the floor <= ${LIMITS.warmUs} us`,
        overhead?.warmUs,
        LIMITS.warmUs,
        'us',
        1,
      ),
      atMost(
        `Node ${major} RSS after 2,000 invocations over the floor <= ${LIMITS.rssMb} MB`,
        overhead?.rssMb,
        LIMITS.rssMb,
        'MB',
        1,
      ),
    );
    const bytes = overhead?.allocatedBytes;
    const allocationRatio = bytes ? bytes.wrapper / bytes.sameWork : undefined;
    verdicts.push(
      atMost(
        `Node ${major} heap allocated per warm invocation, wrapper <= ${LIMITS.allocationRatio}x same-work`,
        allocationRatio,
        LIMITS.allocationRatio,
        'x',
        2,
        bytes
          ? `x${fixed(allocationRatio ?? Number.NaN, 2)} (floor ${fixed(bytes.floor / 1024, 1)} KB, same-work ${fixed(bytes.sameWork / 1024, 1)} KB, wrapper ${fixed(bytes.wrapper / 1024, 1)} KB)`
          : undefined,
      ),
    );
  }

  for (const [major, ways] of Object.entries(input.coldStart ?? {})) {
    if (typeof ways === 'string') {
      verdicts.push(
        verdict(
          `Node ${major} cold start under the runtime client over dd-trace alone <= ${LIMITS.coldStartMs} ms`,
          undefined,
          ways,
        ),
      );
      continue;
    }
    for (const way of ways) {
      verdicts.push(
        atMost(
          `Node ${major} cold start, layer by ${way.way}, spawn to first /next over dd-trace alone <= ${LIMITS.coldStartMs} ms`,
          way.pollMs,
          LIMITS.coldStartMs,
          'ms',
          1,
        ),
        atMost(
          `Node ${major} cold start, layer by ${way.way}, spawn to first response over dd-trace alone <= ${LIMITS.coldStartMs} ms`,
          way.responseMs,
          LIMITS.coldStartMs,
          'ms',
          1,
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
