/**
 * The one place that touches dd-trace.
 *
 * dd-trace is resolved once per process and that instance is used everywhere: a span context from a
 * second copy of dd-trace silently starts a new root trace. Order: the instance already loaded in
 * this process (dd-trace keeps it on `global._ddtrace`), then the function's own copy under
 * `LAMBDA_TASK_ROOT`, then the copy beside this package (the layer's).
 *
 * The parent is built only through the public `tracer.extract('text_map', …)`.
 */

import { createRequire } from 'node:module';
import path from 'node:path';
import type { Span, SpanContext, Tracer } from 'dd-trace';
import { disableDdTraceInstrumentation, lambdaEnvironment } from '../config.ts';
import { describeError, log } from '../log.ts';

export type { Span, Tracer } from 'dd-trace';

/** A Datadog parent context, ids as decimal strings, as it crosses a text_map carrier. */
export interface DatadogContext {
  readonly traceId: string;
  readonly parentId: string;
  readonly samplingPriority?: number;
  /** High 64 bits of a 128-bit trace id, 16 hex (`_dd.p.tid`). */
  readonly tid?: string;
  /** Other propagation tags, `key=value` pairs as in `x-datadog-tags`. */
  readonly tags?: string;
}

export interface TracerIdentity {
  readonly service?: string;
  readonly env?: string;
  readonly version?: string;
}

const requireHere: NodeJS.Require = typeof require === 'function' ? require : createRequire(import.meta.url);

let tracer: Tracer | null | undefined;

function loadTracer(): Tracer | null {
  const loaded = (globalThis as { _ddtrace?: Tracer })._ddtrace;
  if (loaded) return loaded;
  // dd-trace's own Lambda hook wraps the module DD_LAMBDA_HANDLER names (when it is require()d) and
  // datadog-lambda-js's datadog() in a timeout wrapper. Its timer is one module-level variable,
  // cleared only when a handler resolves: after a rejection (or with invocations at once) it fires
  // later and sets dd-trace's process-wide, sticky `killAll`, after which the first child span to
  // finish in any later invocation force-finishes its aws.lambda span. This package keeps its own
  // timeout per invocation, so the hook is turned off, the documented way, before dd-trace loads.
  disableDdTraceInstrumentation('lambda');
  const taskRoot = lambdaEnvironment().taskRoot;
  const candidates: Array<() => Tracer> = [];
  if (taskRoot) candidates.push(() => createRequire(path.join(taskRoot, 'index.js'))('dd-trace'));
  candidates.push(() => requireHere('dd-trace'));
  for (const load of candidates) {
    try {
      const found = load();
      if (found && typeof found.startSpan === 'function') return found;
    } catch {
      // not there: try the next copy
    }
  }
  return null;
}

/**
 * The process's dd-trace, initialised if the function has not done it (dd-trace's `init` is a
 * no-op the second time, so a function's own settings stay as they are). Undefined when dd-trace
 * cannot be loaded: the wrapper then passes invocations straight through.
 */
export function getTracer(identity: TracerIdentity): Tracer | undefined {
  if (tracer === undefined) {
    try {
      tracer = loadTracer();
      if (tracer) {
        const settings: Record<string, string> = {};
        if (identity.service) settings.service = identity.service;
        if (identity.env) settings.env = identity.env;
        if (identity.version) settings.version = identity.version;
        tracer.init(settings);
      } else {
        log.once('warn', 'tracer:missing', 'dd-trace could not be loaded; invocations are not traced');
      }
    } catch (error) {
      log.once('warn', 'tracer:init', `dd-trace failed to initialise (${describeError(error)}); not tracing`);
      tracer = null;
    }
  }
  return tracer ?? undefined;
}

/** Builds dd-trace's own span context from a Datadog context, through the public extract API. */
export function extractContext(tracer: Tracer, context: DatadogContext): SpanContext | undefined {
  const carrier: Record<string, string> = {
    'x-datadog-trace-id': context.traceId,
    'x-datadog-parent-id': context.parentId,
  };
  if (context.samplingPriority !== undefined) {
    carrier['x-datadog-sampling-priority'] = String(context.samplingPriority);
  }
  const tid = context.tid ? `_dd.p.tid=${context.tid}` : '';
  const tags = tid && context.tags ? `${tid},${context.tags}` : tid || context.tags;
  if (tags) carrier['x-datadog-tags'] = tags;
  return tracer.extract('text_map', carrier) ?? undefined;
}

