/**
 * X-Ray segment documents -> Datadog spans. Pure and deterministic: the same documents, in any
 * order, give the same spans in the same order, so a re-sent window is idempotent.
 *
 * Every segment and every subsegment (nested in `subsegments`, or standalone with `parent_id`)
 * becomes one span:
 * - `trace_id` from the X-Ray trace id through `xray/ids` (`compat` or `full128`; full128 also puts
 *   `_dd.p.tid` in meta), `span_id` from the segment id, `parent_id` from the nesting or the
 *   document's `parent_id`, `0` for a root. The function segment's id (origin
 *   `AWS::Lambda::Function`) is the `Parent` the runtime saw, so the runtime's `aws.lambda` span
 *   nests under it with no extra step.
 * - `start`/`duration` in integer nanoseconds, computed in decimal from the shortest text of the
 *   float seconds (no binary float error), rounded half up at the nanosecond.
 * - An `in_progress` document has duration 0 and `xray.in_progress: "true"`: deterministic, unlike
 *   "until now".
 * - `name`/`type`/`resource` from `origin` (`AWS::Lambda::Function` -> `aws.lambda.function`,
 *   `serverless`; `AWS::Lambda` -> `aws.lambda.service`, never the runtime's `aws.lambda`), or for subsegments from `sql` (`sql.query`), the `aws` namespace (`aws.request`,
 *   as dd-trace names SDK calls) and remote `http` (`http.request`).
 * - `fault`/`error`/`throttle` or a `cause` -> `error: 1` with `error.message`/`error.type`/
 *   `error.stack` from the first exception (a cause that is an exception id is looked up across the
 *   trace).
 * - Annotations become tags under their own key (strings and booleans in meta, numbers in metrics);
 *   the converter's own tags win a clash. A `datadog-metadata` subsegment's `metadata.datadog.trace`
 *   is always kept, as JSON in `_merge.upstream`, for the hybrid join. Other metadata only with `includeMetadata`, as
 *   `metadata.<namespace>.<key>`.
 * - Every span carries `meta[ORIGIN_TAG] = 'xray'`, `xray.trace_id` and `xray.segment_id`.
 *
 * @example
 * const { spans, skipped } = convertDocuments([documentJson], { idMode: 'compat' });
 */

import { type DatadogTraceId, datadogSpanId, datadogTraceId, type TraceIdMode } from '../xray/ids.ts';
import { indexServices, type ServiceIndex, serviceOfStandalone } from './convert/service.ts';
import {
  type Conversion,
  resetSpanParts,
  startConversion,
  type TraceContext,
  toSpan,
} from './convert/span-builder.ts';
import { sortSpans } from './order.ts';
import {
  type DroppedField,
  readSegmentDocument,
  type SegmentDocument,
  type SkippedDocument,
} from './segment-schema.ts';
import type { DatadogSpan } from './span.ts';

export { originSpanName } from './convert/origin.ts';
export { exactSecondsToNanos, secondsToNanos } from './span-time.ts';

export interface ConvertOptions {
  /** How X-Ray trace ids map to Datadog ones; must match the runtime's `DD_XRAY_TRACE_ID_MODE`. */
  readonly idMode?: TraceIdMode;
  /** Copy segment metadata into meta (`metadata.<namespace>.<key>`). Off by default: it can be large or private. */
  readonly includeMetadata?: boolean;
}

export interface ConversionResult {
  readonly spans: DatadogSpan[];
  /** Top-level documents read, valid or not. */
  readonly documents: number;
  /** Documents and nested subsegments left out, with the reason. */
  readonly skipped: SkippedDocument[];
  /** Wrong fields left out of documents that were kept, with the reason. */
  readonly dropped: DroppedField[];
}

/** One trace as `BatchGetTraces` returns it (the SDK's shape, without depending on the SDK). */
export interface XRayTrace {
  readonly Id?: string;
  readonly Segments?: ReadonlyArray<{ readonly Id?: string; readonly Document?: string }>;
}

