/**
 * A DatadogSpan as one line of JSON, both ways, exactly. Ids are decimal strings; `start` and
 * `duration` are integer nanoseconds written as JSON integers from the bigint (never through a
 * JS number, which would round epoch nanoseconds), and read back from the number's source text.
 *
 * @example
 * const line = formatSpanJson(span);            // '{"trace_id":"…","start":1579584424771000000,…}'
 * spanFromJson(parseExactJson(line)) // deep-equals span
 */

import type { DatadogSpan } from './span.ts';

/** A JSON number kept as its source text, so integers beyond 2^53 survive parsing. */
export class JsonNumber {
  readonly source: string;
  constructor(source: string) {
    this.source = source;
  }
  toNumber(): number {
    return Number(this.source);
  }
}

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

/** JSON.parse, with every number a {@link JsonNumber} holding its text (Node >= 21 passes the source). */
export function parseExactJson(text: string): unknown {
  const reviver: Reviver = (_key, value, context) =>
    typeof value === 'number' ? new JsonNumber(context?.source ?? String(value)) : value;
  return JSON.parse(text, reviver as (this: unknown, key: string, value: unknown) => unknown);
}

/** One span as a JSON object with the agent's field names. */
export function formatSpanJson(span: DatadogSpan): string {
  const metrics: string[] = [];
  for (const [key, value] of Object.entries(span.metrics)) {
    if (Number.isFinite(value)) metrics.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
  }
  return (
    `{"trace_id":${JSON.stringify(span.trace_id)},"span_id":${JSON.stringify(span.span_id)},` +
    `"parent_id":${JSON.stringify(span.parent_id)},"name":${JSON.stringify(span.name)},` +
    `"service":${JSON.stringify(span.service)},"resource":${JSON.stringify(span.resource)},` +
    `"type":${JSON.stringify(span.type)},"start":${span.start.toString()},` +
    `"duration":${span.duration.toString()},"error":${span.error},` +
    `"meta":${JSON.stringify(span.meta)},"metrics":{${metrics.join(',')}}}`
  );
}

export type IdForm = 'decimal' | 'hex';

export class SpanJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpanJsonError';
  }
}

/**
 * A parsed span object (from {@link parseExactJson}) -> DatadogSpan. Ids may be JSON integers or
 * strings (decimal, or hex when `ids` says so, as dd-trace's log exporter prints them; a 128-bit
 * hex trace id keeps its low half and puts the high half in `_dd.p.tid`). Throws SpanJsonError
 * when the object is not a span.
 */
export function spanFromJson(value: unknown, ids: IdForm = 'decimal'): DatadogSpan {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new SpanJsonError('not an object');
  const record = value as Record<string, unknown>;
  const meta: Record<string, string> = {};
  if (typeof record.meta === 'object' && record.meta !== null) {
    for (const [key, v] of Object.entries(record.meta)) {
      if (typeof v === 'string') meta[key] = v;
      else if (v instanceof JsonNumber) meta[key] = v.source;
      else if (typeof v === 'boolean') meta[key] = String(v);
    }
  }
  const metrics: Record<string, number> = {};
  if (typeof record.metrics === 'object' && record.metrics !== null) {
    for (const [key, v] of Object.entries(record.metrics)) {
      const n = v instanceof JsonNumber ? v.toNumber() : typeof v === 'number' ? v : Number.NaN;
      if (Number.isFinite(n)) metrics[key] = n;
    }
  }
  const traceId = readId(record.trace_id, 'trace_id', ids, true);
  if (traceId.high !== undefined && meta['_dd.p.tid'] === undefined) meta['_dd.p.tid'] = traceId.high;
  const error = integerOf(record.error, 'error', true);
  return {
    trace_id: traceId.low,
    span_id: readId(record.span_id, 'span_id', ids, false).low,
    parent_id: record.parent_id === undefined ? '0' : readId(record.parent_id, 'parent_id', ids, true).low,
    name: stringOf(record.name, 'name'),
    service: stringOf(record.service, ''),
    resource: stringOf(record.resource, '') || stringOf(record.name, 'name'),
    type: typeof record.type === 'string' ? record.type : '',
    start: integerOf(record.start, 'start', false),
    duration: integerOf(record.duration, 'duration', true),
    error: error === 0n ? 0 : 1,
    meta,
    metrics,
  };
}

function stringOf(value: unknown, field: string): string {
  if (typeof value === 'string') return value;
  if (field === '') return '';
  throw new SpanJsonError(`${field} is not a string`);
}

function integerOf(value: unknown, field: string, optional: boolean): bigint {
  if (value === undefined && optional) return 0n;
  const text = value instanceof JsonNumber ? value.source : typeof value === 'string' ? value : undefined;
  if (text !== undefined && /^-?[0-9]+$/.test(text)) return BigInt(text);
  if (text !== undefined && /^-?[0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?$/i.test(text)) {
    // A float (or exponent) form: dd-trace writes integers, but be lenient.
    return BigInt(Math.round(Number(text)));
  }
  if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.round(value));
  throw new SpanJsonError(`${field} is not an integer`);
}

const MAX_U64 = (1n << 64n) - 1n;

function readId(value: unknown, field: string, ids: IdForm, zeroOk: boolean): { low: string; high?: string } {
  let low: bigint;
  let high: string | undefined;
  if (value instanceof JsonNumber && /^[0-9]+$/.test(value.source)) low = BigInt(value.source);
  else if (typeof value === 'string' && ids === 'hex' && /^[0-9a-fA-F]{1,32}$/.test(value)) {
    const hex = value.toLowerCase().padStart(16, '0');
    if (hex.length > 16) {
      high = hex.slice(0, -16).padStart(16, '0');
      if (/^0+$/.test(high)) high = undefined;
    }
    low = BigInt(`0x${hex.slice(-16)}`);
  } else if (typeof value === 'string' && /^[0-9]{1,20}$/.test(value)) low = BigInt(value);
  else throw new SpanJsonError(`${field} is not an id`);
  if (low > MAX_U64) throw new SpanJsonError(`${field} is above 2^64-1`);
  if (low === 0n && !zeroOk) throw new SpanJsonError(`${field} is 0`);
  return high !== undefined ? { low: low.toString(), high } : { low: low.toString() };
}
