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
