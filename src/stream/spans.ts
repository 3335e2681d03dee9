/**
 * `aws/spans` records (the `message` of each log event, one span record as JSON text) -> Datadog
 * spans, through the merger's OpenTelemetry input (`merge/otel`): exact nanoseconds, the same id
 * mapping as every other path, the `datadog-metadata` span tagged for the hybrid join. A record that
 * is not JSON or not a span is counted with its reason, never thrown. Pure.
 *
 * @example
 * const { spans, skipped } = convertSpanRecords(payload.messages, 'compat');
 */

import { convertOtelSpans, type OtelRead, readOtelSpans } from '../merge/otel/index.ts';
import type { DatadogSpan } from '../merge/span.ts';
import { parseExactJson } from '../merge/span-json.ts';
import type { TraceIdMode } from '../xray/ids.ts';

export interface ConvertedRecords {
  readonly spans: DatadogSpan[];
  /** Records that held no readable span, each with the reason. */
  readonly skipped: readonly string[];
}

export function convertSpanRecords(messages: readonly string[], idMode: TraceIdMode): ConvertedRecords {
  const read: OtelRead = { spans: [], skipped: [] };
  const skipped: string[] = [];
  for (const message of messages) {
    let value: unknown;
    try {
      value = parseExactJson(message);
    } catch {
      skipped.push('span record is not JSON');
      continue;
    }
    readOtelSpans(value, read);
  }
  for (const skip of read.skipped) skipped.push(skip.reason);
  return { spans: convertOtelSpans(read.spans, { idMode }), skipped };
}

/** Spans grouped by Datadog trace id, in first-seen order: what the agent sink takes. */
export function groupByTrace(spans: readonly DatadogSpan[]): DatadogSpan[][] {
  const traces = new Map<string, DatadogSpan[]>();
  for (const span of spans) {
    const trace = traces.get(span.trace_id);
    if (trace) trace.push(span);
    else traces.set(span.trace_id, [span]);
  }
  return [...traces.values()];
}

const TRACE_ID = /"traceId"\s*:\s*"([0-9a-fA-F]{32})"/;

/**
 * The trace id of one span record, read without parsing it: the re-partitioning stage keys each
 * record by it. Undefined when the record has none in the usual form (it is then keyed by itself).
 */
export function traceIdOfRecord(message: string): string | undefined {
  return TRACE_ID.exec(message)?.[1]?.toLowerCase();
}
