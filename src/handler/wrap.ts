/**
 * The handler wrapper. It keeps the user's handler exactly as the runtime sees it (its arity, its
 * streaming markers) and returns or throws exactly what the handler does; tracing runs beside it
 * and any fault in tracing degrades to a plain call of the handler.
 */

import { type Options, resolveConfig } from '../config.ts';
import { describeError, log } from '../log.ts';
import { getTracer } from '../tracer/dd-trace.ts';
import { recordModuleLoads } from '../tracer/module-loads.ts';
import { Invocation, type LambdaContextLike, type WrapperRuntime } from './invocation.ts';

/** The runtime client's markers for response-streaming handlers (`awslambda.streamifyResponse`). */
export const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
export const HANDLER_HIGHWATERMARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');

// biome-ignore lint/complexity/noBannedTypes: any handler shape is accepted and returned as the same shape
type AnyHandler = Function;

type Callback = (error?: unknown, result?: unknown) => void;

interface ContextCompletion {
  done?: (error?: unknown, result?: unknown) => void;
  succeed?: (result?: unknown) => void;
  fail?: (error?: unknown) => void;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function createRuntime(options: Options | undefined): WrapperRuntime | undefined {
  const config = resolveConfig(options);
  if (!config.traceEnabled) return undefined;
  const tracer = getTracer(config);
  if (!tracer) return undefined;
  const runtime = { config, tracer };
  // With datadog(handler) in code, the function's top-level imports have loaded by now: only later
  // loads are recorded (the layer's redirect starts recording before the handler module loads).
  if (config.coldStartTracing) recordModuleLoads();
  return runtime;
}

function begin(runtime: WrapperRuntime, event: unknown, context: LambdaContextLike): Invocation | undefined {
  try {
    return new Invocation(runtime, event, context ?? {});
  } catch (error) {
    log.once(
      'debug',
      `begin:${describeError(error)}`,
      `tracing this invocation failed: ${describeError(error)}`,
    );
    return undefined;
  }
}

/** How an invocation ends, from whichever way the runtime ends it. */
type End = (error: unknown, failed: boolean, response?: { readonly value: unknown }) => void;

/**
 * The invocation's end, shared by every way it can come (the promise, the callback,
 * context.done/succeed/fail), letting go of the invocation once it has ended. The runtime's context
 * and callback, and whatever user code keeps them, then hold this small function rather than the
 * finished span and its whole trace, which would otherwise outlive the invocation, survive young
 * GCs and be promoted to the old generation (measured in the bench as GC time and RSS over
 * dd-trace doing the same work by hand).
 */
function endOnce(invocation: Invocation): End {
  let live: Invocation | undefined = invocation;
  return (error, failed, response) => {
    const ending = live;
    live = undefined;
    ending?.finish(error, failed, response);
  };
}

/** Finishes the invocation when the runtime's callback is called, then calls it unchanged. */
function completingCallback(end: End, callback: Callback): Callback {
  return function completing(this: unknown, ...args: unknown[]) {
    const error = args[0];
    end(error, error !== undefined && error !== null, { value: args[1] });
    return Reflect.apply(callback, this, args);
  };
}

/** `context.done/succeed/fail` (nodejs22.x runtime) end the invocation too; finish the span first. */
function completeOnContextMethods(end: End, context: ContextCompletion): void {
  const { done, succeed, fail } = context;
  if (typeof done === 'function') {
    context.done = (error?: unknown, result?: unknown) => {
      end(error, error !== undefined && error !== null, { value: result });
      return done.call(context, error, result);
    };
  }
  if (typeof succeed === 'function') {
    context.succeed = (result?: unknown) => {
      end(undefined, false, { value: result });
      return succeed.call(context, result);
    };
  }
  if (typeof fail === 'function') {
    context.fail = (error?: unknown) => {
      end(error, true);
      return fail.call(context, error);
    };
  }
}

/** A streamed response's status is not in the resolved value, so `streaming` passes none. */
function settle(end: End, result: PromiseLike<unknown>, streaming: boolean): Promise<unknown> {
  return Promise.resolve(result).then(
    (value) => {
      end(undefined, false, streaming ? undefined : { value });
      return value;
    },
    (error: unknown) => {
      end(error, true);
      throw error;
    },
  );
}

/**
 * Wraps a Lambda handler so each invocation's `aws.lambda` span is a child of its X-Ray trace
 * (when `DD_MERGE_XRAY_TRACES` is on), in the same trace X-Ray shows.
 *
 * Works with async handlers, callback handlers and `context.done/succeed/fail` (nodejs22.x), and
 * response-streaming handlers. What the handler returns or throws passes through unchanged.
 *
 * @example
 * import { withXRayMerge } from 'xray-dd-merge';
 * export const handler = withXRayMerge(async (event) => ({ statusCode: 200, body: 'ok' }));
 */
export function withXRayMerge<H extends AnyHandler>(handler: H, options?: Options): H {
  if (typeof handler !== 'function') return handler;
  let runtime: WrapperRuntime | undefined;
  try {
    runtime = createRuntime(options);
  } catch (error) {
    log.once('warn', 'wrap', `tracing is off for this handler: ${describeError(error)}`);
  }
  if (!runtime) return handler;
  const active = runtime;
  const streaming = (handler as unknown as Record<symbol, unknown>)[HANDLER_STREAMING] !== undefined;
  const contextIndex = streaming ? 2 : 1;

  if (!streaming && handler.length >= 3 && Number(process.versions.node.split('.')[0]) >= 24) {
    log.once(
      'warn',
      'callback-handler',
      'this handler takes a callback; Lambda no longer calls callback handlers from nodejs24.x on: make it async',
    );
  }

  const wrapped = function wrappedHandler(this: unknown, ...args: unknown[]): unknown {
    const event = args[0];
    const context = args[contextIndex] as LambdaContextLike & ContextCompletion;
    const invocation = begin(active, event, context);
    if (!invocation) return Reflect.apply(handler, this, args);
    const end = endOnce(invocation);

    if (!streaming) {
      const callback = args[2];
      if (typeof callback === 'function') args[2] = completingCallback(end, callback as Callback);
      if (context && typeof context === 'object') completeOnContextMethods(end, context);
    }

    let result: unknown;
    try {
      result = invocation.run(() => Reflect.apply(handler, this, args));
    } catch (error) {
      end(error, true);
      throw error;
    }
    // A thenable is the invocation's outcome; anything else completes through the callback or context.
    return isThenable(result) ? settle(end, result, streaming) : result;
  };

  Object.defineProperty(wrapped, 'length', { value: handler.length });
  Object.defineProperty(wrapped, 'name', { value: handler.name || 'handler' });
  for (const marker of [HANDLER_STREAMING, HANDLER_HIGHWATERMARK]) {
    const value = (handler as unknown as Record<symbol, unknown>)[marker];
    if (value !== undefined) (wrapped as unknown as Record<symbol, unknown>)[marker] = value;
  }
  return wrapped as unknown as H;
}

/**
 * The same wrapper under the name datadog-lambda-js users know, for a one-line move:
 * `import { datadog } from 'xray-dd-merge'` in place of `datadog-lambda-js`.
 *
 * @example
 * import { datadog } from 'xray-dd-merge';
 * export const handler = datadog(async (event, context) => 'ok');
 */
export function datadog<H extends AnyHandler>(handler: H, options?: Options): H {
  return withXRayMerge(handler, options);
}
