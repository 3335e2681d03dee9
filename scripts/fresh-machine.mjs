// A fresh machine, as a new user has it (Node and npm, no native build tools), reproduced on this one
// without uninstalling anything: a clean `git clone` of this checkout's HEAD into a temporary
// directory, a PATH made of links to this machine's commands less the native build tools (and
// unzip, which slim images lack too), no user npm config (this machine's sets `nodedir`) and none of
// the caller's environment; then the README's `npm ci && npm run demo` there. Prints how long
// `npm ci` took. Then what a user of the package gets: `npm pack` of the clone installed into an empty
// project on the same PATH must build nothing, bring no test tooling, and load. `npm test` runs all
// this as one step.
//
//   node scripts/fresh-machine.mjs               the machine without build tools
//   node scripts/fresh-machine.mjs --with-tools  the same clean clone with this machine's full PATH
//   node scripts/fresh-machine.mjs --keep        leave the clone in place (its path is printed)
//
// npm's download cache is this machine's (a fresh one downloads the same packages: the npm ci time
// then also depends on the network). Uncommitted changes are not in the clone.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root } from './toolchain.mjs';

const withTools = process.argv.includes('--with-tools');
const keep = process.argv.includes('--keep');
const say = (line) => console.log(`[fresh-machine] ${line}`);

/** What a machine with only Node and npm lacks: compilers, build systems, autotools, python, unzip. */
const BUILD_TOOL =
  /^(cc|c\+\+|cpp|gcc|g\+\+|clang|clang\+\+|ld|ld\..+|as|make|gmake|cmake|cmake3|autoconf|autoreconf|automake|aclocal|autoheader|libtool|libtoolize|python\d*(\.\d+)?|unzip)$|^(gcc|g\+\+|cpp|clang|cc)-\d+$|-linux-gnu-|-linux-musl-/;

/** The commands the real runtime client's build needs: none may be found on the fresh machine's PATH. */
const MUST_BE_MISSING = ['cc', 'gcc', 'g++', 'make', 'cmake', 'autoreconf', 'libtoolize', 'python3', 'unzip'];

/** A directory of links to every command on PATH except the build tools. */
function pathWithoutBuildTools(bin) {
  mkdirSync(bin);
  const seen = new Set();
  const hidden = [];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    // What npm puts first on PATH for a script (node_modules/.bin, its node-gyp shim) is not the machine's.
    if (dir.split(path.sep).includes('node_modules')) continue;
    let names;
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (seen.has(name)) continue;
      seen.add(name);
      if (BUILD_TOOL.test(name)) {
        hidden.push(name);
        continue;
      }
      const target = path.join(dir, name);
      try {
        if (!statSync(target).isFile()) continue;
      } catch {
        continue;
      }
      symlinkSync(target, path.join(bin, name));
    }
  }
  return hidden;
}

function timed(label, command, args, options) {
  say(`$ ${[command, ...args].join(' ')}  (${label})`);
  const started = performance.now();
  const run = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...options });
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(run.stdout ?? '');
  process.stdout.write(run.stderr ?? '');
  return { ok: run.status === 0, seconds, output: `${run.stdout ?? ''}${run.stderr ?? ''}` };
}

