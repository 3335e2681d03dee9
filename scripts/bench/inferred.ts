// The warm cost of inferred spans: the built wrapper with DD_TRACE_MANAGED_SERVICES off
// and on, side by side in one process (scripts/bench/inferred-child.mjs), on real API Gateway, SQS and
// SNS-through-SQS events, exporting to the loopback agent stand-in. Prints, per event and Node, the
// median over rounds of (on - off) microseconds per invocation, with the quartiles.
//
//   node_modules/node22/bin/node scripts/bench/inferred.ts [--rounds 40] [--batch 200]
// `npm run bench` runs it too (measureInferredCost), after the subjects.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startStandIns } from './agent.ts';
import { lambdaEnv } from './measure.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const real = (name: string) => path.join(root, 'test/fixtures/events/real', `${name}.json`);
const events = {
  'API Gateway REST (aws.apigateway)': real('datadog-lambda-js/api-gateway-v1'),
  'SQS (aws.sqs)': real('datadog-lambda-js/sqs'),
  'SNS through SQS (aws.sns + aws.sqs)': real('datadog-lambda-js/snssqs'),
};

function quantile(sorted: number[], q: number): number {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (i - lo);
}

/** Measures and returns one printed line per Node and event. */
export async function measureInferredCost(options: { rounds: number; batch: number }): Promise<string[]> {
  const lines: string[] = [];
  const standIns = await startStandIns();
  try {
    for (const major of ['22', '24']) {
      const node = path.join(root, `node_modules/node${major}/bin/node`);
      const env = lambdaEnv(root, standIns, major);
      const spec = {
        entry: pathToFileURL(path.join(root, 'dist/index.js')).href,
        events,
        rounds: options.rounds,
        warmupRounds: 5,
        batchSize: options.batch,
      };
      const output = await new Promise<string>((resolve, reject) => {
        const child = spawn(
          node,
          [path.join(root, 'scripts/bench/inferred-child.mjs'), JSON.stringify(spec)],
          {
            env,
            stdio: ['ignore', 'ignore', 'inherit', 'pipe'],
          },
        );
        let text = '';
        child.stdio[3]?.on('data', (chunk) => {
          text += chunk;
        });
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`child exited ${code}`))));
      });
      const { node: version, result } = JSON.parse(output) as {
        node: string;
        result: Record<string, { off: number[]; on: number[] }>;
      };
      for (const [name, rounds] of Object.entries(result)) {
        const diffs = rounds.on.map((us, i) => us - (rounds.off[i] as number)).sort((a, b) => a - b);
        const offs = [...rounds.off].sort((a, b) => a - b);
        lines.push(
          `Node ${version}  ${name.padEnd(38)} off ${quantile(offs, 0.5).toFixed(1)} us/inv; ` +
            `on - off: median ${quantile(diffs, 0.5).toFixed(1)} us (quartiles ${quantile(diffs, 0.25).toFixed(1)} .. ${quantile(diffs, 0.75).toFixed(1)}), ${diffs.length} rounds`,
        );
      }
    }
  } finally {
    await standIns.close();
  }

  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: { rounds: { type: 'string', default: '40' }, batch: { type: 'string', default: '200' } },
  });
  const lines = await measureInferredCost({ rounds: Number(values.rounds), batch: Number(values.batch) });
  for (const line of lines) console.log(line);
}
