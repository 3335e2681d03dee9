/**
 * Reads OpenTelemetry spans from parsed JSON (parsed with `parseExactJson`, so nanosecond times
 * above 2^53 keep their digits):
 * - OTLP/JSON as ADOT, the OTel collector's file exporter and OTLP/HTTP send it:
 *   `{"resourceSpans":[{"resource":{"attributes":[…]},"scopeSpans":[{"scope":{…},"spans":[…]}]}]}`
 *   (the older `instrumentationLibrarySpans` / `instrumentationLibrary` names too). Ids in hex as
 *   the OTLP/JSON spec says (any case), or base64 as a protobuf JSON mapping writes bytes; kinds
 *   and status codes as numbers or enum names; times as numbers or strings.
 * - Transaction Search span records (`aws/spans`, `ListRetrievedTraces` with `TraceFormat: OTEL`):
 *   one span per object, `resource.attributes` and `attributes` as flat maps, kind `"SERVER"`,
 *   status code `"ERROR"`, `endTimeUnixNano: null` while in progress.
 * A span that cannot be read is reported with the reason, never thrown.
 *
 * @example
 * const { spans, skipped } = readOtelSpans(parseExactJson(text));
 */

import { JsonNumber } from '../span-json.ts';
import type {
  Attributes,
  AttributeValue,
  OtelEvent,
  OtelKind,
  OtelSpan,
  OtelStatusCode,
} from './otel-span.ts';

export interface OtelSkipped {
  readonly traceId?: string;
  readonly spanId?: string;
  readonly reason: string;
}

export interface OtelRead {
  readonly spans: OtelSpan[];
  readonly skipped: OtelSkipped[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber)
  );
}

/** Every span in an OTLP/JSON document or a Transaction Search span record (or arrays of them). */
export function readOtelSpans(value: unknown, into: OtelRead = { spans: [], skipped: [] }): OtelRead {
  if (Array.isArray(value)) {
    for (const item of value) readOtelSpans(item, into);
    return into;
  }
  if (!isObject(value)) return into;
  const resourceSpans = value.resourceSpans ?? value.resource_spans;
  if (Array.isArray(resourceSpans)) {
    for (const entry of resourceSpans) {
      if (!isObject(entry)) continue;
      const resource = attributesOf(isObject(entry.resource) ? entry.resource.attributes : undefined);
      const scopes = entry.scopeSpans ?? entry.instrumentationLibrarySpans ?? entry.scope_spans;
      if (!Array.isArray(scopes)) continue;
      for (const scopeEntry of scopes) {
        if (!isObject(scopeEntry)) continue;
        const scope = scopeOf(scopeEntry.scope ?? scopeEntry.instrumentationLibrary);
        if (!Array.isArray(scopeEntry.spans)) continue;
        for (const span of scopeEntry.spans) addSpan(span, resource, scope, into);
      }
    }
    return into;
  }
  // A flat span record: its own resource and scope.
  const resource = attributesOf(isObject(value.resource) ? value.resource.attributes : undefined);
  addSpan(value, resource, scopeOf(value.scope), into);
  return into;
}

function addSpan(value: unknown, resource: Attributes, scope: OtelSpan['scope'], into: OtelRead): void {
  if (!isObject(value)) {
    into.skipped.push({ reason: 'span is not an object' });
    return;
  }
  const traceId = idOf(value.traceId ?? value.trace_id, 32);
  const spanId = idOf(value.spanId ?? value.span_id, 16);
  const where = {
    ...(traceId !== undefined ? { traceId } : {}),
    ...(spanId !== undefined ? { spanId } : {}),
  };
  if (traceId === undefined || /^0+$/.test(traceId)) {
    into.skipped.push({
      ...where,
      reason: 'traceId is not 32 hex digits (or base64 of 16 bytes), or is zero',
    });
    return;
  }
  if (spanId === undefined || /^0+$/.test(spanId)) {
    into.skipped.push({ ...where, reason: 'spanId is not 16 hex digits (or base64 of 8 bytes), or is zero' });
    return;
  }
  const start = nanosOf(value.startTimeUnixNano ?? value.start_time_unix_nano);
  if (start === undefined) {
    into.skipped.push({ ...where, reason: 'startTimeUnixNano is not an integer' });
    return;
  }
  const end = nanosOf(value.endTimeUnixNano ?? value.end_time_unix_nano);
  const parent = idOf(value.parentSpanId ?? value.parent_span_id, 16);
  const status = isObject(value.status) ? value.status : {};
  const message = typeof status.message === 'string' && status.message !== '' ? status.message : undefined;
  const span: OtelSpan = {
    traceId,
    spanId,
    ...(parent !== undefined && !/^0+$/.test(parent) ? { parentSpanId: parent } : {}),
    name: typeof value.name === 'string' ? value.name : '',
    kind: kindOf(value.kind),
    start,
    ...(end !== undefined && end >= start ? { end } : {}),
    attributes: attributesOf(value.attributes),
    resource,
    ...(scope !== undefined ? { scope } : {}),
    status: { code: statusCodeOf(status.code), ...(message !== undefined ? { message } : {}) },
    events: eventsOf(value.events),
  };
  into.spans.push(span);
}

