/**
 * Reads trace documents for `convert` and `merge` from a file's text, whatever mix of formats it
 * holds, and converts them: X-Ray segment documents through the segment converter, OpenTelemetry
 * spans (OTLP/JSON, Transaction Search records) through `otel/`, each document by its own format
 * (format.ts). Wrappers are unwrapped: a `BatchGetTraces` or `ListRetrievedTraces` response
 * (`Traces[].Segments[]` or `Traces[].Spans[]`, `Document` a JSON string or an object), one trace,
 * a JSON array, or NDJSON with any of these per line. Numbers are read exactly (OTel nanosecond
 * times exceed 2^53); X-Ray documents get plain numbers back, as `JSON.parse` would give them.
 *
 * @example
 * const input = readTraceInput(fs.readFileSync('export.json', 'utf8'));
 * const { spans } = convertTraceInput(input, { idMode: 'compat' });
 */

import { type ConversionResult, type ConvertOptions, convertDocuments } from './convert.ts';
import { documentFormat } from './format.ts';
import { sortSpans } from './order.ts';
import { type OtelRead, readOtelSpans } from './otel/read-otel.ts';
import { convertOtelSpans } from './otel/to-datadog.ts';
import type { SkippedDocument } from './segment-schema.ts';
import { JsonNumber, parseExactJson } from './span-json.ts';

export interface TraceInput {
  /** X-Ray segment documents (parsed, plain numbers). */
  readonly xray: unknown[];
  /** OpenTelemetry spans, and those that could not be read. */
  readonly otel: OtelRead;
  /** OpenTelemetry documents read (OTLP/JSON exports or span records). */
  readonly otelDocuments: number;
  /** Lines that were not JSON (NDJSON input only). */
  readonly badLines: number;
}

export function emptyTraceInput(): TraceInput {
  return { xray: [], otel: { spans: [], skipped: [] }, otelDocuments: 0, badLines: 0 };
}

/** Adds one document (JSON text or a parsed value) of either format, or a wrapper of documents. */
export function addTraceDocument(value: unknown, input: TraceInput): void {
  collect(value, input);
}

/**
 * Text that may hold OpenTelemetry spans: only then is it parsed exactly (a reviver per value,
 * and X-Ray documents copied back to plain numbers), which made `convert` of 20,000 segment
 * documents about 40% slower when done for every input.
 */
const OTEL_MARKER = /UnixNano|unix_nano|resourceSpans|resource_spans/;

/** Whether text may hold OpenTelemetry spans, and so must be parsed exactly. */
export function mayHoldOpenTelemetry(text: string): boolean {
  return OTEL_MARKER.test(text);
}

export function readTraceInput(text: string, into?: TraceInput): TraceInput {
  const input: TraceInput = into ?? emptyTraceInput();
  const parse = OTEL_MARKER.test(text) ? tryParse : tryParsePlain;
  const whole = parse(text);
  if (whole !== undefined) {
    collect(whole, input);
    return input;
  }
  let badLines = 0;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.length === 0) continue;
    const parsed = parse(trimmed);
    if (parsed === undefined) badLines += 1;
    else collect(parsed, input);
  }
  return { ...input, badLines: input.badLines + badLines };
}

/** Converts both halves; spans in the converter's order, skipped documents of both formats. */
export function convertTraceInput(input: TraceInput, options: ConvertOptions = {}): ConversionResult {
  const xray = convertDocuments(input.xray, options);
  if (input.otel.spans.length === 0 && input.otel.skipped.length === 0) return xray;
  const otel = convertOtelSpans(
    input.otel.spans,
    options.idMode !== undefined ? { idMode: options.idMode } : {},
  );
  const skipped: SkippedDocument[] = [
    ...xray.skipped,
    ...input.otel.skipped.map((entry) => ({
      ...(entry.traceId !== undefined ? { traceId: entry.traceId } : {}),
      ...(entry.spanId !== undefined ? { id: entry.spanId } : {}),
      reason: `OpenTelemetry span: ${entry.reason}`,
    })),
  ];
  return {
    spans: sortSpans([...xray.spans, ...otel]),
    documents: xray.documents + input.otelDocuments,
    skipped,
    dropped: xray.dropped,
  };
}

function collect(value: unknown, input: TraceInput): void {
  if (typeof value === 'string') {
    // A `Document` field: JSON text of one document.
    const parsed = (OTEL_MARKER.test(value) ? tryParse : tryParsePlain)(value);
    if (parsed === undefined || typeof parsed === 'string') input.xray.push(value);
    else collect(parsed, input);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) collect(item, input);
    return;
  }
  if (typeof value === 'object' && value !== null && !(value instanceof JsonNumber)) {
    const record = value as Record<string, unknown>;
    if (Array.isArray(record.Traces)) {
      for (const trace of record.Traces) collect(trace, input);
      return;
    }
    const parts = Array.isArray(record.Segments)
      ? record.Segments
      : Array.isArray(record.Spans)
        ? record.Spans
        : undefined;
    if (parts !== undefined) {
      for (const part of parts) collect((part as Record<string, unknown> | null)?.Document ?? part, input);
      return;
    }
    if (documentFormat(value) === 'otel') {
      (input as { otelDocuments: number }).otelDocuments += 1;
      readOtelSpans(value, input.otel);
      return;
    }
  }
  input.xray.push(exactlyParsed(value) ? plain(value) : value);
}

/** Whether a value holds a JsonNumber anywhere (it came from the exact parser). */
function exactlyParsed(value: unknown): boolean {
  if (value instanceof JsonNumber) return true;
  if (Array.isArray(value)) return value.some(exactlyParsed);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(exactlyParsed);
  return false;
}

/** JsonNumber -> number, as JSON.parse would have read it. */
function plain(value: unknown): unknown {
  if (value instanceof JsonNumber) return value.toNumber();
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null) {
    // fromEntries defines own properties: a `__proto__` key stays a key, as JSON.parse keeps it.
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, plain(entry)]));
  }
  return value;
}

function tryParsePlain(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function tryParse(text: string): unknown {
  try {
    return parseExactJson(text);
  } catch {
    return undefined;
  }
}
