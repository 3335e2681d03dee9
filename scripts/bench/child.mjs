// One fresh process measuring one subject: loads the Lambda entry the way the runtime client does
// (require for .js/.cjs, import for .mjs), then invokes its handler with realistic Lambda contexts,
// a fresh X-Ray trace header each time. Writes one JSON result to fd 3; stdout is the function's
// log, drained by the parent. Plain JavaScript on purpose: a .ts child would load Node's type
// stripper and inflate every subject's memory.
import { writeSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { performance } from 'node:perf_hooks';
import {
  allocatedPerInvocation,
  betweenInvocations,
  invoke,
  invocation as lambdaInvocation,
  loadHandler,
  warmBatch,
} from './lambda-calls.mjs';

const spec = JSON.parse(process.argv[2]);
const bootMs = performance.now();
const loaded = spec.mode === 'modules' ? recordModuleLoads() : undefined;
const invocation = () => lambdaInvocation(spec.callbacks);
const cpuMs = ({ user, system }) => (user + system) / 1000;

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
// RSS once loaded: what the code costs before any invocation, apart from what invocations add.
const rssLoadedMb = process.memoryUsage().rss / 2 ** 20;

const first = invocation();
const firstStart = performance.now();
await invoke(handler, first);
const firstMs = performance.now() - firstStart;
await betweenInvocations();

// Warm batches (see warmBatch). The process's CPU time per invocation is kept too: it includes the
// background export, and being CPU time it is less disturbed than wall time when other processes
// share the cores.
const warmUs = [];
const warmCpuUs = [];
for (let batch = 0; batch < spec.warmupBatches + spec.batches; batch += 1) {
  const cpuBefore = process.cpuUsage();
  const us = await warmBatch(handler, spec.batchSize, spec.callbacks);
  const cpu = process.cpuUsage(cpuBefore);
  if (batch >= spec.warmupBatches) {
    warmUs.push(us);
    warmCpuUs.push((cpu.user + cpu.system) / spec.batchSize);
  }
}

// RSS after the first and the warm invocations (2,000 in all in the bench's loop shapes), before
// anything else runs; then the V8 heap bytes allocated per warm invocation, on a further batch.
const memory = process.memoryUsage();
const allocatedBytes =
  spec.allocationBatch > 0
    ? await allocatedPerInvocation(handler, spec.allocationBatch, spec.callbacks)
    : undefined;
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
  rssLoadedMb,
  heapMb: memory.heapUsed / 2 ** 20,
  ...(allocatedBytes !== undefined ? { allocatedBytes } : {}),
  ...(loaded ? { modules: [...loaded] } : {}),
};
writeSync(3, JSON.stringify(result));
process.exit(0);
