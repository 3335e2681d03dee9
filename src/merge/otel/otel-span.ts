/**
 * One OpenTelemetry span, as the readers hand it to the mapping: ids as lowercase hex, times as
 * integer nanoseconds (bigint: epoch nanoseconds do not fit a JS number), attributes as a flat map.
 * Both input shapes become this: OTLP/JSON (`resourceSpans` → `scopeSpans` → `spans`, attributes
 * as key/value lists) and the flat span records of Transaction Search (`aws/spans`,
 * `ListRetrievedTraces` with `TraceFormat: OTEL`).
 */

export type AttributeValue = string | number | boolean | readonly AttributeValue[];
export type Attributes = Readonly<Record<string, AttributeValue>>;

export type OtelKind = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type OtelStatusCode = 'unset' | 'ok' | 'error';

export interface OtelEvent {
  readonly name: string;
  readonly time?: bigint;
  readonly attributes: Attributes;
}

export interface OtelSpan {
  /** 32 lowercase hex. */
  readonly traceId: string;
  /** 16 lowercase hex. */
  readonly spanId: string;
  /** 16 lowercase hex; absent for a root. */
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: OtelKind;
  readonly start: bigint;
  /** Absent while the span is in progress (an `aws/spans` snapshot). */
  readonly end?: bigint;
  readonly attributes: Attributes;
  readonly resource: Attributes;
  readonly scope?: { readonly name?: string; readonly version?: string };
  readonly status: { readonly code: OtelStatusCode; readonly message?: string };
  readonly events: readonly OtelEvent[];
}

/** Reads an attribute as a string, if it is one (and not empty). */
export function stringAttribute(attributes: Attributes, key: string): string | undefined {
  const value = attributes[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** The first of several keys (current semantic-convention name first, older ones after) that is set. */
export function firstString(attributes: Attributes, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = attributes[key];
    if (typeof value === 'string' && value.length > 0) return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  }
  return undefined;
}
