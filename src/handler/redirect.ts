/**
 * The layer's handler redirect: which handler to load (`DD_LAMBDA_HANDLER`, from `LAMBDA_TASK_ROOT`),
 * starting dd-trace before the user's code loads (so its libraries are instrumented), loading the
 * user's module and wrapping its handler. Built as one CommonJS file, `dist/handler.cjs`, that the
 * package root's two entries call:
 *
 * - `handler.mjs` (the runtime tries `.mjs` before `.cjs`, so
 *   `/opt/nodejs/node_modules/xray-dd-merge/handler.handler` lands there on nodejs22.x and
 *   nodejs24.x) is a few lines of ESM: it `require()`s this bundle and awaits
 *   `loadRedirectedHandler()` with top-level await, so when the runtime reads `handler` it is already
 *   the wrapped user handler, with the user handler's arity and response-streaming markers. The
 *   runtime then picks buffered or streaming mode, and refuses callback handlers on nodejs24.x,
 *   exactly as it would without the layer; a missing module or export fails the runtime's init with
 *   `Runtime.ImportModuleError` / `Runtime.HandlerNotFound`. A lazily loaded handler could do none
 *   of this: it would have to be exported before its markers and arity are known.
 * - `handler.cjs`, for code that `require()`s `xray-dd-merge/handler`, calls
 *   `requireRedirectedHandler()`, which loads the user's module synchronously.
 *
 * Why the bundle is CommonJS and the ESM entry only a shim: V8 compiles a CommonJS file lazily
 * and Node links it without the ESM loader's work, so the layer's code costs less at every cold
 * start than the same bundle loaded as an ES module (measured in `npm run bench`, cold start under
 * the runtime client).
 *
 * dd-trace has a Lambda hook of its own: with `AWS_LAMBDA_FUNCTION_NAME` and `DD_LAMBDA_HANDLER`
 * set, it wraps the export of that module when the module is `require()`d, with a timeout-only
 * wrapper (no span) whose timer is one module-level variable. When this package loads dd-trace, it
 * turns that hook off (`DD_TRACE_DISABLED_INSTRUMENTATIONS=lambda`), so only this package's
 * per-invocation timeout runs; see the layer README section for the details.
 */

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lambdaEnvironment, resolveConfig } from '../config.ts';
import { getTracer } from '../tracer/dd-trace.ts';
import { recordModuleLoads } from '../tracer/module-loads.ts';
import { useShippedCompileCache } from './compile-cache.ts';
import { loadUserHandler, requireUserHandler, runtimeError, type UserHandler } from './user-handler.ts';
import { withXRayMerge } from './wrap.ts';

export interface RedirectTarget {
  readonly taskRoot: string;
  readonly handler: string;
}

/** The entry files of this package; a handler setting pointing back at them would load itself. */
const ENTRY_FILE = /(^|\/)xray-dd-merge\/(dist\/)?handler(\.m?js|\.cjs)?$/;

/** The user's handler the layer redirects to; throws the runtime's error types when it is unusable. */
export function redirectTarget(): RedirectTarget {
  const { taskRoot, redirectHandler } = lambdaEnvironment();
  if (!redirectHandler) {
    throw runtimeError(
      'Runtime.HandlerNotFound',
      'DD_LAMBDA_HANDLER is not set: set it to your handler (e.g. index.handler), ' +
        'or keep your handler setting and set AWS_LAMBDA_EXEC_WRAPPER=/opt/xray-dd-merge',
    );
  }
  const moduleWithoutExport = redirectHandler.replace(/\.[^/]*$/, '');
  if (ENTRY_FILE.test(moduleWithoutExport)) {
    throw runtimeError(
      'Runtime.HandlerNotFound',
      `DD_LAMBDA_HANDLER=${redirectHandler} points at the layer's redirect entry itself: set it to your own handler`,
    );
  }
  return { taskRoot: taskRoot || process.cwd(), handler: redirectHandler };
}

/** The package's root: this code runs from `dist/` in the package, from `src/handler/` in its repository. */
function packageRoot(): string {
  const here = typeof __dirname === 'string' ? __dirname : path.dirname(fileURLToPath(import.meta.url));
  return path.basename(here) === 'dist' ? path.dirname(here) : path.resolve(here, '../..');
}

/**
 * Starts dd-trace now, before the user's module and its libraries load, as datadog-lambda-js does.
 * dd-trace's `init` is a no-op the second time, so with the layer dd-trace is configured by its
 * `DD_*` environment variables.
 */
export function startTracerEarly(): void {
  // Before dd-trace loads, so its modules come from the layer's compile cache when it has one.
  useShippedCompileCache(path.join(packageRoot(), 'compile-cache'));
  const config = resolveConfig();
  if (config.traceEnabled) getTracer(config);
  // After dd-trace (it publishes the loads), before the function's own modules load.
  if (config.traceEnabled && config.coldStartTracing) recordModuleLoads();
}

/**
 * The ESM entry's handler: dd-trace started, then the user's module loaded as the runtime would
 * (CommonJS by `require()`, ES modules by `import()`, top-level await included), then wrapped. Its
 * arity and streaming markers are kept for the runtime to read.
 */
export async function loadRedirectedHandler(): Promise<UserHandler> {
  const target = redirectTarget();
  startTracerEarly();
  return withXRayMerge(await loadUserHandler(target.taskRoot, target.handler));
}

/**
 * The CommonJS entry's handler, loaded synchronously: CommonJS with `require`, ESM through Node's
 * `require(esm)`. An ESM module with top-level await cannot load this way and fails with a message
 * naming the ESM entry. `require()` is what dd-trace's own Lambda hook would see; it is turned off
 * when this package loads dd-trace (see `loadTracer` in tracer/dd-trace.ts for why).
 */
export function requireRedirectedHandler(): UserHandler {
  const target = redirectTarget();
  startTracerEarly();
  return withXRayMerge(requireUserHandler(target.taskRoot, target.handler));
}