export interface InvocationSpanOptions {
  readonly parent?: DatadogContext;
  /** A span made before this one (an inferred managed-service span): the parent, ahead of `parent`. */
  readonly parentSpan?: Span;
  readonly resource: string;
  readonly service: string;
  /** Handed over to the span: its standard tags are added to this object rather than to a copy. */
  readonly tags: Record<string, string | number | boolean>;
  /** Contexts the span is linked to (the other records of a batch), given at creation. */
  readonly links?: readonly DatadogContext[];
}

/** Starts the `aws.lambda` span, a child of `parent` when one is given, otherwise a root. */
export function startInvocationSpan(tracer: Tracer, options: InvocationSpanOptions): Span {
  let childOf: SpanContext | Span | undefined = options.parentSpan;
  if (!childOf && options.parent) {
    childOf = extractContext(tracer, options.parent);
    if (!childOf) log.debug('dd-trace did not accept the parent context; the span is a root');
  }
  const tags = options.tags;
  tags['resource.name'] = options.resource;
  tags['service.name'] = options.service;
  tags['span.type'] = 'serverless';
  tags['span.kind'] = 'server';
  const spanOptions: {
    childOf?: SpanContext | Span;
    tags: typeof tags;
    links?: Array<{ context: SpanContext }>;
  } = {
    tags,
  };
  // Without `childOf` dd-trace parents the span on the active one; `childOf: undefined` would not.
  if (childOf) spanOptions.childOf = childOf;
  if (options.links !== undefined && options.links.length > 0) {
    const links: Array<{ context: SpanContext }> = [];
    for (const link of options.links) {
      const context = extractContext(tracer, link);
      if (context) links.push({ context });
    }
    if (links.length > 0) spanOptions.links = links;
  }
  return tracer.startSpan('aws.lambda', spanOptions);
}

/** A managed service's span, with the times the event gives (an inferred span). */
export interface ManagedSpanOptions {
  readonly name: string;
  readonly service: string;
  readonly resource: string;
  readonly type: string;
  /** Epoch milliseconds; NaN, 0 or less: now (as dd-trace reads a missing start). */
  readonly startMs: number;
  readonly tags: Readonly<Record<string, string | number>>;
}

/**
 * Starts a span that began before the function did (its start from the event), a child of `parent`
 * (a Datadog context, or a span made before it), or a root when there is none. The caller finishes
 * it, at a time of its choosing. Undefined when dd-trace did not accept the parent context.
 */
export function startManagedSpan(
  tracer: Tracer,
  parent: DatadogContext | Span | undefined,
  options: ManagedSpanOptions,
): Span | undefined {
  let childOf: SpanContext | Span | undefined;
  if (parent !== undefined) {
    childOf = isSpan(parent) ? parent : extractContext(tracer, parent);
    if (!childOf) return undefined;
  }
  const tags = {
    ...options.tags,
    'service.name': options.service,
    'resource.name': options.resource,
    'span.type': options.type,
  };
  const startTime = Number.isFinite(options.startMs) && options.startMs > 0 ? options.startMs : undefined;
  return tracer.startSpan(options.name, childOf ? { childOf, startTime, tags } : { startTime, tags });
}

function isSpan(value: DatadogContext | Span): value is Span {
  return typeof (value as Span).context === 'function';
}

/**
 * Runs `fn` with `span` active, so spans made inside it are its children. `fn` runs exactly once
 * whatever the tracer does: if activating fails before `fn` ran (or never calls it), `fn` runs
 * plainly; what `fn` returns or throws is what this returns or throws.
 */
/**
 * When a span started, in epoch milliseconds on dd-trace's own clock (the trace's start plus a
 * monotonic offset), which can sit milliseconds away from `Date.now()`. dd-trace has no public
 * getter: its `_startTime` field is read, and anything else gives undefined.
 */
export function spanStartMs(span: Span): number | undefined {
  const start = (span as unknown as { _startTime?: unknown })._startTime;
  return typeof start === 'number' && Number.isFinite(start) ? start : undefined;
}

export function runInSpan<T>(tracer: Tracer, span: Span, fn: () => T): T {
  let outcome: { value: T } | { error: unknown } | undefined;
  const once = (): T => {
    try {
      const value = fn();
      outcome = { value };
      return value;
    } catch (error) {
      outcome = { error };
      throw error;
    }
  };
  try {
    tracer.scope().activate(span, once);
  } catch (fault) {
    if (outcome === undefined)
      log.once('debug', 'activate', `dd-trace could not activate the span: ${describeError(fault)}`);
  }
  if (outcome === undefined) return fn();
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}

