// One fresh process converting `segments` X-Ray segments to Datadog spans the way the merger's
// pipeline does (src/merge/pipeline.ts): one `convertTraces([trace])` call per trace, the spans
// handed on and dropped, so memory stays flat however many traces there are. Traces are generated
// `chunk` segments at a time, untimed, in the shape `BatchGetTraces` returns (documents as JSON
// text, so parsing and validation are part of the figure). Writes one JSON result to fd 3.
//
// `warmup` segments (other traces; 2,000 unless the spec says) are converted first, untimed, as
// any benchmark warms up: the timed figure is then the converter's speed, not how soon V8 compiles
// it, which would otherwise weigh on the small sizes only. The result says how many there were.
//
// Memory: heapUsed after every chunk (its peak, garbage included); the live heap after a forced
// full GC before the warm-up and at the end of the run, the last chunk's traces dropped (what the
// converter retains: budgets.ts judges this one); and the heap after each full GC V8 ran by itself
// during the run. No GC is forced during the run: forcing one at every tenth of a 100k run cut the
// measured throughput by about a tenth.
import { existsSync, writeSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { lambdaTrace, SEGMENTS_PER_TRACE } from './lambda-traces.mjs';

// `source: true` measures src/ directly (no build needed while working on the converter).
const { root, segments, chunk, source = false, warmup = 2_000 } = JSON.parse(process.argv[2]);

/** A full GC on demand: `--expose-gc` when the child was started with it, else turned on now. */
function gcFunction() {
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc');
}
const gc = gcFunction();
const MB = 2 ** 20;

/** The shipped bundle when it exports the converter, else the source. */
async function loadConverter() {
  const bundle = path.join(root, 'dist/merge.js');
  if (!source && existsSync(bundle)) {
    const module = await import(pathToFileURL(bundle).href);
    if (typeof module.convertTraces === 'function')
      return { convert: module.convertTraces, from: 'dist/merge.js' };
  }
  const module = await import(pathToFileURL(path.join(root, 'src/merge/convert.ts')).href);
  return { convert: module.convertTraces, from: 'src/merge/convert.ts' };
}

/** Live heap after a full GC, MB. */
function heapAfterGc() {
  gc();
  return process.memoryUsage().heapUsed / MB;
}

const { convert, from } = await loadConverter();
const startHeapMb = heapAfterGc();

// Warm-up: traces numbered below zero, so none is converted twice; untimed.
let warmupSegments = 0;
for (let trace = -1; warmupSegments < warmup; trace -= 1) {
  warmupSegments += convert([lambdaTrace(trace)], { idMode: 'compat' }).spans.length;
}

const tracesPerChunk = Math.max(1, Math.floor(chunk / SEGMENTS_PER_TRACE));
const gcProfiler = new v8.GCProfiler();
gcProfiler.start();
let convertMs = 0;
let convertCpuMs = 0;
let spans = 0;
let documents = 0;
let skipped = 0;
let peakHeapMb = 0;
for (let trace = 0; spans < segments; ) {
  const count = Math.min(tracesPerChunk, Math.ceil((segments - spans) / SEGMENTS_PER_TRACE));
  const batch = [];
  for (let i = 0; i < count; i += 1, trace += 1) batch.push(lambdaTrace(trace));
  const start = performance.now();
  const cpu = process.cpuUsage();
  for (const xrayTrace of batch) {
    const result = convert([xrayTrace], { idMode: 'compat' });
    spans += result.spans.length;
    documents += result.documents;
    skipped += result.skipped.length;
  }
  convertMs += performance.now() - start;
  const used = process.cpuUsage(cpu);
  convertCpuMs += (used.user + used.system) / 1000;
  peakHeapMb = Math.max(peakHeapMb, process.memoryUsage().heapUsed / MB);
}
// Heap after each full GC V8 ran by itself (a chunk's traces are live then, and some garbage).
const afterFullGcMb = gcProfiler
  .stop()
  .statistics.filter((event) => event.gcType === 'MarkSweepCompact')
  .map((event) => event.afterGC.heapStatistics.usedHeapSize / MB);
const retainedHeapMb = heapAfterGc();

writeSync(
  3,
  JSON.stringify({
    from,
    segments: spans,
    documents,
    skipped,
    convertMs,
    convertCpuMs,
    perSecond: (spans / convertMs) * 1000,
    cpuPerSecond: (spans / convertCpuMs) * 1000,
    documentsPerSecond: (documents / convertMs) * 1000,
    warmupSegments,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    peakHeapMb,
    startHeapMb,
    retainedHeapMb,
    afterFullGcMb,
  }),
);
