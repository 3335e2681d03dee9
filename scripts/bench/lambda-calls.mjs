// What the Lambda runtime hands a handler, for the bench's child processes: a realistic context with a
// fresh X-Ray trace header per invocation, the call the way the runtime client makes it, and loading
// an entry file the way it loads one. Plain JavaScript, like the children that use it.
import { randomBytes, randomUUID } from 'node:crypto';
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
 * One warm batch: `size` invocations, each timed from the call until its promise settles (the
 * latency the wrapper adds), the loop yielding to the event loop between them, untimed, as the
 * runtime does while it waits for the next event (the trace export's socket work happens there).
 * Resolves with the mean microseconds per invocation.
 */
export async function warmBatch(handler, size, callbacks) {
  const calls = Array.from({ length: size }, () => invocation(callbacks));
  let busyMs = 0;
  for (const call of calls) {
    const start = performance.now();
    await invoke(handler, call);
    busyMs += performance.now() - start;
    await yieldToLoop();
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
    await yieldToLoop();
  }
  const usedAfter = v8.getHeapStatistics().used_heap_size;
  const { statistics } = profiler.stop();
  let freed = 0;
  for (const gc of statistics)
    freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
  return (usedAfter - usedBefore + freed) / size;
}
