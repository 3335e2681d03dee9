// `npm test`: builds, type-checks, lints, reproduces a fresh machine (scripts/fresh-machine.mjs),
// then runs every test file under Node 22 and Node 24 (both from the npm `node` package). Ends with one
// plain line: `N passed, N failed`.
//
// The end-to-end suite of the real Lambda runtime client needs its native part, which `npm ci` builds
// only where the build tools are. Where it is not built, every other test still runs, and the run
// fails with one line naming what to install: it never passes with that suite left out.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { aptCommand, missingTools, NATIVE_CLIENT_TESTS, nativeReady } from './runtime-clients.mjs';
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
  step('fresh machine: npm ci && npm run demo in a clean clone without build tools', process.execPath, [
    'scripts/fresh-machine.mjs',
  ]);
}

/** Every test file under test/, as node --test's glob finds them (node_modules left out). */
function allTestFiles() {
  return readdirSync(path.join(root, 'test'), { recursive: true })
    .map((name) => path.posix.join('test', name.split(path.sep).join('/')))
    .filter((name) => name.endsWith('.test.ts') && !name.split('/').includes('node_modules'))
    .sort();
}

const files = only.length > 0 ? only : allTestFiles();
const reports = mkdtempSync(path.join(os.tmpdir(), 'xddm-test-'));
/** Test files left out for want of the native runtime client, and on which Nodes. */
const notRun = { files: new Set(), majors: [] };
for (const major of NODE_MAJORS) {
  const tap = path.join(reports, `node${major}.tap`);
  console.log(`\n== tests on Node ${major}`);
  let runnable = files;
  if (!nativeReady(major, nodeBinary(major))) {
    runnable = files.filter(
      (file) => !NATIVE_CLIENT_TESTS.includes(path.relative(root, path.resolve(root, file))),
    );
    for (const file of files.filter((f) => !runnable.includes(f))) notRun.files.add(file);
    if (runnable.length < files.length) notRun.majors.push(major);
  }
  if (runnable.length === 0) continue;
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
      ...runnable,
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

if (notRun.majors.length > 0) {
  const missing = [...new Map(notRun.majors.flatMap(missingTools).map((t) => [t.command, t])).values()];
  const remedy =
    missing.length > 0
      ? `${aptCommand(missing)}, then node scripts/prepare.mjs`
      : 'run node scripts/prepare.mjs to build it';
  failed += 1;
  console.log(
    `\n!! not run on Node ${notRun.majors.join(' and ')}: ${[...notRun.files].join(', ')} (the real Lambda runtime client is not built): ${remedy}`,
  );
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