/** Converts traces as `BatchGetTraces` returns them. */
export function convertTraces(traces: Iterable<XRayTrace>, options: ConvertOptions = {}): ConversionResult {
  const documents: unknown[] = [];
  for (const trace of traces) {
    const segments = trace.Segments;
    if (segments !== undefined) for (const segment of segments) documents.push(segment.Document);
  }
  return convertDocuments(documents, options);
}

/** Converts segment documents (JSON text or parsed objects) of one or more traces. */
export function convertDocuments(
  documents: Iterable<unknown>,
  options: ConvertOptions = {},
): ConversionResult {
  const skipped: SkippedDocument[] = [];
  const dropped: DroppedField[] = [];
  const valid: SegmentDocument[] = [];
  let count = 0;
  for (const input of documents) {
    count += 1;
    const document = readSegmentDocument(input, skipped, dropped);
    if (document !== undefined) valid.push(document);
  }

  const conversion = startConversion(valid, options.idMode ?? 'compat', options.includeMetadata === true);
  const spans: DatadogSpan[] = [];
  try {
    // Documents of one trace mostly come together: the last trace id's mapping is kept.
    let lastXrayTraceId: string | undefined;
    let traceId: DatadogTraceId | undefined;
    for (let i = 0; i < valid.length; i += 1) {
      const document = valid[i] as SegmentDocument;
      const xrayTraceId = document.trace_id as string;
      if (xrayTraceId !== lastXrayTraceId || traceId === undefined) {
        traceId = datadogTraceId(xrayTraceId, conversion.idMode);
        lastXrayTraceId = xrayTraceId;
      }
      const standalone = document.type === 'subsegment';
      const trace: TraceContext = {
        xrayTraceId,
        traceId,
        service: standalone ? serviceOfStandalone(document, servicesOf(conversion)) : document.name,
      };
      const parentId =
        document.parent_id !== undefined ? parentSpanId(document.parent_id, conversion, spans) : '0';
      addSpans(document, parentId, !standalone, trace, conversion, spans);
    }
  } catch (error) {
    resetSpanParts();
    throw error;
  }
  sortSpans(spans);
  return { spans, documents: count, skipped, dropped };
}

/** The document's span, then its subsegments' (each segment id mapped once). */
function addSpans(
  doc: SegmentDocument,
  parentId: string,
  segment: boolean,
  trace: TraceContext,
  conversion: Conversion,
  spans: DatadogSpan[],
): void {
  const spanId = datadogSpanId(doc.id);
  spans.push(toSpan(doc, spanId, parentId, segment, trace, conversion));
  conversion.segmentIds.push(doc.id);
  const children = doc.subsegments;
  // Indexed loops here and below: `for…of` over these short arrays (parsed ones and the frozen
  // empty one) goes through the array iterator, several times the cost of the loop itself.
  for (let i = 0; i < children.length; i += 1) {
    addSpans(children[i] as SegmentDocument, spanId, false, trace, conversion, spans);
  }
}

/** How far back {@link parentSpanId} looks among the spans made so far. */
const PARENT_LOOKBACK = 32;

/**
 * The span id of a document's `parent_id`. The parent is mostly a segment or subsegment of a
 * document just converted (the function segment's parent is the Lambda service segment, an
 * inferred segment's the subsegment of the call), whose span id is then taken as it is instead of
 * being worked out again (a BigInt parse and print, the dearest step of an id).
 */
function parentSpanId(
  parentSegmentId: string,
  conversion: Conversion,
  spans: readonly DatadogSpan[],
): string {
  const segmentIds = conversion.segmentIds;
  const last = segmentIds.length - 1;
  for (let i = last; i >= 0 && i > last - PARENT_LOOKBACK; i -= 1) {
    if (segmentIds[i] === parentSegmentId) return (spans[i] as DatadogSpan).span_id;
  }
  return datadogSpanId(parentSegmentId);
}

/** For every segment and subsegment id of the call: the service of its segment, or where to look for it. */
function servicesOf(conversion: Conversion): ServiceIndex {
  conversion.services ??= indexServices(conversion.documents);
  return conversion.services;
}
