// The wrapper's own import+init, without dd-trace's: one fresh process loads and initialises
// dd-trace first (what the floor pays), then times loading this package's bundle and wrapping a
// handler (what the wrapper adds on top). Far steadier than the difference of two fresh processes'
// import+init, which each carry dd-trace's own 100 ms and its swings. Writes one JSON result to fd 3.
import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const { ddTrace, bundle } = JSON.parse(process.argv[2]);
const require = createRequire(import.meta.url);
require(ddTrace).init();

const cpuBefore = process.cpuUsage();
const start = performance.now();
const { withXRayMerge } = require(bundle);
withXRayMerge(async () => 'ok');
const ms = performance.now() - start;
const cpu = process.cpuUsage(cpuBefore);
writeSync(3, JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000 }));
process.exit(0);
