/**
 * The layer's V8 compile cache: bytecode for dd-trace and this package, made when the layer was
 * built (`npm run layer:build -- --compile-cache`), so a cold start skips compiling them. On the
 * bench machine a filled cache cut the layer entry's import+init by about a quarter.
 *
 * Node looks for its cache in `<dir>/v<node version>-<arch>-<V8 cache tag>-<uid>/`, and keys each
 * entry by the module's absolute path and a hash of its text. The layer ships one directory per Node
 * build it was made with, named without the uid (Lambda's sandbox user is not the build's), under
 * `<package>/compile-cache/`. At start the layer entry looks for the directory of the running Node:
 * when there is one, it links `$TMPDIR/xray-dd-merge-compile-cache/<name>-<uid>` to it (the layer is
 * read-only) and enables the cache there. Any other Node version, or no shipped cache, and nothing
 * changes: Node compiles as usual. The cache is only read: Node's attempt to add entries for the
 * function's own modules fails quietly on the read-only layer.
 *
 * Left alone when the function chose for itself (`NODE_COMPILE_CACHE`, `NODE_DISABLE_COMPILE_CACHE`).
 */

import os from 'node:os';
import path from 'node:path';
import { describeError, log } from '../log.ts';

/** node:fs on first use: a static import in the ESM entry loads more builtins at every cold start. */
const fs = () => process.getBuiltinModule('node:fs');

/** Node's name for its cache directory, without the uid: `v22.23.3-x64-9ac5647c`. */
export function compileCacheName(): string {
  const v8 = process.getBuiltinModule('node:v8');
  const tag = (v8.cachedDataVersionTag() >>> 0).toString(16).padStart(8, '0');
  return `v${process.versions.node}-${process.arch}-${tag}`;
}

export type CompileCacheOutcome =
  | 'enabled'
  | 'none-shipped'
  | 'left-to-the-function'
  | 'unsupported'
  | 'failed';

/**
 * Enables the shipped cache in `shippedRoot` (the package's `compile-cache/`) when it holds one for
 * this Node. Never throws; says what it did.
 */
export function useShippedCompileCache(
  shippedRoot: string,
  env: NodeJS.ProcessEnv = process.env,
  linkRoot: string = path.join(os.tmpdir(), 'xray-dd-merge-compile-cache'),
): CompileCacheOutcome {
  try {
    if (env.NODE_COMPILE_CACHE || env.NODE_DISABLE_COMPILE_CACHE) return 'left-to-the-function';
    // One stat when the layer ships no cache at all (the default build): nothing else is loaded.
    if (!fs().existsSync(shippedRoot)) return 'none-shipped';
    const nodeModule = process.getBuiltinModule('node:module');
    if (typeof nodeModule.enableCompileCache !== 'function') return 'unsupported';
    if (nodeModule.getCompileCacheDir?.()) return 'left-to-the-function';
    const name = compileCacheName();
    const shipped = path.join(shippedRoot, name);
    if (!fs().existsSync(shipped)) return 'none-shipped';
    const link = path.join(linkRoot, `${name}-${process.getuid?.() ?? 0}`);
    if (!fs().existsSync(link)) {
      // Not `recursive`: the link root's parent is the temp directory, which exists (and a
      // recursive mkdir under a path the kernel refuses, such as in /proc, never returns on Node 22).
      if (!fs().existsSync(linkRoot)) fs().mkdirSync(linkRoot);
      fs().symlinkSync(shipped, link, 'dir');
    }
    const result = nodeModule.enableCompileCache(linkRoot);
    const enabled = result.status === nodeModule.constants.compileCacheStatus.ENABLED;
    if (!enabled) log.debug(`the layer's compile cache was not enabled: ${result.message ?? result.status}`);
    return enabled ? 'enabled' : 'failed';
  } catch (error) {
    log.debug(`the layer's compile cache was not used: ${describeError(error)}`);
    return 'failed';
  }
}
