/**
 * `getTraceHeaders()`, as datadog-lambda-js exports it: the current trace context as Datadog headers,
 * for code that calls another service by hand and propagates the context itself. The active span's
 * trace id, its own id as the parent id, and the sampling priority; `x-datadog-tags` too when dd-trace
 * has propagation tags (the high bits of a 128-bit trace id), which datadog-lambda-js leaves out.
 * `{}` outside a traced invocation or before dd-trace is loaded. Never throws.
 *
 * @example
 * import { getTraceHeaders } from 'xray-dd-merge';
 * await fetch(url, { headers: { ...getTraceHeaders() } });
 */

import { describeError, log } from '../log.ts';
import { activeSpan, injectedHeaders, loadedTracer } from '../tracer/dd-trace.ts';

const DATADOG_HEADERS = [
  'x-datadog-trace-id',
  'x-datadog-parent-id',
  'x-datadog-sampling-priority',
  'x-datadog-tags',
] as const;

export function getTraceHeaders(): Partial<Record<(typeof DATADOG_HEADERS)[number], string>> {
  try {
    const tracer = loadedTracer();
    const span = tracer ? activeSpan(tracer) : undefined;
    if (!tracer || !span) return {};
    const injected = injectedHeaders(tracer, span);
    const headers: Partial<Record<(typeof DATADOG_HEADERS)[number], string>> = {};
    for (const key of DATADOG_HEADERS) if (injected[key] !== undefined) headers[key] = injected[key];
    return headers;
  } catch (error) {
    log.once('debug', 'trace-headers', `getTraceHeaders failed: ${describeError(error)}`);
    return {};
  }
}
