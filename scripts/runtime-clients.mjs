// The Lambda runtime interface clients the tests and the demo run, one per Lambda Node runtime, and
// what building their native part takes. Shared by `prepare` (which installs them) and `npm test`
// (which says what is missing when the real client cannot run):
//
//   test/runtimes/nodejs22  aws-lambda-ric 3.x  (nodejs22.x)  for node_modules/node22
//   test/runtimes/nodejs24  aws-lambda-ric 4.x  (nodejs24.x)  for node_modules/node24
//
// aws-lambda-ric compiles a native client at install (curl and aws-lambda-cpp with autotools and
// cmake, then node-gyp). Without those tools only its JavaScript is installed: the demo then runs it
// with the project's own Runtime API client in place of the native one (test/runtimes/js-client/),
// and the end-to-end suite of the real client cannot run.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { root } from './toolchain.mjs';

export const RUNTIME_MAJORS = ['22', '24'];

/** Test files that need the native runtime client: `npm test` leaves them out, and fails, when it is not built. */
export const NATIVE_CLIENT_TESTS = ['test/layer/runtime-client.test.ts'];

/** The build tools aws-lambda-ric's install scripts call, and the Debian packages that provide them. */
const TOOLS = [
  { command: 'make', apt: 'make', majors: ['22', '24'] },
  { command: 'g++', apt: 'g++', majors: ['22', '24'] },
  { command: 'cmake', apt: 'cmake', majors: ['22', '24'] },
  { command: 'autoreconf', apt: 'autoconf automake libtool', majors: ['22'] },
  { command: 'libtoolize', apt: 'libtool', majors: ['22'] },
  { command: 'python3', apt: 'python3', majors: ['22', '24'] },
];

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** The build tools for `major`'s client that are not on PATH. */
export function missingTools(major) {
  return TOOLS.filter(
    (tool) =>
      tool.majors.includes(major) && spawnSync('sh', ['-c', `command -v ${tool.command}`]).status !== 0,
  );
}

/** `apt-get install -y …` for the given missing tools. */
export function aptCommand(tools) {
  return `apt-get install -y ${[...new Set(tools.flatMap((t) => t.apt.split(' ')))].join(' ')}`;
}

export function runtimeDir(major) {
  return path.join(root, 'test', 'runtimes', `nodejs${major}`);
}

export function ricDir(major) {
  return path.join(runtimeDir(major), 'node_modules', 'aws-lambda-ric');
}

/** The aws-lambda-ric version `major`'s runtime pins. */
export function wantedVersion(major) {
  return readJson(path.join(runtimeDir(major), 'package.json')).dependencies['aws-lambda-ric'];
}

/** aws-lambda-ric's JavaScript, of the pinned version, is installed (with or without its native client). */
export function javascriptReady(major) {
  const pkg = path.join(ricDir(major), 'package.json');
  return existsSync(pkg) && readJson(pkg).version === wantedVersion(major);
}

/** Where a given aws-lambda-ric major puts its native client. */
export function nativeClient(major) {
  const dir = ricDir(major);
  return [path.join(dir, 'rapid-client.node'), path.join(dir, 'dist', 'rapid-client.node')].find((f) =>
    existsSync(f),
  );
}

/** The real client is usable: the pinned version, and its native part loads in the Node that will run it. */
export function nativeReady(major, node) {
  if (!javascriptReady(major)) return false;
  const native = nativeClient(major);
  if (!native || !existsSync(node)) return false;
  // The native client aborts at load unless AWS_LAMBDA_RUNTIME_API is set; nothing listens there.
  const load = spawnSync(node, ['-e', `process.dlopen({ exports: {} }, ${JSON.stringify(native)})`], {
    env: { PATH: process.env.PATH, AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9' },
  });
  return load.status === 0;
}
