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
      value = parseSpanRecord(message);
    } catch {
      skipped.push('span record is not JSON');
      continue;
    }
    readOtelSpans(value, read);
  }
  for (const skip of read.skipped) skipped.push(skip.reason);
  return { spans: convertOtelSpans(read.spans, { idMode }), skipped };
}

const TIMES = /"(startTimeUnixNano|endTimeUnixNano|timeUnixNano)":(\d+)/g;
// A number token of 16 digits or more (after a colon, bracket or comma); digits inside strings
// mostly do not match, and when one does the exact parser is merely slower, never wrong.
const LONG_NUMBER = /[:[,]\s*-?\d{16,}/;

/**
 * One span record, parsed with its nanosecond times exact. `parseExactJson` (a `JSON.parse` reviver
 * that keeps every number's text) is most of a record's cost; here the time fields, which always
 * exceed 2^53, become strings first (the reader takes either), and plain `JSON.parse` does the rest
 * when no other digit run is long enough to lose precision. Anything else takes the exact parser.
 * A key is only matched whole, quote to colon, so text inside a string value (where quotes are
 * escaped) is never rewritten.
 */
export function parseSpanRecord(text: string): unknown {
  const quoted = text.replace(TIMES, '"$1":"$2"');
  // The quoted times now follow `:"`, so only other long numbers match.
  return LONG_NUMBER.test(quoted) ? parseExactJson(text) : JSON.parse(quoted);
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
