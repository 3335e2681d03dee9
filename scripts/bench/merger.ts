// Merger throughput: one fresh process per size (so peak memory is that size's own), converting
// generated Lambda traces one trace per call, as the pipeline does, after an untimed warm-up.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { root, runJsonChild } from './measure.ts';

export interface MergerResult {
  /** Where the converter came from (the bundle, or the source before there is one). */
  readonly from: string;
  /** Segments and subsegments converted; each becomes one span. */
  readonly segments: number;
  /** Top-level documents (segments and standalone subsegments) among them. */
  readonly documents: number;
  readonly skipped: number;
  readonly convertMs: number;
  /** CPU time of the conversion (user + system, the GC's helper threads included): on a busy machine, wall time overstates the cost. */
  readonly convertCpuMs?: number;
  readonly perSecond: number;
  /** Segments per second of CPU time: the figure to compare across runs on a shared machine. */
  readonly cpuPerSecond?: number;
  readonly documentsPerSecond: number;
  /** Segments of other traces converted, untimed, before the timed run. */
  readonly warmupSegments: number;
  /** Peak resident set: the process, the generated traces and the GC's slack included. */
  readonly peakRssMb: number;
  /** Fresh processes run for this size; the figures are those of the median one. */
  readonly runs?: number;
  /** The lowest and highest CPU throughput of those runs. */
  readonly cpuPerSecondRange?: readonly [number, number];
  /** Peak of heapUsed sampled after each chunk: garbage not yet collected included. */
  readonly peakHeapMb: number;
  /** Live heap after a forced full GC once the converter was loaded, before the warm-up. */
  readonly startHeapMb: number;
  /** Live heap after a forced full GC at the end of the run: what the converter retained. */
  readonly retainedHeapMb: number;
  /** Heap after each full GC V8 ran by itself during the run (often none at small sizes). */
  readonly afterFullGcMb: readonly number[];
}

const CHILD = path.join(root, 'scripts/bench/merger-child.mjs');
/**
 * Segments generated (untimed) at a time before they are converted trace by trace: 20 traces, what
 * the pipeline holds at most (4 `BatchGetTraces` calls in flight, 5 traces each). With 10,000 (1,430
 * traces alive at once, which the pipeline never holds) every scavenge during the timed run copied
 * the batch, about 8% of the figure at 100k, and the batch was most of the peak RSS.
 */
const CHUNK = 140;
/** Segments converted untimed first, so that the figure is not how soon V8 compiles the converter. */
const WARMUP = 2_000;

export function mergerAvailable(): boolean {
  return existsSync(path.join(root, 'src/merge/convert.ts'));
}

/**
 * Each size `runs` times, a fresh process each, the sizes interleaved round by round; per size the
 * run with the median CPU throughput, with the spread of all runs (the machine's speed moves by tens
 * of percent from one second to the next).
 */
export async function measureMerger(
  node: string,
  sizes: readonly number[],
  runs: number,
): Promise<MergerResult[]> {
  const bySize = new Map<number, MergerResult[]>(sizes.map((size) => [size, []]));
  for (let round = 0; round < runs; round += 1) {
    for (const segments of sizes) {
      const spec = JSON.stringify({ root, segments, chunk: CHUNK, warmup: WARMUP });
      const result = (await runJsonChild(node, [CHILD, spec], { PATH: process.env.PATH })) as MergerResult;
      bySize.get(segments)!.push(result);
    }
  }
  return sizes.map((size) => {
    const results = bySize.get(size)!;
    const rate = (r: MergerResult) => r.cpuPerSecond ?? r.perSecond;
    const sorted = [...results].sort((a, b) => rate(a) - rate(b));
    const middle = sorted[Math.floor((sorted.length - 1) / 2)]!;
    return { ...middle, runs: results.length, cpuPerSecondRange: [rate(sorted[0]!), rate(sorted.at(-1)!)] };
  });
}
