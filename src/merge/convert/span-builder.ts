/**
 * One document (segment or subsegment) -> one Datadog span: the X-Ray identity tags, each
 * namespace's mapper (http, aws, sql), the error mapper, times, name, type and resource.
 */

import { type DatadogTraceId, type TraceIdMode, USER_KEEP } from '../../xray/ids.ts';
import type { SegmentDocument, XRayException } from '../segment-schema.ts';
import { type DatadogSpan, ORIGIN_TAG } from '../span.ts';
import { SpanClock } from '../span-time.ts';
import { awsResource, tagAws } from './aws.ts';
import { type ExceptionLookup, indexExceptions, tagError } from './cause.ts';
import { httpResource, tagHttp } from './http.ts';
import { lowerNamespace, spanKind } from './origin.ts';
import type { ServiceIndex } from './service.ts';
import { tagSql } from './sql.ts';
import {
  META,
  METRICS,
  type MetaTags,
  type MetricTags,
  OWN_META,
  OWN_METRICS,
  putTag,
  Tags,
} from './tags.ts';
import { tagUpstream } from './upstream.ts';

/** One conversion call's settings and what it looks up more than once. Lives as long as the call. */
export interface Conversion {
  readonly idMode: TraceIdMode;
  readonly includeMetadata: boolean;
  readonly documents: readonly SegmentDocument[];
  /** One span's tags while it is built (spans are built one at a time). */
  readonly meta: MetaTags;
  readonly metrics: MetricTags;
  /** Start and duration of one span at a time. */
  readonly clock: SpanClock;
  /** The segment id of each span made so far, at the span's index. */
  readonly segmentIds: string[];
  /** Finds an exception by id across the call's documents (the index is built on first use). */
  readonly exception: ExceptionLookup;
  /** Built on the first standalone subsegment. */
  services: ServiceIndex | undefined;
}

/** What every span of one top-level document shares. */
export interface TraceContext {
  readonly xrayTraceId: string;
  readonly traceId: DatadogTraceId;
  readonly service: string;
}

/**
 * One span's tags and times while it is built, shared by all conversion calls: spans are built one
 * at a time and a call runs to its end, so one set serves them all, and a call on a trace of a few
 * segments does not allocate its own (two tag tables and a clock were a tenth of such a call).
 */
const SPAN_PARTS = {
  meta: new Tags(OWN_META) as MetaTags,
  metrics: new Tags(OWN_METRICS) as MetricTags,
  clock: new SpanClock(),
};

/** A conversion over `documents`, using the shared span parts. */
export function startConversion(
  documents: readonly SegmentDocument[],
  idMode: TraceIdMode,
  includeMetadata: boolean,
): Conversion {
  let exceptions: Map<string, XRayException> | undefined;
  return {
    idMode,
    includeMetadata,
    documents,
    meta: SPAN_PARTS.meta,
    metrics: SPAN_PARTS.metrics,
    clock: SPAN_PARTS.clock,
    segmentIds: [],
    exception: (id) => {
      exceptions ??= indexExceptions(documents);
      return exceptions.get(id);
    },
    services: undefined,
  };
}

/**
 * Empties the shared tag tables. Every span leaves them empty, but one that threw half-way
 * (metadata's JSON.stringify can, on a cyclic object) has not.
 */
export function resetSpanParts(): void {
  SPAN_PARTS.meta.clear();
  SPAN_PARTS.metrics.clear();
}

/** @param segment a top-level segment, not a subsegment */
export function toSpan(
  doc: SegmentDocument,
  spanId: string,
  parentId: string,
  segment: boolean,
  trace: TraceContext,
  conversion: Conversion,
): DatadogSpan {
  const { meta, metrics } = conversion;

  // User-supplied tags first, so the converter's own tags win a clash.
  const annotations = doc.annotations;
  if (annotations !== undefined) {
    const keys = Object.keys(annotations);
    for (let i = 0; i < keys.length; i += 1) {
      const key = keys[i] as string;
      putTag(meta, metrics, key, annotations[key]);
    }
  }
  if (conversion.includeMetadata && doc.metadata !== undefined) {
    for (const [namespace, entries] of Object.entries(doc.metadata)) {
      if (typeof entries !== 'object' || entries === null) continue;
      for (const [key, value] of Object.entries(entries)) {
        meta.setOther(
          `metadata.${namespace}.${key}`,
          typeof value === 'string' ? value : JSON.stringify(value),
        );
      }
    }
  }

  // Each field read once: documents come in many shapes, so every read is a generic lookup.
  const { name: xrayName, origin, namespace, http, aws, sql } = doc;
  tagUpstream(doc, meta);
  const { traceId, tid } = trace.traceId;
  if (tid !== undefined) meta.setOwn(META['_dd.p.tid'], tid);
  meta.setOwn(META[ORIGIN_TAG], 'xray');
  meta.setOwn(META['xray.trace_id'], trace.xrayTraceId);
  meta.setOwn(META['xray.segment_id'], doc.id);
  meta.setOwn(META['xray.name'], xrayName);
  meta.setOwn(META['xray.kind'], segment ? 'segment' : 'subsegment');
  if (origin !== undefined) meta.setOwn(META['xray.origin'], origin);
  if (namespace !== undefined) meta.setOwn(META['xray.namespace'], namespace);
  if (doc.inferred === true) meta.setOwn(META['xray.inferred'], 'true');
  if (doc.resource_arn !== undefined) meta.setOwn(META['xray.resource_arn'], doc.resource_arn);
  if (doc.user !== undefined) meta.setOwn(META['usr.id'], doc.user);
  const version = doc.service?.version;
  if (version !== undefined) meta.setOwn(META['version'], version);

  if (aws !== undefined) tagAws(doc, aws, meta, metrics);
  if (sql !== undefined) tagSql(sql, xrayName, meta);
  // After aws and sql, which name the peer more precisely than the URL's host.
  if (http !== undefined)
    tagHttp(
      http,
      !segment && namespace !== undefined && lowerNamespace(namespace) === 'remote',
      meta,
      metrics,
    );
  const error = tagError(doc, conversion.exception, meta, metrics);
  if (segment) metrics.setOwn(METRICS['_sampling_priority_v1'], USER_KEEP);

  const inProgress = doc.in_progress === true || doc.end_time === undefined;
  if (inProgress) meta.setOwn(META['xray.in_progress'], 'true');
  const clock = conversion.clock;
  clock.measure(doc.start_time, inProgress ? undefined : doc.end_time);

  const kind = spanKind(doc, segment);
  return {
    trace_id: traceId,
    span_id: spanId,
    parent_id: parentId,
    name: kind.name,
    service: trace.service,
    resource:
      sql !== undefined
        ? (sql.sanitized_query ?? xrayName)
        : (awsResource(aws) ?? httpResource(http) ?? xrayName),
    type: kind.type,
    start: clock.start,
    duration: clock.duration,
    error,
    meta: meta.take(),
    metrics: metrics.take(),
  };
}
