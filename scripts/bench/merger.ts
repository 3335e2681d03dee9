// Merger throughput: one fresh process per size (so peak memory is that size's own), converting
// generated Lambda traces one trace per call, as the pipeline does.
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
  readonly peakRssMb: number;
  readonly peakHeapMb: number;
}

const CHILD = path.join(root, 'scripts/bench/merger-child.mjs');
/** Segments generated (untimed) at a time before they are converted trace by trace. */
const CHUNK = 10_000;

export function mergerAvailable(): boolean {
  return existsSync(path.join(root, 'src/merge/convert.ts'));
}

export async function measureMerger(node: string, sizes: readonly number[]): Promise<MergerResult[]> {
  const results: MergerResult[] = [];
  for (const segments of sizes) {
    const spec = JSON.stringify({ root, segments, chunk: CHUNK });
    results.push((await runJsonChild(node, [CHILD, spec], { PATH: process.env.PATH })) as MergerResult);
  }
  return results;
}
