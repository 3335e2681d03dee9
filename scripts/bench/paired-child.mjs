// One process running several subjects' warm invocations side by side: each entry is loaded (the
// floor first, so its `init()` is the one dd-trace keeps), then batches alternate between the
// subjects, round after round, so every subject sees the same machine state: the same CPU speed, the
// same neighbours, the same dd-trace. The difference of two subjects' batches in one round is the
// warm cost of what one adds over the other, far steadier than figures from separate processes.
// Writes one JSON result to fd 3: per subject, the mean microseconds per invocation of each round.
import { writeSync } from 'node:fs';
import { loadHandler, warmBatch } from './lambda-calls.mjs';

const spec = JSON.parse(process.argv[2]);
const handlers = [];
for (const entry of spec.entries) handlers.push(await loadHandler(entry));

const rounds = handlers.map(() => []);
// The process's CPU time per invocation of each batch too: unlike wall time, it does not count the
// time other processes held the core, so it stays steadier on a loaded machine (GC helpers and the
// export's socket work are in it).
const cpuRounds = handlers.map(() => []);
for (let round = 0; round < spec.warmupRounds + spec.rounds; round += 1) {
  // Rotate which subject goes first, so none always follows the same one.
  for (let k = 0; k < handlers.length; k += 1) {
    const index = (k + round) % handlers.length;
    const cpuBefore = process.cpuUsage();
    const us = await warmBatch(handlers[index], spec.batchSize, spec.callbacks);
    const cpu = process.cpuUsage(cpuBefore);
    if (round >= spec.warmupRounds) {
      rounds[index].push(us);
      cpuRounds[index].push((cpu.user + cpu.system) / spec.batchSize);
    }
  }
}
writeSync(3, JSON.stringify({ node: process.versions.node, rounds, cpuRounds }));
process.exit(0);
