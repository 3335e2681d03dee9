/**
 * Which format a trace document is in, decided per document, so one input may mix them:
 * - `otel`: OTLP/JSON (`resourceSpans`, or the older `resource_spans`) or a Transaction Search span
 *   record (an object with `traceId`, `spanId` and `startTimeUnixNano`);
 * - `xray`: anything else, which the X-Ray segment schema then accepts or reports.
 *
 * @example
 * documentFormat({ resourceSpans: [] }); // 'otel'
 * documentFormat({ id: '70de5b6f19ff9a0a', trace_id: '1-…', name: 'fn' }); // 'xray'
 */

export type TraceFormat = 'xray' | 'otel';

export function documentFormat(value: unknown): TraceFormat {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'xray';
  const record = value as Record<string, unknown>;
  if (Array.isArray(record.resourceSpans) || Array.isArray(record.resource_spans)) return 'otel';
  if ('traceId' in record && 'spanId' in record && 'startTimeUnixNano' in record) return 'otel';
  return 'xray';
}
