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
import { randomBytes } from 'node:crypto';
import { existsSync, writeSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

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

/** Random hex ids, drawn from one pool refilled now and then: one crypto call per id would dominate generation. */
let pool = '';
function hex(bytes) {
  if (pool.length < bytes * 2) pool = randomBytes(65_536).toString('hex');
  const id = pool.slice(0, bytes * 2);
  pool = pool.slice(bytes * 2);
  return id;
}
const SEGMENTS_PER_TRACE = 7;

/**
 * One Lambda trace as X-Ray records it: the Lambda service segment, the function segment (its
 * Invocation with a DynamoDB call and an HTTP call, and Overhead), and DynamoDB's inferred segment.
 * Seven (sub)segments in three documents.
 */
function lambdaTrace(index) {
  const start = 1_767_225_600 + index * 0.013;
  const traceId = `1-${Math.floor(start).toString(16)}-${hex(12)}`;
  const [service, fn, invocation, dynamo, http, overhead] = [hex(8), hex(8), hex(8), hex(8), hex(8), hex(8)];
  const failed = index % 50 === 0;
  const documents = [
    {
      id: service,
      name: 'orders-api',
      trace_id: traceId,
      start_time: start,
      end_time: start + 0.412,
      origin: 'AWS::Lambda',
      http: { response: { status: failed ? 500 : 200 } },
      aws: { request_id: `${hex(4)}-${hex(2)}-${hex(2)}-${hex(2)}-${hex(6)}` },
      ...(failed ? { fault: true } : {}),
    },
    {
      id: fn,
      name: 'orders-api',
      trace_id: traceId,
      parent_id: service,
      start_time: start + 0.004,
      end_time: start + 0.405,
      origin: 'AWS::Lambda::Function',
      resource_arn: 'arn:aws:lambda:eu-west-1:123456789012:function:orders-api',
      aws: {
        account_id: '123456789012',
        function_arn: 'arn:aws:lambda:eu-west-1:123456789012:function:orders-api',
        resource_names: ['orders-api'],
      },
      annotations: { tenant: 'acme', order_total: 19.9, premium: index % 3 === 0 },
      subsegments: [
        {
          id: invocation,
          name: 'Invocation',
          start_time: start + 0.004,
          end_time: start + 0.398,
          subsegments: [
            {
              id: dynamo,
              name: 'DynamoDB',
              namespace: 'aws',
              start_time: start + 0.01,
              end_time: start + 0.031,
              http: { response: { status: 200, content_length: 512 } },
              aws: {
                operation: 'GetItem',
                region: 'eu-west-1',
                request_id: hex(16),
                retries: 0,
                table_name: 'orders',
                resource_names: ['orders'],
              },
            },
            {
              id: http,
              name: 'payments.example.com',
              namespace: 'remote',
              start_time: start + 0.04,
              end_time: start + 0.39,
              http: {
                request: { method: 'POST', url: 'https://payments.example.com/v1/charges' },
                response: { status: failed ? 502 : 201 },
              },
              ...(failed
                ? {
                    fault: true,
                    cause: {
                      working_directory: '/var/task',
                      exceptions: [{ id: hex(8), message: 'Bad Gateway', type: 'HTTPError' }],
                    },
                  }
                : {}),
            },
          ],
        },
        { id: overhead, name: 'Overhead', start_time: start + 0.398, end_time: start + 0.405 },
      ],
    },
    {
      id: hex(8),
      name: 'DynamoDB',
      trace_id: traceId,
      parent_id: dynamo,
      start_time: start + 0.011,
      end_time: start + 0.03,
      inferred: true,
      origin: 'AWS::DynamoDB::Table',
      http: { response: { status: 200 } },
      aws: { operation: 'GetItem', region: 'eu-west-1', table_name: 'orders' },
    },
  ];
  return {
    Id: traceId,
    Segments: documents.map((document) => ({ Id: document.id, Document: JSON.stringify(document) })),
  };
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
