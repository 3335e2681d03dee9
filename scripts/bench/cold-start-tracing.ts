// The cold-start cost of cold-start tracing (DD_COLD_START_TRACING): the layer's entry
// (handler redirection, as the runtime client loads it) in fresh processes, tracing off and on
// alternately, for a function whose handler module loads the AWS SDK (@aws-sdk/client-xray, about
// 200 modules) at its top level. Prints the medians of the entry's import (everything up to the
// handler being ready) and of the first invocation (which makes the cold-start spans), and of their
// per-pair differences, on Node 22 and 24.
//
//   node_modules/node22/bin/node scripts/bench/cold-start-tracing.ts [--pairs 11]
// `npm run bench` runs it too (measureColdStartTracing), after the subjects.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startStandIns } from './agent.ts';
import { lambdaEnv, removeTaskRoot, runChild, subjects, writeTaskRoot } from './measure.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** Measures and returns one printed line per Node. */
export async function measureColdStartTracing(pairs: number): Promise<string[]> {
  const lines: string[] = [];
  const taskRoot = writeTaskRoot();
  writeFileSync(
    path.join(taskRoot, 'sdk.js'),
    `'use strict';
  const { XRayClient } = require(${JSON.stringify(path.join(root, 'node_modules/@aws-sdk/client-xray'))});
  const client = new XRayClient({ region: 'eu-west-1' });
  exports.handler = async () => ({ statusCode: 200, body: typeof client.send });
  `,
  );
  const layer = subjects(taskRoot).find((s) => s.id === 'layer');
  const standIns = await startStandIns();
  try {
    if (!layer) throw new Error('no layer subject');
    for (const major of ['22', '24']) {
      const node = path.join(root, `node_modules/node${major}/bin/node`);
      const base = {
        ...lambdaEnv(taskRoot, standIns, major),
        DD_LAMBDA_HANDLER: 'sdk.handler',
        _HANDLER: 'sdk.handler',
      };
      const figures = {
        off: { importMs: [] as number[], importCpuMs: [] as number[], firstMs: [] as number[] },
        on: { importMs: [] as number[], importCpuMs: [] as number[], firstMs: [] as number[] },
      };
      const diffs = { importMs: [] as number[], importCpuMs: [] as number[], firstMs: [] as number[] };
      for (let i = 0; i < pairs; i += 1) {
        const order = i % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const);
        const got: Record<string, { importMs: number; importCpuMs: number; firstMs: number }> = {};
        for (const which of order) {
          const result = await runChild({
            node,
            entry: layer.entry,
            env: { ...base, DD_COLD_START_TRACING: which === 'on' ? 'true' : 'false' },
            loop: { batches: 1, batchSize: 10, warmupBatches: 0, allocationBatch: 0 },
            callbacks: major === '22',
          });
          got[which] = result;
          figures[which].importMs.push(result.importMs);
          figures[which].firstMs.push(result.firstMs);
          figures[which].importCpuMs.push(result.importCpuMs);
        }
        diffs.importMs.push(
          (got.on as { importMs: number }).importMs - (got.off as { importMs: number }).importMs,
        );
        diffs.importCpuMs.push(
          (got.on as { importCpuMs: number }).importCpuMs - (got.off as { importCpuMs: number }).importCpuMs,
        );
        diffs.firstMs.push(
          (got.on as { firstMs: number }).firstMs - (got.off as { firstMs: number }).firstMs,
        );
        process.stdout.write(',');
      }
      process.stdout.write('\n');
      lines.push(
        `Node ${major}: import off ${median(figures.off.importMs).toFixed(1)} ms, on ${median(figures.on.importMs).toFixed(1)} ms ` +
          `(pairwise median ${median(diffs.importMs).toFixed(1)} ms; CPU ${median(figures.off.importCpuMs).toFixed(1)} / ${median(figures.on.importCpuMs).toFixed(1)} ms, pairwise ${median(diffs.importCpuMs).toFixed(1)} ms); first invocation off ${median(figures.off.firstMs).toFixed(2)} ms, ` +
          `on ${median(figures.on.firstMs).toFixed(2)} ms (pairwise median ${median(diffs.firstMs).toFixed(2)} ms); ${pairs} pairs`,
      );
    }
  } finally {
    await standIns.close();
    removeTaskRoot(taskRoot);
  }

  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { pairs: { type: 'string', default: '11' } } });
  for (const line of await measureColdStartTracing(Number(values.pairs))) console.log(line);
}