function scopeOf(value: unknown): OtelSpan['scope'] {
  if (!isObject(value)) return undefined;
  const name = typeof value.name === 'string' && value.name !== '' ? value.name : undefined;
  const version = typeof value.version === 'string' && value.version !== '' ? value.version : undefined;
  if (name === undefined && version === undefined) return undefined;
  return { ...(name !== undefined ? { name } : {}), ...(version !== undefined ? { version } : {}) };
}

const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Hex of `length` digits, lowercased; or base64 of length/2 bytes. */
function idOf(value: unknown, length: number): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  if (value.length === length && HEX.test(value)) return value.toLowerCase();
  if (BASE64.test(value)) {
    const bytes = Buffer.from(value, 'base64');
    if (bytes.length === length / 2) return bytes.toString('hex');
  }
  return undefined;
}

/** Integer nanoseconds from a JSON number (kept exact) or a decimal string. */
function nanosOf(value: unknown): bigint | undefined {
  const text = value instanceof JsonNumber ? value.source : typeof value === 'string' ? value : undefined;
  if (text !== undefined && /^[0-9]{1,21}$/.test(text)) return BigInt(text);
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  return undefined;
}

const KINDS: readonly OtelKind[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

function kindOf(value: unknown): OtelKind {
  const number = value instanceof JsonNumber ? value.toNumber() : value;
  if (typeof number === 'number') return KINDS[number] ?? 'unspecified';
  if (typeof value !== 'string') return 'unspecified';
  const name = value.toLowerCase().replace(/^span_kind_/, '');
  return (KINDS as readonly string[]).includes(name) ? (name as OtelKind) : 'unspecified';
}

const STATUS_CODES: readonly OtelStatusCode[] = ['unset', 'ok', 'error'];

function statusCodeOf(value: unknown): OtelStatusCode {
  const number = value instanceof JsonNumber ? value.toNumber() : value;
  if (typeof number === 'number') return STATUS_CODES[number] ?? 'unset';
  if (typeof value !== 'string') return 'unset';
  const name = value.toLowerCase().replace(/^status_code_/, '');
  return (STATUS_CODES as readonly string[]).includes(name) ? (name as OtelStatusCode) : 'unset';
}

function eventsOf(value: unknown): OtelEvent[] {
  if (!Array.isArray(value)) return [];
  const events: OtelEvent[] = [];
  for (const event of value) {
    if (!isObject(event)) continue;
    const time = nanosOf(event.timeUnixNano ?? event.time_unix_nano);
    events.push({
      name: typeof event.name === 'string' ? event.name : '',
      ...(time !== undefined ? { time } : {}),
      attributes: attributesOf(event.attributes),
    });
  }
  return events;
}

/** OTLP key/value lists (`[{key, value:{stringValue}}]`) or a flat map (`{key: value}`). */
function attributesOf(value: unknown): Attributes {
  const attributes: Record<string, AttributeValue> = {};
  if (Array.isArray(value)) {
    for (const entry of value) {
      if (!isObject(entry) || typeof entry.key !== 'string') continue;
      const read = anyValueOf(entry.value);
      if (read !== undefined) attributes[entry.key] = read;
    }
  } else if (isObject(value)) {
    for (const [key, entry] of Object.entries(value)) {
      const read = plainValueOf(entry);
      if (read !== undefined) attributes[key] = read;
    }
  }
  return attributes;
}

/** An OTLP `AnyValue` (`stringValue`, `intValue` as a string or number, `arrayValue`, …). */
function anyValueOf(value: unknown): AttributeValue | undefined {
  if (!isObject(value)) return undefined;
  if (typeof value.stringValue === 'string') return value.stringValue;
  if (typeof value.boolValue === 'boolean') return value.boolValue;
  if (value.intValue !== undefined) return integerOf(value.intValue);
  if (value.doubleValue !== undefined) {
    const n =
      value.doubleValue instanceof JsonNumber ? value.doubleValue.toNumber() : Number(value.doubleValue);
    return Number.isFinite(n) ? n : undefined;
  }
  if (isObject(value.arrayValue) && Array.isArray(value.arrayValue.values)) {
    return value.arrayValue.values.map(anyValueOf).filter((v): v is AttributeValue => v !== undefined);
  }
  if (isObject(value.kvlistValue) || typeof value.bytesValue === 'string') {
    return JSON.stringify(value.kvlistValue ?? value.bytesValue);
  }
  return undefined;
}

/** An int64: a number when it is exact, else its decimal text. */
function integerOf(value: unknown): AttributeValue | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  const text = value instanceof JsonNumber ? value.source : typeof value === 'string' ? value : undefined;
  if (text === undefined || !/^-?[0-9]+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

/** A value of a flat attribute map (Transaction Search records). */
function plainValueOf(value: unknown): AttributeValue | undefined {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof JsonNumber) {
    if (/^-?[0-9]+$/.test(value.source)) return integerOf(value);
    return value.toNumber();
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (Array.isArray(value))
    return value.map(plainValueOf).filter((v): v is AttributeValue => v !== undefined);
  if (isObject(value))
    // Numbers keep their digits (an id written as a JSON number above 2^53 stays exact).
    return JSON.stringify(value, (_k, v: unknown) => (v instanceof JsonNumber ? rawJson(v.source) : v));
  return undefined;
}

/** `JSON.rawJSON` (Node 21+): a number written into JSON text as its own digits. */
const rawJson = (JSON as unknown as { rawJSON: (text: string) => unknown }).rawJSON;
