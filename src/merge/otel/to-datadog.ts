/**
 * OpenTelemetry spans -> Datadog spans, with the same id mapping as X-Ray documents: an OTel trace
 * id is the X-Ray trace id without the `1-` and the dash (`5759e988bd862e3fe1be46a994272793` is
 * `1-5759e988-bd862e3fe1be46a994272793`), so it goes through `xray/ids` as that X-Ray id, and a
 * function traced with ADOT / OpenTelemetry lands in the trace its Datadog spans are in. Span ids
 * are the 16 hex digits as an unsigned decimal, as for segment ids.
 *
 * Names follow the Datadog agent's OTLP ingest: the first semantic-convention namespace that
 * describes the span names it (semconv.ts); `operation.name`, `resource.name`, `span.type` and
 * `service.name` span attributes override, as there. Service from the resource's `service.name`.
 * Every attribute (the resource's, then the span's) is kept: strings and booleans in meta, numbers
 * in metrics; the namespaces add Datadog's own tag names on top. Like converted X-Ray spans, each
 * carries `_merge.origin: xray` and `xray.trace_id`, and entry spans (server, consumer, or roots)
 * keep priority 2, as X-Ray sampled them. Pure and deterministic.
 *
 * @example
 * const { spans } = convertOtelSpans(readOtelSpans(parseExactJson(text)).spans, { idMode: 'compat' });
 */

import { datadogSpanId, datadogTraceId, type TraceIdMode, USER_KEEP } from '../../xray/ids.ts';
import { METADATA_SUBSEGMENT, UPSTREAM_TAG } from '../datadog-metadata.ts';
import { sortSpans } from '../order.ts';
import { type DatadogSpan, ORIGIN_TAG } from '../span.ts';
import { JsonNumber, parseExactJson } from '../span-json.ts';
import { db, dbSystem, dbType } from './db.ts';
import { faas } from './faas.ts';
import { graphql } from './graphql.ts';
import { http } from './http.ts';
import { messaging } from './messaging.ts';
import { type Attributes, firstString, type OtelSpan, stringAttribute } from './otel-span.ts';
import { rpc } from './rpc.ts';
import { type NamespaceRule, normalizeTagValue } from './semconv.ts';
import { tagStatus } from './status.ts';

export interface OtelConvertOptions {
  /** How trace ids map; must match the runtime's `DD_XRAY_TRACE_ID_MODE`. */
  readonly idMode?: TraceIdMode;
}

/** Operation names, in the order Datadog's agent tries the namespaces. */
const NAME_ORDER: readonly NamespaceRule[] = [http, db, messaging, rpc, faas, graphql];
/** Resources, in the order Datadog's agent tries the namespaces (then the span's name). */
const RESOURCE_ORDER: readonly NamespaceRule[] = [http, messaging, rpc, graphql, db];
const TAGGERS: readonly NamespaceRule[] = [http, db, messaging, rpc, faas];

/** Datadog's service name for a resource without `service.name`. */
export const NO_SERVICE = 'otlpresourcenoservicename';

/** `5759e988bd862e3fe1be46a994272793` -> `1-5759e988-bd862e3fe1be46a994272793`. */
export function xrayTraceIdOf(otelTraceId: string): string {
  return `1-${otelTraceId.slice(0, 8)}-${otelTraceId.slice(8)}`;
}

export function convertOtelSpans(
  spans: readonly OtelSpan[],
  options: OtelConvertOptions = {},
): DatadogSpan[] {
  const idMode = options.idMode ?? 'compat';
  return sortSpans(latestSnapshots(spans).map((span) => toDatadog(span, idMode)));
}

/**
 * One span per trace and span id. Transaction Search stores an in-progress snapshot of a long
 * span (`endTimeUnixNano: null`) and later the finished span under the same id: the finished one
 * wins, else the first seen.
 */
function latestSnapshots(spans: readonly OtelSpan[]): OtelSpan[] {
  const byId = new Map<string, OtelSpan>();
  for (const span of spans) {
    const key = `${span.traceId}/${span.spanId}`;
    const seen = byId.get(key);
    if (seen === undefined || (seen.end === undefined && span.end !== undefined)) byId.set(key, span);
  }
  return [...byId.values()];
}

