// The stream handler is its own room: its package entry builds and loads, and the runtime entry
// never loads it nor the Kinesis client (checked on the built bundles, as users load them).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

function resolvedWhileLoading(entry: string, how: 'import' | 'require'): string[] {
  const probe = `
    const { registerHooks } = require('node:module');
    const seen = [];
    registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.push(specifier + ' -> ' + r.url); return r; } });
    Promise.resolve(${how === 'import' ? `import(${JSON.stringify(entry)})` : `require(${JSON.stringify(entry)})`})
      .then((m) => process.stdout.write(JSON.stringify([Object.keys(m).sort().join(','), ...seen])));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', probe], { cwd: ROOT, encoding: 'utf8' }));
}

describe('xray-dd-merge/stream', () => {
  it('is a package entry with types, built by npm run build', () => {
    assert.deepEqual(pkg.exports['./stream'], {
      import: { types: './dist/stream.d.ts', default: './dist/stream.js' },
      require: { types: './dist/stream.d.cts', default: './dist/stream.cjs' },
    });
    for (const file of [
      'dist/stream.js',
      'dist/stream.cjs',
      'dist/stream.d.ts',
      'dist/stream-lambda/index.cjs',
    ]) {
      assert.ok(existsSync(path.join(ROOT, file)), `${file} (run npm run build)`);
    }
  });

  for (const how of ['import', 'require'] as const) {
    it(`${how}: the stream entry exports both handlers and loads the Kinesis client`, () => {
      const [exports, ...seen] = resolvedWhileLoading(
        path.join(ROOT, how === 'import' ? 'dist/stream.js' : 'dist/stream.cjs'),
        how,
      );
      assert.match(exports as string, /(^|,)handler(,|$)/);
      assert.match(exports as string, /(^|,)repartitionHandler(,|$)/);
      assert.ok(seen.some((line) => line.includes('@aws-sdk/client-kinesis')));
    });

    it(`${how}: the runtime entry loads neither the stream code nor the Kinesis client`, () => {
      const [, ...seen] = resolvedWhileLoading(
        path.join(ROOT, how === 'import' ? 'dist/index.js' : 'dist/index.cjs'),
        how,
      );
      assert.ok(seen.length > 0);
      assert.deepEqual(
        seen.filter((line) => /client-kinesis|stream\.(c?js)|stream-lambda/.test(line)),
        [],
      );
    });
  }
});

describe('dist/stream-lambda (what the CDK construct deploys)', () => {
  it('runs on its own: a direct subscription event reaches the agent named by DD_TRACE_AGENT_URL', async () => {
    const { startAgent } = await import('../helpers/agent.ts');
    const { writeSubscriptionPayload } = await import('../../src/stream/subscription.ts');
    const { generateTraces } = await import('../helpers/span-records.ts');
    const agent = await startAgent();
    const [trace] = generateTraces(1, { seed: 30, hybridShare: 1 });
    const records = trace?.records ?? [];
    const data = writeSubscriptionPayload(
      'aws/spans',
      records.map((message, i) => ({ id: String(i), timestamp: 0, message })),
    ).toString('base64');
    const probe = `require(${JSON.stringify(path.join(ROOT, 'dist/stream-lambda/index.cjs'))}).handler(${JSON.stringify({ awslogs: { data } })}).then((r) => process.stdout.write(JSON.stringify(r)))`;
    const { execFile } = await import('node:child_process');
    const output = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['-e', probe],
        { cwd: '/', env: { PATH: process.env.PATH ?? '', DD_TRACE_AGENT_URL: agent.url } },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    );
    assert.deepEqual(JSON.parse(output), { batchItemFailures: [] });
    const spans = agent.traces.flat();
    assert.equal(spans.length, records.length);
    assert.deepEqual(new Set(spans.map((s) => s.trace_id.toString())), new Set([trace?.upstream?.traceId]));
    await agent.close();
  });
});
