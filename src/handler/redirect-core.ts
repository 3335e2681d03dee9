/**
 * What both of the layer's redirect entries share: which handler to load (`DD_LAMBDA_HANDLER`, from
 * `LAMBDA_TASK_ROOT`), starting dd-trace before the user's code loads (so its libraries are
 * instrumented), and wrapping the loaded handler.
 *
 * dd-trace has a Lambda hook of its own: with `AWS_LAMBDA_FUNCTION_NAME` and `DD_LAMBDA_HANDLER`
 * set, it wraps the export of that module when the module is `require()`d, with a timeout-only
 * wrapper (no span) whose timer is one module-level variable. The ESM entry loads the user's module
 * with `import()`, which that hook does not see; and when this package loads dd-trace it turns the
 * hook off (`DD_TRACE_DISABLED_INSTRUMENTATIONS=lambda`), so only this package's per-invocation
 * timeout runs; see the layer README section for the details.
 */

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lambdaEnvironment, resolveConfig } from '../config.ts';
import { getTracer } from '../tracer/dd-trace.ts';
import { recordModuleLoads } from '../tracer/module-loads.ts';
import { useShippedCompileCache } from './compile-cache.ts';
import { runtimeError, type UserHandler } from './user-handler.ts';
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

/** The loaded handler, wrapped; its arity and streaming markers are kept for the runtime to read. */
export function wrapRedirected(handler: UserHandler): UserHandler {
  return withXRayMerge(handler);
}
