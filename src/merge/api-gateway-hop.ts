/**
 * No hop twice. With X-Ray tracing on in API Gateway, X-Ray records the stage as a segment
 * (`AWS::ApiGateway::Stage`); with managed-service spans on, the function's wrapper infers a span for
 * the same stage (`aws.apigateway` / `aws.httpapi`). Merged, the trace would hold the same request's
 * hop twice. The merger is the one place that sees both, so the duplicate is removed here, matched by
 * the API Gateway request id both carry (`aws.api_gateway.request_id` on the X-Ray span,
 * `aws.apigateway.request_id` on the inferred one), in the same trace.
 *
 * The X-Ray span stays: its ids, its name, its place at the top of the X-Ray part (the Lambda invoke
 * hangs under it) and its times (API Gateway's own measure). It takes the inferred span's service and
 * resource (the API's domain and route: the Datadog identity service maps and monitors use; X-Ray's
 * own stay in `_merge.xray_service` and `_merge.xray_resource`) and every tag it lacks, and
 * `_merge.inferred_name` says which inferred span it stands for. The inferred span's children (`aws.lambda`) move to the
 * inferred span's parent (the function segment), where they hang without inferred spans. Spans of
 * different traces (merging off in the function: the inferred span is in a Datadog trace of its own)
 * are never touched. Pure: new span objects, the input untouched.
 *
 * @example
 * const { spans, removed } = removeDuplicateHops([...xraySpans, ...datadogSpans]);
 * removed[0]; // { trace_id, request_id: 'b3b6…', kept_span_id, removed_span_id }
 */

import { type DatadogSpan, spanOrigin } from './span.ts';

/** The tag the inferred span carries its request id in (src/context/inferred/api-gateway.ts). */
export const INFERRED_REQUEST_ID = 'aws.apigateway.request_id';
const XRAY_REQUEST_ID = 'aws.api_gateway.request_id';
const STAGE_ORIGIN = 'AWS::ApiGateway::Stage';
const INFERRED_NAMES = new Set(['aws.apigateway', 'aws.httpapi']);
/** Set on the span that stays: the id of the inferred span it stands for. */
export const MERGED_HOP_TAG = '_merge.inferred_span_id';

export interface RemovedHop {
  readonly trace_id: string;
  readonly request_id: string;
  readonly kept_span_id: string;
  readonly removed_span_id: string;
}

export function removeDuplicateHops(spans: readonly DatadogSpan[]): {
  spans: DatadogSpan[];
  removed: RemovedHop[];
} {
  const stages = new Map<string, DatadogSpan>();
  for (const span of spans) {
    const requestId = span.meta[XRAY_REQUEST_ID];
    if (requestId && spanOrigin(span) === 'xray' && span.meta['xray.origin'] === STAGE_ORIGIN)
      stages.set(`${span.trace_id}/${requestId}`, span);
  }
  if (stages.size === 0) return { spans: [...spans], removed: [] };

  const pairs = new Map<DatadogSpan, DatadogSpan>(); // inferred -> stage
  for (const span of spans) {
    const requestId = span.meta[INFERRED_REQUEST_ID];
    if (!requestId || spanOrigin(span) !== 'datadog' || !INFERRED_NAMES.has(span.name)) continue;
    const stage = stages.get(`${span.trace_id}/${requestId}`);
    if (stage) pairs.set(span, stage);
  }
  if (pairs.size === 0) return { spans: [...spans], removed: [] };

  const removedIds = new Map<string, string>(); // `${trace}/${inferred span id}` -> its parent id
  const merged = new Map<DatadogSpan, DatadogSpan>();
  const removed: RemovedHop[] = [];
  for (const [inferred, stage] of pairs) {
    removedIds.set(`${inferred.trace_id}/${inferred.span_id}`, inferred.parent_id);
    merged.set(stage, {
      ...stage,
      service: inferred.service,
      resource: inferred.resource,
      error: stage.error || inferred.error ? 1 : 0,
      meta: {
        ...inferred.meta,
        ...stage.meta,
        [MERGED_HOP_TAG]: inferred.span_id,
        '_merge.inferred_name': inferred.name,
        '_merge.xray_service': stage.service,
        '_merge.xray_resource': stage.resource,
      },
      metrics: { ...inferred.metrics, ...stage.metrics },
    });
    removed.push({
      trace_id: stage.trace_id,
      request_id: stage.meta[XRAY_REQUEST_ID] as string,
      kept_span_id: stage.span_id,
      removed_span_id: inferred.span_id,
    });
  }

  const out: DatadogSpan[] = [];
  for (const span of spans) {
    if (pairs.has(span)) continue;
    const stage = merged.get(span);
    // A child of a removed span (aws.lambda; after the hybrid join, the stage itself) takes its parent.
    const newParent = removedIds.get(`${span.trace_id}/${span.parent_id}`);
    if (stage) {
      out.push(newParent !== undefined ? { ...stage, parent_id: newParent } : stage);
      continue;
    }
    out.push(newParent !== undefined ? { ...span, parent_id: newParent } : span);
  }
  return { spans: out, removed };
}
