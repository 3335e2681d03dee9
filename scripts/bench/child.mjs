// One fresh process measuring one subject: loads the Lambda entry the way the runtime client does
// (require for .js/.cjs, import for .mjs), then invokes its handler with realistic Lambda contexts,
// a fresh X-Ray trace header each time. Writes one JSON result to fd 3; stdout is the function's
// log, drained by the parent. Plain JavaScript on purpose: a .ts child would load Node's type
// stripper and inflate every subject's memory.
import { randomBytes, randomUUID } from 'node:crypto';
import { writeSync } from 'node:fs';
import { createRequire, registerHooks } from 'node:module';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const spec = JSON.parse(process.argv[2]);
const bootMs = performance.now();
const loaded = spec.mode === 'modules' ? recordModuleLoads() : undefined;

const FUNCTION_NAME = process.env.AWS_LAMBDA_FUNCTION_NAME;
const FUNCTION_ARN = `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${FUNCTION_NAME}`;
const EVENT = { orderId: 'o-1042', items: [{ sku: 'A-1', quantity: 2 }], total: 19.9 };
const noop = () => {};

/** What the runtime hands one invocation: nodejs22.x (ric 3.x) adds a callback and context.done/succeed/fail. */
function invocation() {
  const epoch = Math.floor(Date.now() / 1000).toString(16);
  const header = `Root=1-${epoch}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=1`;
  const deadline = Date.now() + 30_000;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: FUNCTION_ARN,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${FUNCTION_NAME}`,
    logStreamName: '2026/01/01/[$LATEST]0123456789abcdef',
    xRayTraceId: header,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
  if (spec.callbacks) Object.assign(context, { done: noop, succeed: noop, fail: noop });
  return { header, context };
}

/** Calls the handler as the runtime does: the trace header in the env var too (nodejs22.x/24.x without concurrency). */
function invoke(handler, { header, context }) {
  process.env._X_AMZN_TRACE_ID = header;
  return spec.callbacks ? handler(EVENT, context, noop) : handler(EVENT, context);
}

const cpuMs = ({ user, system }) => (user + system) / 1000;
const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));

async function loadHandler(entry) {
  const module = entry.endsWith('.mjs')
    ? await import(pathToFileURL(entry).href)
    : createRequire(entry)(entry);
  const handler = module.handler ?? module.default?.handler;
  if (typeof handler !== 'function') throw new Error(`${entry} exports no handler`);
  return handler;
}

/** Every file URL resolved from here on, by require or import (Node >= 22.15). */
function recordModuleLoads() {
  const urls = new Set();
  registerHooks({
    resolve(specifier, context, next) {
      const resolved = next(specifier, context);
      if (resolved.url.startsWith('file:')) urls.add(resolved.url);
      return resolved;
    },
  });
  return urls;
}

const importStart = performance.now();
const importCpu = process.cpuUsage();
const handler = await loadHandler(spec.entry);
const importMs = performance.now() - importStart;
const importCpuMs = cpuMs(process.cpuUsage(importCpu));

const first = invocation();
const firstStart = performance.now();
await invoke(handler, first);
const firstMs = performance.now() - firstStart;
await yieldToLoop();

// Warm: each invocation is timed from the call until its promise settles (the latency the wrapper
// adds), and the loop yields to the event loop between invocations, untimed, as the runtime does while
// it waits for the next event; the trace export's socket work happens there, not in the figure.
// The process's CPU time per invocation is kept too: it includes that background work, and being
// CPU time it is less disturbed than wall time when other processes share the cores.
const warmUs = [];
const warmCpuUs = [];
for (let batch = 0; batch < spec.warmupBatches + spec.batches; batch += 1) {
  const calls = Array.from({ length: spec.batchSize }, invocation);
  let busyMs = 0;
  const cpuBefore = process.cpuUsage();
  for (const call of calls) {
    const start = performance.now();
    await invoke(handler, call);
    busyMs += performance.now() - start;
    await yieldToLoop();
  }
  const cpu = process.cpuUsage(cpuBefore);
  if (batch >= spec.warmupBatches) {
    warmUs.push((busyMs * 1000) / spec.batchSize);
    warmCpuUs.push((cpu.user + cpu.system) / spec.batchSize);
  }
}

const memory = process.memoryUsage();
const result = {
  node: process.versions.node,
  bootMs,
  importMs,
  importCpuMs,
  firstMs,
  firstHeader: first.header,
  warmUs,
  warmCpuUs,
  rssMb: memory.rss / 2 ** 20,
  heapMb: memory.heapUsed / 2 ** 20,
  ...(loaded ? { modules: [...loaded] } : {}),
};
writeSync(3, JSON.stringify(result));
process.exit(0);
