// The layer's V8 compile cache. Runtime side: used only when the layer ships one for the running
// Node, left alone when the function set its own, never a fault. Build side: `--compile-cache` puts a
// cache for each given Node in the host architecture's zip, and with that zip mounted on /opt (as
// Lambda mounts it) and run as another user than the build's, Node accepts the cached dd-trace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { buildLayer, ROOT } from '../../layer/build.mjs';
import { canMountOnOpt, stage, withLayerOnOpt } from '../../layer/compile-cache.mjs';
import { readZip } from '../../layer/zip.mjs';

const dir = mkdtempSync(path.join(os.tmpdir(), 'xddm-compile-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const MODULE = path.join(ROOT, 'src/handler/compile-cache.ts');

/** Runs useShippedCompileCache in a fresh Node (enabling a cache is per process) and reports. */
function tryCache(shippedRoot: string, linkRoot: string, env: Record<string, string> = {}) {
  const script = `
    const { useShippedCompileCache, compileCacheName } = await import(${JSON.stringify(MODULE)});
    const { getCompileCacheDir } = await import('node:module');
    const outcome = useShippedCompileCache(${JSON.stringify(shippedRoot)}, process.env, ${JSON.stringify(linkRoot)});
    console.log(JSON.stringify({ outcome, name: compileCacheName(), dir: getCompileCacheDir() ?? null }));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as { outcome: string; name: string; dir: string | null };
}

describe('the runtime side', () => {
  const name = tryCache(path.join(dir, 'nothing'), path.join(dir, 'links-0')).name;

  it('names the cache as Node does, without the uid', () => {
    assert.match(
      name,
      new RegExp(`^v${process.versions.node.replaceAll('.', '\\.')}-${process.arch}-[0-9a-f]{8}$`),
    );
  });

  it('no shipped cache: nothing is enabled', () => {
    const result = tryCache(path.join(dir, 'nothing'), path.join(dir, 'links-1'));
    assert.deepEqual([result.outcome, result.dir], ['none-shipped', null]);
  });

  it('a cache for another Node only: nothing is enabled', () => {
    const shipped = path.join(dir, 'other');
    mkdirSync(path.join(shipped, 'v1.2.3-x64-00000000'), { recursive: true });
    const result = tryCache(shipped, path.join(dir, 'links-2'));
    assert.deepEqual([result.outcome, result.dir], ['none-shipped', null]);
  });

  it("a cache for this Node: linked under the process's own uid and enabled", () => {
    const shipped = path.join(dir, 'shipped');
    mkdirSync(path.join(shipped, name), { recursive: true });
    const links = path.join(dir, 'links-3');
    const result = tryCache(shipped, links);
    const link = path.join(links, `${name}-${process.getuid?.() ?? 0}`);
    assert.deepEqual([result.outcome, result.dir], ['enabled', link]);
    assert.equal(readlinkSync(link), path.join(shipped, name));
    // A second start finds the link in place.
    assert.equal(tryCache(shipped, links).outcome, 'enabled');
  });

  it("the function's own choice wins", () => {
    const shipped = path.join(dir, 'shipped');
    const choices: Array<Record<string, string>> = [
      { NODE_DISABLE_COMPILE_CACHE: '1' },
      { NODE_COMPILE_CACHE: path.join(dir, 'theirs') },
    ];
    for (const env of choices) {
      assert.equal(tryCache(shipped, path.join(dir, 'links-4'), env).outcome, 'left-to-the-function');
    }
  });

  it('a link directory that cannot be made is a quiet miss, never a fault', () => {
    const shipped = path.join(dir, 'shipped');
    const notADirectory = path.join(dir, 'a-file');
    writeFileSync(notADirectory, '');
    const result = tryCache(shipped, path.join(notADirectory, 'links'));
    assert.deepEqual([result.outcome, result.dir], ['failed', null]);
  });
});

const arch = ({ x64: 'x86_64', arm64: 'arm64' } as const)[process.arch as 'x64' | 'arm64'];
const mountable = arch !== undefined && canMountOnOpt();
const nodes = ['node22', 'node24'].map((n) => path.join(ROOT, 'node_modules', n, 'bin', 'node'));

describe('the build side, the zip mounted on /opt', {
  skip: !mountable && 'this machine cannot mount a directory on /opt (unshare -m)',
}, () => {
  const layer = path.join(dir, 'layer');
  const names: string[] = [];

  it('--compile-cache puts a cache per Node in the zip, and none for the other architecture', () => {
    const results = buildLayer({ outDir: path.join(dir, 'out'), compileCache: true, cacheNodes: nodes });
    const own = results.find((r) => r.arch === arch)!;
    const other = results.find((r) => r.arch !== arch)!;
    assert.equal(own.compileCaches.length, 2, own.cacheNotes.join('; '));
    assert.deepEqual(other.compileCaches, []);
    assert.ok(own.size <= own.budget, 'still within the size budget');
    names.push(...own.compileCaches);
    stage(readZip(readFileSync(own.zipPath)), layer);
    for (const name of names)
      assert.ok(existsSync(path.join(layer, 'nodejs/node_modules/xray-dd-merge/compile-cache', name)));
  });

  for (const node of nodes) {
    it(`${path.basename(path.dirname(path.dirname(node)))}: dd-trace comes from the cache, as another user`, () => {
      const taskRoot = mkdtempSync(path.join(dir, 'task-'));
      writeFileSync(path.join(taskRoot, 'index.js'), "exports.handler = async () => 'ok';\n");
      spawnSync('chmod', ['-R', 'a+rX', dir]);
      const tmp = mkdtempSync(path.join(dir, 'tmp-'));
      spawnSync('chmod', ['777', tmp]);
      // As another user than the build's, as Lambda's sandbox user is.
      const [command, args] = withLayerOnOpt(layer, [
        'setpriv',
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        node,
        '--input-type=module',
        '-e',
        "await import('/opt/nodejs/node_modules/xray-dd-merge/handler.mjs')",
      ]);
      const run = spawnSync(command, args, {
        env: {
          PATH: process.env.PATH ?? '',
          TMPDIR: tmp,
          NODE_DEBUG_NATIVE: 'COMPILE_CACHE',
          LAMBDA_TASK_ROOT: taskRoot,
          DD_LAMBDA_HANDLER: 'index.handler',
          AWS_LAMBDA_FUNCTION_NAME: 'cache-test',
          DD_TRACE_STARTUP_LOGS: 'false',
          DD_INSTRUMENTATION_TELEMETRY_ENABLED: 'false',
          DD_REMOTE_CONFIGURATION_ENABLED: 'false',
        },
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(run.status, 0, run.stderr.slice(-2000));
      const accepted = run.stderr
        .split('\n')
        // Node 22: "cache for /opt/…"; Node 24: "code cache for CommonJS /opt/…".
        .filter((line) =>
          /cache for (CommonJS )?\/opt\/nodejs\/node_modules\/dd-trace\/.* was accepted/.test(line),
        );
      assert.ok(accepted.length > 100, `${accepted.length} dd-trace modules came from the cache`);
      assert.doesNotMatch(run.stderr, /was rejected/);
    });
  }
});
