// The layer's V8 compile cache (`npm run layer:build -- --compile-cache`): bytecode for dd-trace and
// this package, made by loading the layer's entry and running one invocation under each given Node,
// with the layer where Lambda puts it (/opt), since Node keys each cache entry by the module's
// absolute path. The runtime side (src/handler/compile-cache.ts) uses the cache only under the very
// Node that made it; any other Node compiles as usual.
//
// Making it needs /opt: the build runs Node in a private mount namespace (`unshare -m`, root or
// user namespaces) with the staged layer bind-mounted on /opt, so nothing on the build machine
// changes. Where that is not possible the zip is built without a cache and the reason is printed.
// The cache is the host architecture's: the other architecture's zip gets none. V8's cache bytes
// differ from run to run, so a zip with a cache is not byte-for-byte reproducible (without one it is).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where the runtime looks for the shipped cache, inside the package. */
export const CACHE_DIR = 'compile-cache';

// Loads the layer's entry as the runtime does, then runs one invocation, so the invocation path's
// functions are compiled (and cached) too; the exit writes the cache.
const LOAD_AND_INVOKE = `
const { handler } = await import('/opt/nodejs/node_modules/xray-dd-merge/handler.mjs');
const header = 'Root=1-5e272390-8c398be037738dc042009320;Parent=94ae789b969f1cc5;Sampled=1';
await handler({}, {
  functionName: 'compile-cache', functionVersion: '$LATEST', awsRequestId: 'build',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:compile-cache',
  xRayTraceId: header, getRemainingTimeInMillis: () => 30000,
});
process.exit(0);
`;

/**
 * The command that runs `argv` with `layerDir` mounted on /opt, as Lambda mounts a layer, in a
 * private mount namespace (nothing on the machine changes): `[command, args]` for spawn.
 */
export function withLayerOnOpt(layerDir, argv) {
  return [
    'unshare',
    ['-m', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /opt && exec "$@"', layerDir, ...argv],
  ];
}

/** Whether this machine lets a process mount a directory on /opt in a private mount namespace. */
export function canMountOnOpt() {
  const [command, args] = withLayerOnOpt('/', ['true']);
  return spawnSync(command, args, { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

/** A Lambda-like environment for the run that fills the cache. */
function runEnv(cache, taskRoot) {
  return {
    PATH: process.env.PATH,
    NODE_COMPILE_CACHE: cache,
    LAMBDA_TASK_ROOT: taskRoot,
    DD_LAMBDA_HANDLER: 'index.handler',
    AWS_LAMBDA_FUNCTION_NAME: 'compile-cache',
    AWS_REGION: 'us-east-1',
    DD_MERGE_XRAY_TRACES: 'true',
    // Nothing listens there: the one trace is dropped, quietly.
    DD_TRACE_AGENT_URL: 'http://127.0.0.1:9',
    DD_TRACE_STARTUP_LOGS: 'false',
    DD_INSTRUMENTATION_TELEMETRY_ENABLED: 'false',
    DD_REMOTE_CONFIGURATION_ENABLED: 'false',
  };
}

/** Writes `entries` (zip inputs) under `dir`, as unzip would. */
export function stage(entries, dir) {
  for (const entry of entries) {
    const file = path.join(dir, entry.name);
    if (entry.name.endsWith('/')) {
      mkdirSync(file, { recursive: true });
      continue;
    }
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, entry.data);
    if (entry.mode) chmodSync(file, entry.mode);
  }
}

/**
 * Zip entries holding a compile cache for each Node in `nodes`, for the package `packageName`.
 * Returns the entries and a note per Node that made none (and why).
 * @param {{ entries: Array<{ name: string, data?: Uint8Array, mode?: number }>, nodes: string[], packageName: string }} options
 */
export function compileCacheEntries({ entries, nodes, packageName }) {
  const work = mkdtempSync(path.join(os.tmpdir(), 'xddm-layer-cache-'));
  const cacheEntries = [];
  const notes = [];
  try {
    const layer = path.join(work, 'layer');
    stage(entries, layer);
    const taskRoot = path.join(work, 'task');
    mkdirSync(taskRoot);
    writeFileSync(path.join(taskRoot, 'index.js'), "exports.handler = async () => 'ok';\n");
    for (const node of nodes) {
      const cache = mkdtempSync(path.join(work, 'cache-'));
      // Both of dd-trace's Lambda exporters: to the Datadog extension (agent protocol) and to the
      // log; a second run with the same cache directory adds what the first did not load.
      const [command, args] = withLayerOnOpt(layer, [node, '--input-type=module', '-e', LOAD_AND_INVOKE]);
      let run;
      for (const exporter of ['agent', 'log']) {
        run = spawnSync(command, args, {
          env: { ...runEnv(cache, taskRoot), DD_TRACE_EXPERIMENTAL_EXPORTER: exporter },
          encoding: 'utf8',
          timeout: 60_000,
        });
        if (run.status !== 0) break;
      }
      const made = readdirSync(cache);
      if (run.status !== 0 || made.length !== 1) {
        const why = (run.error?.message ?? run.stderr ?? '').trim().split('\n').slice(-2).join(' ');
        notes.push(`${node}: no compile cache (${why || `exit ${run.status}`})`);
        continue;
      }
      // `v22.23.3-x64-9ac5647c-0`: the uid of whoever made it is dropped; the runtime links its own.
      const name = made[0].replace(/-\d+$/, '');
      for (const file of readdirSync(path.join(cache, made[0])).sort()) {
        cacheEntries.push({
          name: `nodejs/node_modules/${packageName}/${CACHE_DIR}/${name}/${file}`,
          data: readFileSync(path.join(cache, made[0], file)),
        });
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { entries: cacheEntries, notes };
}
