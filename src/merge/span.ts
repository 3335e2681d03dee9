/**
 * A Datadog span as the agent takes it (`/v0.4/traces` field names), the one shape the merger's
 * converter, joiner and sinks share. Ids are unsigned 64-bit decimal strings; times are
 * nanoseconds as bigint (epoch nanoseconds do not fit a JS number exactly).
 */

export type SpanOrigin = 'xray' | 'datadog';

export interface DatadogSpan {
  trace_id: string;
  span_id: string;
  parent_id: string;
  name: string;
  service: string;
  resource: string;
  type: string;
  /** Start, nanoseconds since the epoch. */
  start: bigint;
  /** Duration in nanoseconds. */
  duration: bigint;
  error: 0 | 1;
  meta: Record<string, string>;
  metrics: Record<string, number>;
}

/** The meta key that says which side a merged span came from. */
export const ORIGIN_TAG = '_merge.origin';

export function spanOrigin(span: DatadogSpan): SpanOrigin {
  return span.meta[ORIGIN_TAG] === 'xray' ? 'xray' : 'datadog';
}
