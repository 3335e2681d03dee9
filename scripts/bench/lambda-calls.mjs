// What the Lambda runtime hands a handler, for the bench's child processes: a realistic context with a
// fresh X-Ray trace header per invocation, the call the way the runtime client makes it, and loading
// an entry file the way it loads one. Plain JavaScript, like the children that use it.
import { randomBytes, randomUUID } from 'node:crypto';
import dc from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';

const noop = () => {};
export const EVENT = { orderId: 'o-1042', items: [{ sku: 'A-1', quantity: 2 }], total: 19.9 };

/**
 * One invocation's header and context. `callbacks`: nodejs22.x (ric 3.x) adds a callback argument
 * and context.done/succeed/fail; nodejs24.x does not.
 */
export function invocation(callbacks) {
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
  const epoch = Math.floor(Date.now() / 1000).toString(16);
  const header = `Root=1-${epoch}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=1`;
  const deadline = Date.now() + 30_000;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${name}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: '2026/01/01/[$LATEST]0123456789abcdef',
    xRayTraceId: header,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
  if (callbacks) Object.assign(context, { done: noop, succeed: noop, fail: noop });
  return { header, context, callbacks };
}

/** Calls the handler as the runtime does: the trace header in the env var too (no concurrency). */
export function invoke(handler, { header, context, callbacks }) {
  process.env._X_AMZN_TRACE_ID = header;
  return callbacks ? handler(EVENT, context, noop) : handler(EVENT, context);
}

/** Loads an entry as the runtime client does: import for .mjs, require otherwise. */
export async function loadHandler(entry) {
  const module = entry.endsWith('.mjs')
    ? await import(pathToFileURL(entry).href)
    : createRequire(entry)(entry);
  const handler = module.handler ?? module.default?.handler;
  if (typeof handler !== 'function') throw new Error(`${entry} exports no handler`);
  return handler;
}

export const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));

/**
 * This process's HTTP requests in flight (dd-trace's trace exports), counted from Node's own
 * diagnostics channels, so the bench needs nothing of dd-trace's internals.
 */
let requestsInFlight = 0;
let whenIdle = [];
function requestEnded() {
  requestsInFlight = Math.max(0, requestsInFlight - 1);
  if (requestsInFlight > 0) return;
  const waiting = whenIdle;
  whenIdle = [];
  for (const resolve of waiting) resolve();
}
dc.subscribe('http.client.request.start', () => {
  requestsInFlight += 1;
});
dc.subscribe('http.client.request.error', requestEnded);
dc.subscribe('http.client.response.finish', requestEnded);

/** Longest wait for an export to finish between two invocations; past it the loop goes on. */
const EXPORT_WAIT_MS = 50;

/**
 * What happens between two invocations in Lambda, untimed: the runtime client's `GET /next` round
 * trip, during which the previous invocation's trace export (to the Datadog extension on loopback)
 * completes. Yields to the event loop, then waits until no request is in flight. A loop that only
 * yields starts the next invocation while an export is still in flight; dd-trace then holds the new
 * trace for a later request, and how often that happens depends on each subject's timing, which
 * turns into warm differences that are not any subject's own code (measured: 1,214 to 1,497
 * requests for 3,000 invocations across floor, same-work and wrapper in such a loop; 3,000 for each
 * with this wait).
 */
export async function betweenInvocations() {
  await yieldToLoop();
  if (requestsInFlight === 0) return;
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, EXPORT_WAIT_MS);
    whenIdle.push(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * One warm batch: `size` invocations, each timed from the call until its promise settles (the
 * latency the wrapper adds), with what Lambda does between invocations (`betweenInvocations`:
 * the previous trace's export completes) untimed in between.
 * Resolves with the mean microseconds per invocation.
 */
export async function warmBatch(handler, size, callbacks) {
  const calls = Array.from({ length: size }, () => invocation(callbacks));
  let busyMs = 0;
  for (const call of calls) {
    const start = performance.now();
    await invoke(handler, call);
    busyMs += performance.now() - start;
    await betweenInvocations();
  }
  return (busyMs * 1000) / size;
}

/**
 * V8 heap bytes allocated per warm invocation over `size` invocations, from V8's own GC records
 * (v8.GCProfiler): the used heap only grows by allocation and only shrinks in a GC, so what was
 * allocated is the growth of the used heap plus what every GC in between freed. Exact, not sampled;
 * Buffers' backing stores (outside the V8 heap) are not in it. The contexts are made before the
 * count starts, so the harness's own work is left out; dd-trace's background export is in it.
 */
export async function allocatedPerInvocation(handler, size, callbacks) {
  const calls = Array.from({ length: size }, () => invocation(callbacks));
  const profiler = new v8.GCProfiler();
  profiler.start();
  const usedBefore = v8.getHeapStatistics().used_heap_size;
  for (const call of calls) {
    await invoke(handler, call);
    await betweenInvocations();
  }
  const usedAfter = v8.getHeapStatistics().used_heap_size;
  const { statistics } = profiler.stop();
  let freed = 0;
  for (const gc of statistics)
    freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
  return (usedAfter - usedBefore + freed) / size;
}
