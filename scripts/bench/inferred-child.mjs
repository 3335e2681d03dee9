// One process measuring the warm cost of the inferred (managed-service) spans side by side: the same
// built wrapper with DD_TRACE_MANAGED_SERVICES off and on, batches alternating round after round on
// real event samples, so both see the same machine state and the same dd-trace. Writes one JSON
// result to fd 3: per event, the mean microseconds per invocation of each round, off then on.
import { readFileSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { betweenInvocations, invocation } from './lambda-calls.mjs';

const spec = JSON.parse(process.argv[2]);
const { withXRayMerge } = await import(spec.entry);
const user = async () => ({ statusCode: 200, body: 'ok' });
const off = withXRayMerge(user, { traceManagedServices: false });
const on = withXRayMerge(user, { traceManagedServices: true });

async function batch(handler, event) {
  let busyMs = 0;
  for (let i = 0; i < spec.batchSize; i += 1) {
    const call = invocation(false);
    process.env._X_AMZN_TRACE_ID = call.header;
    const copy = structuredClone(event);
    const start = performance.now();
    await handler(copy, call.context);
    busyMs += performance.now() - start;
    await betweenInvocations();
  }
  return (busyMs * 1000) / spec.batchSize;
}

const result = {};
for (const [name, file] of Object.entries(spec.events)) {
  const event = JSON.parse(readFileSync(file, 'utf8'));
  const rounds = { off: [], on: [] };
  for (let round = 0; round < spec.warmupRounds + spec.rounds; round += 1) {
    const order = round % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
    for (const which of order) {
      const us = await batch(which === 'on' ? on : off, event);
      if (round >= spec.warmupRounds) rounds[which].push(us);
    }
  }
  result[name] = rounds;
}
writeSync(3, JSON.stringify({ node: process.versions.node, result }));
process.exit(0);
