/**
 * The Datadog parent an X-Ray trace header implies: trace id from the Root, parent id from the
 * Parent (the function segment's id), priority from Sampled. Pure.
 */

import type { DatadogContext } from '../tracer/dd-trace.ts';
import { canParent, type ParentableTraceHeader, type TraceHeader } from '../xray/header.ts';
import {
  datadogSpanId,
  datadogTraceId,
  samplingPriority,
  type TraceIdMode,
  type XRaySampling,
} from '../xray/ids.ts';

export interface IdSettings {
  readonly traceIdMode: TraceIdMode;
  readonly sampling: XRaySampling;
}

export function xrayParent(header: TraceHeader, settings: IdSettings): DatadogContext | undefined {
  if (!canParent(header)) return undefined;
  return datadogContextOf(header, settings);
}

export function datadogContextOf(header: ParentableTraceHeader, settings: IdSettings): DatadogContext {
  const { traceId, tid } = datadogTraceId(header.root, settings.traceIdMode);
  const priority = samplingPriority(header.sampled, settings.sampling);
  // Only the fields that are there, set directly: this runs on every invocation.
  const context: { traceId: string; parentId: string; samplingPriority?: number; tid?: string } = {
    traceId,
    parentId: datadogSpanId(header.parent),
  };
  if (priority !== undefined) context.samplingPriority = priority;
  if (tid !== undefined) context.tid = tid;
  return context;
}