/**
 * Finishes the spans of `span`'s trace that are still open (work the timed-out handler left
 * running), so the trace is complete and dd-trace exports it now: it exports a trace only once
 * all its spans are finished. dd-trace has no public API for this; its own Lambda timeout
 * handling does the same through private state, for every trace in the process. This reads the
 * trace's private span list, for this trace only, and does nothing if that shape is not there.
 */
export function finishOpenSpans(span: Span): void {
  try {
    const trace = (span.context() as { _trace?: { started?: unknown } })._trace;
    const started = trace?.started;
    if (!Array.isArray(started)) return;
    for (const open of [...started]) {
      if (open === span || typeof open?.finish !== 'function') continue;
      if ((open as { _duration?: unknown })._duration === undefined) (open as Span).finish();
    }
  } catch (error) {
    log.debug(`closing the open spans of a timed-out invocation failed: ${describeError(error)}`);
  }
}

/**
 * Marks a span as failed with whatever was thrown, Error or not. Reading the thrown value may
 * itself throw (getters, Proxies): the span is then marked failed with what could be read.
 */
export function tagError(span: Span, error: unknown): void {
  let described: Record<string, string>;
  try {
    described = errorTags(error);
  } catch {
    described = { 'error.type': typeof error, 'error.message': safeString(error) };
  }
  span.addTags({ error: 1, ...described });
}

function errorTags(error: unknown): Record<string, string> {
  if (error instanceof Error || (typeof error === 'object' && error !== null && 'message' in error)) {
    const e = error as { name?: unknown; message?: unknown; stack?: unknown };
    const name = e.name;
    const stack = e.stack;
    return {
      'error.type': typeof name === 'string' ? name : 'Error',
      'error.message': String(e.message),
      ...(typeof stack === 'string' ? { 'error.stack': stack } : {}),
    };
  }
  return { 'error.type': typeof error, 'error.message': safeString(error) };
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return typeof value;
  }
}

/** What a span carries, as the X-Ray metadata subsegment reads it. */
export interface SpanView {
  /** The span's trace id, low 64 bits in decimal (dd-trace's `toTraceId()`). */
  readonly traceId: string;
  /** The span's sampling priority as dd-trace decided it, when known. */
  readonly samplingPriority?: string;
  readonly tag: (key: string) => unknown;
}

/**
 * A lazy view of a span: the priority through the public `inject`; tags through the span context's
 * `getTag` (dd-trace 6, untyped) or `_tags` (dd-trace 5), dd-trace having no public tag reader.
 */
export function spanView(tracer: Tracer, span: Span): SpanView {
  const context = span.context() as SpanContext & {
    getTag?: (key: string) => unknown;
    _tags?: Record<string, unknown>;
  };
  return {
    traceId: context.toTraceId(),
    get samplingPriority() {
      const carrier: Record<string, string> = {};
      tracer.inject(context, 'text_map', carrier);
      return carrier['x-datadog-sampling-priority'];
    },
    tag: (key) => (typeof context.getTag === 'function' ? context.getTag(key) : context._tags?.[key]),
  };
}

/** The process's dd-trace if it has been loaded already (never loads or initialises it). */
export function loadedTracer(): Tracer | undefined {
  return tracer ?? undefined;
}

/** `span`'s context as dd-trace injects it into a text map (`x-datadog-*`, and `traceparent` when W3C is on). */
export function injectedHeaders(tracer: Tracer, span: Span): Record<string, string> {
  const carrier: Record<string, string> = {};
  tracer.inject(span.context(), 'text_map', carrier);
  return carrier;
}

/** The active span, if any. */
export function activeSpan(tracer: Tracer): Span | undefined {
  return tracer.scope().active() ?? undefined;
}

/** Adds span pointers (dd-trace's `addSpanPointer`, 5.x and later); nothing on tracers without it. */
export function addSpanPointers(
  span: Span,
  pointers: ReadonlyArray<{ readonly kind: string; readonly direction: string; readonly hash: string }>,
): void {
  const add = (span as { addSpanPointer?: (kind: string, direction: string, hash: string) => void })
    .addSpanPointer;
  if (typeof add !== 'function') return;
  for (const pointer of pointers) add.call(span, pointer.kind, pointer.direction, pointer.hash);
}
