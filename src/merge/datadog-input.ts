/**
 * Reads Datadog spans for `merge` from a file's text, in the forms they come in:
 * - NDJSON, one span per line with the agent's field names (what `convert` writes): ids decimal;
 * - `{"traces":[[…]]}` lines as dd-trace's log exporter prints them to stdout (or CloudWatch, with
 *   a log prefix before the JSON), or one such object for the whole file (an agent capture), or a
 *   bare `[[…]]` array of traces.
 *
 * Ids in a `traces` envelope: JSON integers are decimal. Strings are hex (the log exporter writes
 * `Identifier.toJSON()`, 16 or 32 hex) when every string id in the file looks like that; otherwise
 * the file's string ids are read as decimal. Lines that are not spans are counted, never fatal.
 *
 * @example
 * const { spans } = readDatadogSpans(fs.readFileSync('function-logs.txt', 'utf8'));
 */

import type { DatadogSpan } from './span.ts';
import { type IdForm, parseExactJson, SpanJsonError, spanFromJson } from './span-json.ts';

export interface DatadogInput {
  readonly spans: DatadogSpan[];
  /** Lines that held no span (log noise such as START/END/REPORT lines). */
  readonly ignoredLines: number;
  /** Objects that looked like spans but were not valid, with the reason. */
  readonly invalid: string[];
}

const ENVELOPE = '{"traces":';
const ID_FIELDS = ['trace_id', 'span_id', 'parent_id'] as const;
const HEX_ID = /^(?:[0-9a-f]{16}|[0-9a-f]{32})$/;

export function readDatadogSpans(text: string): DatadogInput {
  const plain: unknown[] = [];
  const enveloped: unknown[] = [];
  let ignoredLines = 0;

  const whole = tryParse(text);
  if (whole !== undefined) classify(whole, plain, enveloped);
  else {
    for (const line of text.split('\n')) {
      const trimmed = line.trim();
      if (trimmed.length === 0) continue;
      const at = trimmed.indexOf(ENVELOPE);
      const parsed =
        at >= 0 ? tryParse(trimmed.slice(at)) : trimmed.startsWith('{') ? tryParse(trimmed) : undefined;
      if (parsed === undefined) ignoredLines += 1;
      else classify(parsed, plain, enveloped);
    }
  }

  const envelopeIds: IdForm = enveloped.every(hasHexIds) ? 'hex' : 'decimal';
  const spans: DatadogSpan[] = [];
  const invalid: string[] = [];
  const add = (value: unknown, ids: IdForm) => {
    try {
      spans.push(spanFromJson(value, ids));
    } catch (error) {
      if (!(error instanceof SpanJsonError)) throw error;
      invalid.push(error.message);
    }
  };
  for (const value of plain) add(value, 'decimal');
  for (const value of enveloped) add(value, envelopeIds);
  return { spans, ignoredLines, invalid };
}

/** Sorts a parsed value into plain spans and spans from a `traces` envelope. */
function classify(value: unknown, plain: unknown[], enveloped: unknown[]): void {
  const traces = Array.isArray(value)
    ? value.every(Array.isArray)
      ? value
      : undefined
    : typeof value === 'object' && value !== null && Array.isArray((value as { traces?: unknown }).traces)
      ? (value as { traces: unknown[] }).traces
      : undefined;
  if (traces !== undefined) {
    for (const trace of traces) if (Array.isArray(trace)) enveloped.push(...trace);
    return;
  }
  if (Array.isArray(value)) plain.push(...value);
  else plain.push(value);
}

function hasHexIds(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  const record = value as Record<string, unknown>;
  return ID_FIELDS.every(
    (field) => typeof record[field] !== 'string' || HEX_ID.test(record[field] as string),
  );
}

function tryParse(text: string): unknown {
  try {
    return parseExactJson(text);
  } catch {
    return undefined;
  }
}
