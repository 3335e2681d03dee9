/**
 * The user's own extractor: `options.traceExtractor` (a function) or `DD_TRACE_EXTRACTOR=module.fn`
 * (a module under `LAMBDA_TASK_ROOT`, named the way Lambda handlers are: `lib/tracing.extract`).
 * The module is loaded once per wrapped handler, the first time it is needed, and only when set.
 *
 * The extractor is called synchronously with `(event, context)` and may return:
 * - `{ traceId, parentId, samplingPriority?, tid? }` (decimal ids; `traceID`/`parentID`/`sampleMode`,
 *   datadog-lambda-js's names, are accepted too);
 * - a text map (`x-datadog-*` or `traceparent` keys);
 * - nothing, to let the next source decide.
 * Anything else, a throw, or a promise is one debug line and the next source decides.
 *
 * @example
 * // lib/tracing.js, with DD_TRACE_EXTRACTOR=lib/tracing.extract
 * export const extract = (event) => event.meta?.trace; // { traceId: '…', parentId: '…' }
 */

import { createRequire } from 'node:module';
import path from 'node:path';
import { type Config, lambdaEnvironment, type TraceExtractor } from '../config.ts';
import { describeError, log } from '../log.ts';
import type { DatadogContext } from '../tracer/dd-trace.ts';
import { isDatadogId } from '../xray/ids.ts';
import { type CarrierSettings, fromTextMap, isRecord, type Note } from './carrier.ts';

/** node:fs on first use: a static import in the ESM entry loads more builtins at every cold start. */
const fs = () => process.getBuiltinModule('node:fs');

const EXTENSIONS = ['', '.js', '.mjs', '.cjs'];
const TID = /^[0-9a-f]{16}$/;

/** Loaded extractors, per resolved config (one per wrapped handler); `null` marks a failed load. */
const loaded = new WeakMap<Config, TraceExtractor | null>();

/** The configured extractor as a function, loading `module.fn` on first use; undefined when none works. */
export function userExtractor(config: Config): TraceExtractor | undefined {
  const setting = config.traceExtractor;
  if (setting === undefined) return undefined;
  if (typeof setting === 'function') return setting;
  let found = loaded.get(config);
  if (found === undefined) {
    found = loadExtractor(setting, lambdaEnvironment().taskRoot ?? process.cwd());
    loaded.set(config, found);
  }
  return found ?? undefined;
}

/** Loads `dir/module.fn[.nested]` relative to `root`; null (with one debug line) when it cannot. */
export function loadExtractor(spec: string, root: string): TraceExtractor | null {
  const slash = spec.lastIndexOf('/');
  const dot = spec.indexOf('.', slash + 1);
  if (dot <= slash + 1 || dot === spec.length - 1) {
    log.debug(`DD_TRACE_EXTRACTOR=${spec} is not module.function; no user extractor`);
    return null;
  }
  const base = path.resolve(root, spec.slice(0, dot));
  const file = EXTENSIONS.map((ext) => base + ext).find(
    (f) => fs().existsSync(f) && fs().statSync(f).isFile(),
  );
  if (file === undefined) {
    log.debug(`DD_TRACE_EXTRACTOR=${spec}: no module ${base}(.js|.mjs|.cjs); no user extractor`);
    return null;
  }
  try {
    // require() loads ES modules too (Node >= 22.12), which keeps extraction synchronous.
    let value: unknown = createRequire(path.join(root, 'noop.js'))(file);
    for (const key of spec.slice(dot + 1).split('.'))
      value =
        isRecord(value) || typeof value === 'function' ? (value as Record<string, unknown>)[key] : undefined;
    if (typeof value === 'function') return value as TraceExtractor;
    log.debug(
      `DD_TRACE_EXTRACTOR=${spec}: ${file} has no function ${spec.slice(dot + 1)}; no user extractor`,
    );
  } catch (error) {
    log.debug(
      `DD_TRACE_EXTRACTOR=${spec}: loading ${file} failed (${describeError(error)}); no user extractor`,
    );
  }
  return null;
}

function idText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

function priorityOf(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^-?[0-9]$/.test(value.trim()) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= -1 && n <= 2 ? n : undefined;
}

/** Calls the extractor and reads what it returned; never throws. */
export function userContext(
  extractor: TraceExtractor,
  event: unknown,
  context: unknown,
  settings: CarrierSettings,
  note: Note,
): DatadogContext | undefined {
  let result: unknown;
  try {
    result = extractor(event, context);
  } catch (error) {
    note(`the trace extractor threw (${describeError(error)})`);
    return undefined;
  }
  if (result === undefined || result === null) return undefined;
  if (typeof (result as { then?: unknown }).then === 'function') {
    // The span starts before the handler runs, so there is nothing to wait on here.
    Promise.resolve(result).catch(() => undefined);
    note('the trace extractor returned a promise; it must return the context synchronously');
    return undefined;
  }
  if (!isRecord(result)) {
    note(`the trace extractor returned a ${typeof result}, not a context object`);
    return undefined;
  }
  if ('x-datadog-trace-id' in result || 'traceparent' in result)
    return fromTextMap(result, settings, (p) => note(`the trace extractor's text map: ${p}`))?.context;
  const traceId = idText(result.traceId ?? result.traceID);
  const parentId = idText(result.parentId ?? result.parentID);
  if (traceId === undefined || !isDatadogId(traceId) || parentId === undefined || !isDatadogId(parentId)) {
    note('the trace extractor returned a context without non-zero decimal 64-bit traceId and parentId');
    return undefined;
  }
  const samplingPriority = priorityOf(result.samplingPriority ?? result.sampleMode);
  const tid = typeof result.tid === 'string' && TID.test(result.tid) ? result.tid : undefined;
  return {
    traceId,
    parentId,
    ...(samplingPriority !== undefined ? { samplingPriority } : {}),
    ...(tid !== undefined ? { tid } : {}),
  };
}
