// The CDK constructs stay in their own room: aws-cdk-lib and constructs are optional peers, no
// bundle but dist/cdk.* names them, loading the runtime entry resolves neither (while loading the
// cdk entry does, so the probe can see them), and the layer carries none of it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PACKAGE_FILES } from '../../layer/build.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIST = path.join(ROOT, 'dist');
const CDK_REFERENCE = /["'](aws-cdk-lib(\/[^"']*)?|constructs|cdk-nag)["']/;
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** Specifiers and resolved URLs a child Node resolves while loading `entry` (import or require). */
function resolvedWhileLoading(entry: string, how: 'import' | 'require'): string[] {
  const probe = `
    const { registerHooks } = require('node:module');
    const seen = [];
    registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.push(specifier + ' -> ' + r.url); return r; } });
    Promise.resolve(${how === 'import' ? `import(${JSON.stringify(entry)})` : `require(${JSON.stringify(entry)})`})
      .then(() => process.stdout.write(JSON.stringify(seen)));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', probe], { cwd: ROOT, encoding: 'utf8' }));
}

describe('the CDK constructs are optional and never loaded by the runtime', () => {
  it('package.json: aws-cdk-lib and constructs are optional peers, in no dependencies', () => {
    for (const name of ['aws-cdk-lib', 'constructs']) {
      assert.ok(pkg.peerDependencies[name], `${name} is a peer`);
      assert.deepEqual(pkg.peerDependenciesMeta[name], { optional: true });
      assert.equal(pkg.dependencies?.[name], undefined);
    }
    for (const name of ['aws-cdk-lib', 'constructs', 'cdk-nag']) assert.ok(pkg.devDependencies[name], name);
    assert.deepEqual(pkg.exports['./cdk'].import, { types: './dist/cdk.d.ts', default: './dist/cdk.js' });
  });

  it('no built file but dist/cdk.* names a CDK package', () => {
    const files = readdirSync(DIST, { recursive: true, encoding: 'utf8' }).filter(
      (f) => /\.(c?js)$/.test(f) && !f.startsWith('types'),
    );
    assert.ok(files.includes('index.js') && files.includes(path.join('merger-lambda', 'index.cjs')));
    const naming = files.filter((f) => CDK_REFERENCE.test(readFileSync(path.join(DIST, f), 'utf8'))).sort();
    assert.deepEqual(naming, ['cdk.cjs', 'cdk.js']);
  });

  const entries: Array<[string, string, 'import' | 'require', boolean]> = [
    ['the runtime entry (ESM)', './dist/index.js', 'import', false],
    ['the runtime entry (CommonJS)', './dist/index.cjs', 'require', false],
    ['the merger library', './dist/merge.js', 'import', false],
    ['the cdk entry: the probe sees aws-cdk-lib', './dist/cdk.js', 'import', true],
  ];
  for (const [name, entry, how, loadsCdk] of entries) {
    it(`${name} ${loadsCdk ? 'resolves' : 'never resolves'} aws-cdk-lib or constructs`, () => {
      const resolved = resolvedWhileLoading(entry, how);
      assert.ok(resolved.length > 0, 'the probe saw the entry load');
      const cdk = resolved.filter((line) => /node_modules\/(aws-cdk-lib|constructs)\//.test(line));
      assert.equal(cdk.length > 0, loadsCdk, cdk.slice(0, 3).join('\n'));
    });
  }

  it('npm pack ships the cdk entry and the merger bundle, and no dependency of theirs', () => {
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: ROOT,
        encoding: 'utf8',
      }),
    );
    const files = packed.files.map((f: { path: string }) => f.path);
    for (const file of ['dist/cdk.js', 'dist/cdk.cjs', 'dist/cdk.d.ts', 'dist/merger-lambda/index.cjs']) {
      assert.ok(files.includes(file), file);
    }
    assert.deepEqual(
      files.filter((f: string) => /node_modules|aws-cdk-lib|cdk-nag/.test(f)),
      [],
    );
  });

  it('the layer carries none of it', () => {
    for (const file of PACKAGE_FILES) assert.doesNotMatch(file, /cdk|merger-lambda/);
  });
});
