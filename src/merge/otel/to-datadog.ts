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
import { sortSpans } from '../order.ts';
import { type DatadogSpan, ORIGIN_TAG } from '../span.ts';
import { db } from './db.ts';
import { faas } from './faas.ts';
import { http } from './http.ts';
import { messaging } from './messaging.ts';
import { type Attributes, firstString, type OtelSpan, stringAttribute } from './otel-span.ts';
import { rpc } from './rpc.ts';
import type { NamespaceRule, Naming } from './semconv.ts';
import { tagStatus } from './status.ts';

export interface OtelConvertOptions {
  /** How trace ids map; must match the runtime's `DD_XRAY_TRACE_ID_MODE`. */
  readonly idMode?: TraceIdMode;
}

/** In the order Datadog's agent tries them. */
const RULES: readonly NamespaceRule[] = [http, db, messaging, rpc, faas];

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
  const out = spans.map((span) => toDatadog(span, idMode));
  return sortSpans(out);
}

function toDatadog(span: OtelSpan, idMode: TraceIdMode): DatadogSpan {
  const xrayTraceId = xrayTraceIdOf(span.traceId);
  const { traceId, tid } = datadogTraceId(xrayTraceId, idMode);
  const meta: Record<string, string> = {};
  const metrics: Record<string, number> = {};
  copyAttributes(span.resource, meta, metrics);
  copyAttributes(span.attributes, meta, metrics);

  const naming = RULES.reduce<Naming | undefined>(
    (found, rule) => found ?? rule.name(span.attributes, span.kind),
    undefined,
  );
  for (const rule of RULES) rule.tags(span.attributes, meta);
  const error = tagStatus(span, meta);

  const env = firstString(span.resource, ['deployment.environment.name', 'deployment.environment']);
  if (env !== undefined) meta.env = env;
  const version = stringAttribute(span.resource, 'service.version');
  if (version !== undefined) meta.version = version;
  const region =
    firstString(span.attributes, ['cloud.region', 'aws.region']) ??
    firstString(span.resource, ['cloud.region']);
  if (region !== undefined) meta.region = region;
  meta['span.kind'] = span.kind;
  if (span.scope?.name !== undefined) meta['otel.scope.name'] = span.scope.name;
  if (span.scope?.version !== undefined) meta['otel.scope.version'] = span.scope.version;
  meta['otel.trace_id'] = span.traceId;
  if (tid !== undefined) meta['_dd.p.tid'] = tid;
  meta[ORIGIN_TAG] = 'xray';
  meta['xray.trace_id'] = xrayTraceId;
  if (span.end === undefined) meta['xray.in_progress'] = 'true';
  if (span.parentSpanId === undefined || span.kind === 'server' || span.kind === 'consumer')
    metrics._sampling_priority_v1 = USER_KEEP;

  const name = stringAttribute(span.attributes, 'operation.name') ?? naming?.name ?? fallbackName(span);
  return {
    trace_id: traceId,
    span_id: datadogSpanId(span.spanId),
    parent_id: span.parentSpanId !== undefined ? datadogSpanId(span.parentSpanId) : '0',
    name,
    service:
      stringAttribute(span.attributes, 'service.name') ??
      stringAttribute(span.resource, 'service.name') ??
      NO_SERVICE,
    resource: stringAttribute(span.attributes, 'resource.name') ?? naming?.resource ?? (span.name || name),
    type:
      stringAttribute(span.attributes, 'span.type') ??
      naming?.type ??
      (span.kind === 'server' ? 'web' : span.kind === 'client' ? 'http' : 'custom'),
    start: span.start,
    duration: span.end !== undefined ? span.end - span.start : 0n,
    error,
    meta: sortedRecord(meta),
    metrics: sortedRecord(metrics),
  };
}

/** `<kind>`-based names when no namespace describes the span (`internal`, `server.request`, …). */
function fallbackName(span: OtelSpan): string {
  switch (span.kind) {
    case 'server':
      return 'server.request';
    case 'client':
      return 'client.request';
    case 'producer':
    case 'consumer':
    case 'internal':
      return span.kind;
    default:
      return 'internal';
  }
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