function toDatadog(span: OtelSpan, idMode: TraceIdMode): DatadogSpan {
  const xrayTraceId = xrayTraceIdOf(span.traceId);
  const { traceId, tid } = datadogTraceId(xrayTraceId, idMode);
  const meta: Record<string, string> = {};
  const metrics: Record<string, number> = {};
  copyAttributes(span.resource, meta, metrics);
  copyAttributes(span.attributes, meta, metrics);

  // Span attributes first, then the resource's, as the agent looks them up.
  const attributes: Attributes = { ...span.resource, ...span.attributes };
  for (const rule of TAGGERS) rule.tags?.(attributes, meta);
  const error = tagStatus(span, meta);

  const env = firstString(span.resource, ['deployment.environment.name', 'deployment.environment']);
  if (env !== undefined) meta.env = env;
  const version = stringAttribute(span.resource, 'service.version');
  if (version !== undefined) meta.version = version;
  const region = firstString(attributes, ['cloud.region', 'aws.region']);
  if (region !== undefined) meta.region = region;
  meta['span.kind'] = span.kind;
  if (span.scope?.name !== undefined) meta['otel.scope.name'] = span.scope.name;
  if (span.scope?.version !== undefined) meta['otel.scope.version'] = span.scope.version;
  meta['otel.trace_id'] = span.traceId;
  if (tid !== undefined) meta['_dd.p.tid'] = tid;
  meta[ORIGIN_TAG] = 'xray';
  meta['xray.trace_id'] = xrayTraceId;
  if (span.end === undefined) meta['xray.in_progress'] = 'true';
  const upstream = upstreamOf(span);
  if (upstream !== undefined) meta[UPSTREAM_TAG] = upstream;
  if (span.parentSpanId === undefined || span.kind === 'server' || span.kind === 'consumer')
    metrics._sampling_priority_v1 = USER_KEEP;

  const operationName = stringAttribute(attributes, 'operation.name');
  const name =
    (operationName !== undefined ? normalizeTagValue(operationName) : undefined) ??
    first(NAME_ORDER, (rule) => rule.name?.(attributes, span.kind)) ??
    fallbackName(span, attributes);
  return {
    trace_id: traceId,
    span_id: datadogSpanId(span.spanId),
    parent_id: span.parentSpanId !== undefined ? datadogSpanId(span.parentSpanId) : '0',
    name,
    service: stringAttribute(attributes, 'service.name') ?? NO_SERVICE,
    resource:
      stringAttribute(attributes, 'resource.name') ??
      first(RESOURCE_ORDER, (rule) => rule.resource?.(attributes, span.kind)) ??
      (span.name || name),
    type: stringAttribute(attributes, 'span.type') ?? spanType(span, attributes),
    start: span.start,
    duration: span.end !== undefined ? span.end - span.start : 0n,
    error,
    meta: sortedRecord(meta),
    metrics: sortedRecord(metrics),
  };
}

/**
 * X-Ray metadata becomes one attribute per namespace, `aws.xray.metadata.<namespace>`, holding the
 * namespace's object (as JSON text, or a nested object in a flat `aws/spans` record): the
 * OpenTelemetry collector's awsxray translator names it so, and Transaction Search keeps X-Ray
 * segments' metadata the same way. The `datadog-metadata` subsegment's `datadog.trace` goes into
 * `_merge.upstream` exactly as the X-Ray converter puts it there, so the hybrid join sees an
 * `aws/spans` record as it sees the segment document.
 */
function upstreamOf(span: OtelSpan): string | undefined {
  if (span.name !== METADATA_SUBSEGMENT) return undefined;
  const value = span.attributes[DATADOG_METADATA_ATTRIBUTE];
  if (typeof value !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = parseExactJson(value);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const trace = (parsed as Record<string, unknown>).trace;
  if (trace === undefined) return undefined;
  // Numbers keep their digits: an id written as a number above 2^53 is then reported malformed by
  // the join instead of joining a rounded, wrong trace.
  return (
    JSON.stringify(trace, (_key, v: unknown) => (v instanceof JsonNumber ? rawJson(v.source) : v)) ?? 'null'
  );
}

const rawJson = (JSON as unknown as { rawJSON: (text: string) => unknown }).rawJSON;

/** Where an X-Ray segment's `metadata.datadog` lives on its OpenTelemetry span. */
export const DATADOG_METADATA_ATTRIBUTE = 'aws.xray.metadata.datadog';

function first(
  rules: readonly NamespaceRule[],
  pick: (rule: NamespaceRule) => string | undefined,
): string | undefined {
  for (const rule of rules) {
    const found = pick(rule);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * When no namespace names the span: `<network.protocol.name>.server.request` (or `.client.`),
 * `server.request`, `client.request`, else the kind as the agent prints it (`Internal`, `Producer`,
 * `Consumer`; `Internal` for an unspecified kind).
 */
function fallbackName(span: OtelSpan, attributes: Attributes): string {
  const protocol = firstString(attributes, ['network.protocol.name']);
  const side = span.kind === 'server' ? 'server' : span.kind === 'client' ? 'client' : undefined;
  if (side !== undefined)
    return protocol !== undefined ? `${normalizeTagValue(protocol)}.${side}.request` : `${side}.request`;
  const kind = span.kind === 'unspecified' ? 'internal' : span.kind;
  return kind.charAt(0).toUpperCase() + kind.slice(1);
}

/** `web` for servers; for clients the database's type, else `http`; else `custom`. */
function spanType(span: OtelSpan, attributes: Attributes): string {
  if (span.kind === 'server') return 'web';
  if (span.kind !== 'client') return 'custom';
  const system = dbSystem(attributes);
  return system !== undefined ? dbType(system) : 'http';
}

function copyAttributes(
  attributes: Attributes,
  meta: Record<string, string>,
  metrics: Record<string, number>,
): void {
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value === 'string') meta[key] = value;
    else if (typeof value === 'boolean') meta[key] = String(value);
    else if (typeof value === 'number') {
      if (Number.isFinite(value)) metrics[key] = value;
    } else meta[key] = JSON.stringify(value);
  }
}

/** Keys in code-unit order, as the X-Ray converter's records have them (the NDJSON output shows it). */
function sortedRecord<V>(record: Record<string, V>): Record<string, V> {
  const sorted: Record<string, V> = {};
  for (const key of Object.keys(record).sort()) sorted[key] = record[key] as V;
  return sorted;
}
