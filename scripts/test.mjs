// `npm test`: builds, type-checks, lints, then runs every test file under Node 22 and Node 24 (both
// from the npm `node` package). Ends with one plain line: `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NODE_MAJORS, nodeBinary, root } from './toolchain.mjs';

const only = process.argv.slice(2);
let passed = 0;
let failed = 0;

function step(label, command, args, options = {}) {
  console.log(`\n== ${label}`);
  const run = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (run.status === 0) passed += 1;
  else {
    failed += 1;
    console.log(`!! ${label} failed (exit ${run.status ?? run.signal})`);
  }
  return run.status === 0;
}

if (only.length === 0) {
  step('build', process.execPath, ['scripts/build.mjs']);
  step('typecheck', process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit']);
  step('lint', process.execPath, [
    'node_modules/@biomejs/biome/bin/biome',
    'check',
    'src',
    'test',
    'scripts',
    'layer',
  ]);
}

const files = only.length > 0 ? only : ['test/**/*.test.ts'];
const reports = mkdtempSync(path.join(os.tmpdir(), 'xddm-test-'));
for (const major of NODE_MAJORS) {
  const tap = path.join(reports, `node${major}.tap`);
  console.log(`\n== tests on Node ${major}`);
  const run = spawnSync(
    nodeBinary(major),
    [
      '--test',
      '--test-concurrency=2',
      '--test-timeout=180000',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...files,
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } },
  );
  const text = readFileSync(tap, 'utf8');
  const count = (name) => Number(text.match(new RegExp(`^# ${name} (\\d+)$`, 'm'))?.[1] ?? 0);
  const p = count('pass');
  const f = count('fail') + count('cancelled');
  console.log(`Node ${major}: ${p} passed, ${f} failed`);
  passed += p;
  failed += f;
  if (p + f === 0 || (run.status !== 0 && f === 0)) failed += 1;
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
