// The layer zip: exactly the expected files, nothing from devDependencies, under the size budget,
// the same bytes from two builds, and a zip Info-ZIP's unzip reads with the permissions we set.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type BuildResult, buildLayer, DEFAULT_BUDGET, ROOT } from '../../layer/build.mjs';
import { readZip, writeZip, type ZipEntry } from '../../layer/zip.mjs';

const dir = mkdtempSync(path.join(os.tmpdir(), 'xddm-layer-build-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The packages the layer carries: this one, dd-trace, and dd-trace's production dependencies. */
const EXPECTED_PACKAGES = [
  'cjs-module-lexer',
  'dc-polyfill',
  'dd-trace',
  'es-module-lexer',
  'import-in-the-middle',
  'module-details-from-path',
  'opentracing',
  'xray-dd-merge',
];
const EXPECTED_OWN_FILES = [
  'LICENSE',
  'dist/config-schema.cjs',
  'dist/handler.cjs',
  'dist/index.cjs',
  'dist/index.js',
  'handler.cjs',
  'handler.mjs',
  'package.json',
];
const FORBIDDEN: Array<[string, RegExp]> = [
  ['source maps', /\.map$/],
  ['TypeScript sources and declarations', /\.[cm]?ts$/],
  ['test directories', /\/(test|tests|__tests__)\//],
  ['test files', /\.(test|spec)\.[cm]?js$/],
  ['readmes', /\/README(\.[a-z]+)?$/i],
  ['native add-ons', /\.node$/],
  ['nested node_modules', /node_modules\/.+\/node_modules\//],
];

describe('layer zip (no native add-ons)', () => {
  let first: BuildResult[];
  let second: BuildResult[];
  let entries: ZipEntry[];

  before(() => {
    first = buildLayer({ outDir: path.join(dir, 'one') });
    second = buildLayer({ outDir: path.join(dir, 'two') });
    entries = readZip(readFileSync(first[0]!.zipPath));
  });

  it('one zip per architecture', () => {
    assert.deepEqual(
      first.map((r) => [r.arch, path.basename(r.zipPath)]),
      [
        ['x86_64', 'xray-dd-merge-x86_64.zip'],
        ['arm64', 'xray-dd-merge-arm64.zip'],
      ],
    );
  });

  it('two builds give identical bytes (zips and SBOMs)', () => {
    for (const [i, one] of first.entries()) {
      const two = second[i]!;
      assert.ok(readFileSync(one.zipPath).equals(readFileSync(two.zipPath)), `${one.arch} zip bytes`);
      assert.equal(one.sha256, two.sha256);
      assert.equal(readFileSync(one.sbomPath, 'utf8'), readFileSync(two.sbomPath, 'utf8'));
    }
  });

  it(`is under the ${DEFAULT_BUDGET / 1024 / 1024} MiB budget`, () => {
    for (const r of first) {
      assert.equal(r.budget, DEFAULT_BUDGET);
      assert.ok(r.size < DEFAULT_BUDGET, `${r.arch}: ${r.size} bytes`);
      assert.equal(r.overBudget, false);
    }
  });

  it('holds exactly the expected packages, laid out as nodejs/node_modules, and the exec wrapper at the root', () => {
    const top = new Set(entries.map((e) => e.name.split('/')[0]));
    assert.deepEqual([...top].sort(), ['nodejs', 'xray-dd-merge']);
    const packages = new Set(
      entries
        .filter((e) => e.name.startsWith('nodejs/node_modules/') && e.name.split('/').length > 3)
        .map((e) => e.name.split('/')[2]),
    );
    assert.deepEqual([...packages].sort(), EXPECTED_PACKAGES);
  });

  it("holds exactly this package's runtime files", () => {
    const own = entries
      .filter((e) => e.name.startsWith('nodejs/node_modules/xray-dd-merge/') && !e.name.endsWith('/'))
      .map((e) => e.name.slice('nodejs/node_modules/xray-dd-merge/'.length))
      .sort();
    assert.deepEqual(own, EXPECTED_OWN_FILES);
  });

  for (const [what, pattern] of FORBIDDEN) {
    it(`no ${what}`, () => {
      const found = entries.map((e) => e.name).filter((n) => pattern.test(n));
      assert.deepEqual(found, []);
    });
  }

  it('nothing from devDependencies but dd-trace (the peer the layer provides), no AWS SDK', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const dev = Object.keys(pkg.devDependencies).filter((name) => name !== 'dd-trace');
    for (const name of [...dev, '@aws-sdk', '@aws-sdk/client-xray', 'zod']) {
      const found = entries.filter((e) => e.name.startsWith(`nodejs/node_modules/${name}/`));
      assert.equal(found.length, 0, `${name} is in the layer`);
    }
  });

  it('permissions: the exec wrapper 755, files 644, directories 755', () => {
    for (const entry of entries) {
      const expected = entry.name === 'xray-dd-merge' || entry.name.endsWith('/') ? 0o755 : 0o644;
      assert.equal(entry.mode, expected, entry.name);
    }
  });

  it("the layer's package.json has no dev or build fields and points ./handler at the ESM entry", () => {
    const entry = entries.find((e) => e.name === 'nodejs/node_modules/xray-dd-merge/package.json');
    const pkg = JSON.parse(entry!.data.toString());
    assert.equal(pkg.devDependencies, undefined);
    assert.equal(pkg.scripts, undefined);
    assert.equal(pkg.dependencies, undefined);
    assert.deepEqual(pkg.exports['./handler'], { import: './handler.mjs', require: './handler.cjs' });
  });

  it('Info-ZIP agrees: the archive tests clean and lists the same entries', () => {
    const test = spawnSync('unzip', ['-tq', first[0]!.zipPath], { encoding: 'utf8' });
    assert.equal(test.status, 0, test.stdout + test.stderr);
    const listed = execFileSync('unzip', ['-Z1', first[0]!.zipPath], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(
      listed,
      entries.map((e) => e.name),
    );
  });

  it('an SBOM beside each zip lists every package it carries', () => {
    const bom = JSON.parse(readFileSync(first[0]!.sbomPath, 'utf8'));
    assert.equal(bom.bomFormat, 'CycloneDX');
    assert.equal(bom.metadata.component.name, 'xray-dd-merge');
    assert.deepEqual(
      bom.components.map((c: { name: string }) => c.name).sort(),
      EXPECTED_PACKAGES.filter((p) => p !== 'xray-dd-merge'),
    );
    for (const c of bom.components) assert.match(c.purl, /^pkg:npm\/.+@\d/);
  });
});

describe('layer zip with a native add-on', () => {
  it('--with-native keeps only the linux/glibc build of each architecture', () => {
    const results = buildLayer({ outDir: path.join(dir, 'native'), native: ['@datadog/native-metrics'] });
    const prebuilds = results.map((r) =>
      readZip(readFileSync(r.zipPath))
        .map((e) => e.name)
        .filter((n) => n.endsWith('.node')),
    );
    assert.ok(
      prebuilds[0]!.length > 0 && prebuilds[0]!.every((n) => n.includes('/prebuilds/linuxglibc-x64/')),
    );
    assert.ok(
      prebuilds[1]!.length > 0 && prebuilds[1]!.every((n) => n.includes('/prebuilds/linuxglibc-arm64/')),
    );
  });
});

describe('size budget', () => {
  it('the command fails above the budget and says so', () => {
    const run = spawnSync(
      process.execPath,
      [
        'layer/build.mjs',
        '--no-package-build',
        '--arch=x86_64',
        '--budget-mib=0.5',
        `--out=${path.join(dir, 'cli')}`,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /xray-dd-merge-x86_64\.zip .*OVER the 0\.5 MiB budget/);
    assert.match(run.stderr, /over its size budget/);
  });
});

describe('zip writer', () => {
  it('round-trips names, modes and bytes; stores what does not compress', () => {
    const random = Buffer.from(crypto.getRandomValues(new Uint8Array(512)));
    const zip = writeZip([
      { name: 'b/text.txt', data: Buffer.from('hello '.repeat(100)) },
      { name: 'a-script', data: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
      { name: 'b/random.bin', data: random },
    ]);
    const read = readZip(zip);
    assert.deepEqual(
      read.map((e) => [e.name, e.mode]),
      [
        ['a-script', 0o755],
        ['b/random.bin', 0o644],
        ['b/text.txt', 0o644],
      ],
    );
    assert.ok(read[1]!.data.equals(random));
    assert.equal(read[2]!.data.toString(), 'hello '.repeat(100));
  });

  it('refuses duplicate names', () => {
    assert.throws(
      () =>
        writeZip([
          { name: 'x', data: Buffer.from('1') },
          { name: 'x', data: Buffer.from('2') },
        ]),
      /duplicate/,
    );
  });
});