/** What the package's own users get: the packed tarball installed into an empty project builds nothing and brings no test tooling. */
function userInstall(repo, work, env) {
  const pack = spawnSync('npm', ['pack', '--json', '--pack-destination', work], {
    cwd: repo,
    env,
    encoding: 'utf8',
  });
  if (pack.status !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
  const tarball = path.join(work, JSON.parse(pack.stdout.slice(pack.stdout.search(/^\[$/m)))[0].filename);
  const app = path.join(work, 'app');
  mkdirSync(app);
  writeFileSync(
    path.join(app, 'package.json'),
    '{ "name": "user-app", "private": true, "type": "module" }\n',
  );
  const install = timed('a user', 'npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: app, env });
  if (!install.ok) throw new Error('npm install of the packed package failed');
  const brought = [
    'aws-lambda-ric',
    'node22',
    'node24',
    'typescript',
    'esbuild',
    'node-gyp',
    '@biomejs/biome',
  ].filter((name) => existsSync(path.join(app, 'node_modules', name)));
  if (brought.length > 0)
    throw new Error(`npm install xray-dd-merge brought test tooling: ${brought.join(', ')}`);
  const node22 = path.join(repo, 'node_modules', 'node22', 'bin', 'node');
  const load = spawnSync(
    node22,
    [
      '--input-type=module',
      '-e',
      "const m = await import('xray-dd-merge'); console.log(Object.keys(m).join(' '))",
    ],
    {
      cwd: app,
      env,
      encoding: 'utf8',
    },
  );
  if (load.status !== 0) throw new Error(`the installed package does not load:\n${load.stderr}`);
  say(
    `npm install <packed xray-dd-merge>: ${install.seconds.toFixed(1)} s, nothing built; it exports ${load.stdout.trim()}`,
  );
}

function main() {
  const work = mkdtempSync(path.join(os.tmpdir(), 'xddm-fresh-'));
  const repo = path.join(work, 'repo');
  const home = path.join(work, 'home');
  mkdirSync(home);
  let ok = false;
  try {
    const clone = spawnSync('git', ['clone', '--quiet', '--no-hardlinks', root, repo], { stdio: 'inherit' });
    if (clone.status !== 0) throw new Error('git clone failed');
    const head = spawnSync('git', ['-C', repo, 'log', '-1', '--format=%h %s'], { encoding: 'utf8' });
    say(`clean clone of ${head.stdout.trim()}`);

    let PATH = process.env.PATH ?? '';
    if (!withTools) {
      const hidden = pathWithoutBuildTools(path.join(work, 'bin'));
      PATH = path.join(work, 'bin');
      say(`PATH without the build tools (hidden: ${hidden.sort().join(' ') || 'none found'})`);
      const found = MUST_BE_MISSING.filter(
        (tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { env: { PATH } }).status === 0,
      );
      if (found.length > 0) throw new Error(`still on the fresh machine's PATH: ${found.join(', ')}`);
    }
    const cache = spawnSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).stdout.trim();
    const userconfig = path.join(home, '.npmrc');
    writeFileSync(userconfig, '');
    const env = {
      PATH,
      HOME: home,
      LANG: 'C.UTF-8',
      TMPDIR: os.tmpdir(),
      npm_config_userconfig: userconfig,
      npm_config_cache: cache,
      npm_config_update_notifier: 'false',
    };

    const install = timed('install', 'npm', ['ci', '--no-audit', '--no-fund'], { cwd: repo, env });
    if (!install.ok) throw new Error('npm ci failed');
    say(`npm ci: ${install.seconds.toFixed(1)} s (${withTools ? 'with' : 'without'} the build tools)`);
    const demo = timed('demo', 'npm', ['run', 'demo'], { cwd: repo, env });
    if (!demo.ok) throw new Error('npm run demo failed');
    if (!/merged \d+ X-Ray segments and \d+ Datadog spans into \d+ traces/.test(demo.output)) {
      throw new Error('npm run demo did not print the merged traces');
    }
    const instead = demo.output.split('\n').filter((line) => line.startsWith('runtime client: '));
    if (!withTools && instead.length !== 1) {
      throw new Error(
        'without the build tools, the demo must say in one line what ran instead of the real client',
      );
    }
    say(
      `npm run demo: ${demo.seconds.toFixed(1)} s, ${instead.length === 0 ? 'under the real runtime client' : instead[0]}`,
    );
    userInstall(repo, work, env);
    ok = true;
  } catch (error) {
    console.error(`[fresh-machine] ${error.message}`);
  } finally {
    if (keep) say(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
  process.exit(ok ? 0 : 1);
}

main();
