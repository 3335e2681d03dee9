/**
 * The `datadog-metadata` subsegment: how X-Ray learns which Datadog trace an invocation belongs to
 * when that Datadog context did not come from X-Ray itself (an upstream service, an event, a custom
 * extractor), and which trigger tags Datadog put on it.
 *
 * One subsegment per invocation, made when it ends, under the function segment (`parent_id` = the
 * header's Parent) with `start_time == end_time`:
 *
 * - `metadata.datadog.trace`: `{ "trace-id", "parent-id", "sampling-priority" }`, decimal strings. As
 *   in datadog-lambda-js these are the *incoming* Datadog context, so the X-Ray function segment
 *   and the `aws.lambda` span hang under the same upstream span: the span's trace id, the id of the
 *   span's parent, and the span's sampling priority.
 * - `metadata.datadog.lambda_function_tags`: `function_trigger.*` and `http.*` trigger tags.
 *
 * Nothing is made unless X-Ray sampled the invocation (`Sampled=1`) and the header has a Root and a
 * Parent. Pure, apart from the random id and the clock used when none are given.
 *
 * @example
 * const document = metadataSubsegment({
 *   parent: { source: 'event', context: { traceId: '123', parentId: '456' }, xray: header },
 *   enabled: true,
 *   span: { traceId: '123', samplingPriority: '2', tag: () => undefined },
 * });
 * // { name: 'datadog-metadata', type: 'subsegment', trace_id: header.root, parent_id: header.parent,
 * //   metadata: { datadog: { trace: { 'trace-id': '123', 'parent-id': '456', 'sampling-priority': '2' } } }, … }
 */

import type { SpanView } from '../tracer/dd-trace.ts';
import { canParent, type ParentableTraceHeader, type TraceHeader } from './header.ts';

export const METADATA_SUBSEGMENT_NAME = 'datadog-metadata';
export const METADATA_NAMESPACE = 'datadog';

/** The span tags Datadog users expect on X-Ray's side, when the trigger set them. */
export const FUNCTION_TAG_KEYS = [
  'function_trigger.event_source',
  'function_trigger.event_source_arn',
  'http.method',
  'http.url',
  'http.url_details.path',
  'http.route',
  'http.status_code',
] as const;

export interface DatadogTraceMetadata {
  readonly 'trace-id': string;
  readonly 'parent-id': string;
  readonly 'sampling-priority': string;
}

export interface MetadataSubsegment {
  readonly id: string;
  readonly trace_id: string;
  readonly parent_id: string;
  readonly name: typeof METADATA_SUBSEGMENT_NAME;
  readonly start_time: number;
  readonly end_time: number;
  readonly type: 'subsegment';
  readonly metadata: {
    readonly datadog: {
      readonly trace?: DatadogTraceMetadata;
      readonly lambda_function_tags?: Readonly<Record<string, string>>;
    };
  };
}

/** The invocation's parent as the context module chose it (structurally a `ChosenParent`). */
export interface MetadataParent {
  readonly source: string;
  readonly context?: {
    readonly traceId: string;
    readonly parentId: string;
    readonly samplingPriority?: number;
  };
  readonly xray?: TraceHeader;
}

/** What the finished `aws.lambda` span really carries, read through the tracer adapter. */
export type { SpanView };

/** AUTO_KEEP: what datadog-lambda-js sends when the context carries no priority. */
const DEFAULT_PRIORITY = '1';

/**
 * The header a metadata subsegment can be sent under, or undefined: metadata off, no header, not
 * sampled by X-Ray, or no Root+Parent to place it in the trace.
 */
export function metadataHeader(parent: MetadataParent, enabled: boolean): ParentableTraceHeader | undefined {
  const header = parent.xray;
  if (!enabled || header === undefined || header.sampled !== '1' || !canParent(header)) return undefined;
  return header;
}

/**
 * The Datadog context to tell X-Ray about, or undefined when X-Ray already implies it (the parent
 * came from X-Ray), there is none, or dd-trace did not take it (the span's trace id differs).
 */
export function traceMetadata(parent: MetadataParent, span: SpanView): DatadogTraceMetadata | undefined {
  const context = parent.context;
  if (parent.source === 'xray' || context === undefined) return undefined;
  if (span.traceId !== context.traceId) return undefined;
  const priority =
    span.samplingPriority ??
    (context.samplingPriority !== undefined ? String(context.samplingPriority) : DEFAULT_PRIORITY);
  return { 'trace-id': context.traceId, 'parent-id': context.parentId, 'sampling-priority': priority };
}

/** The trigger tags present on the span, as strings; undefined when there are none. */
export function lambdaFunctionTags(tag: (key: string) => unknown): Record<string, string> | undefined {
  let tags: Record<string, string> | undefined;
  for (const key of FUNCTION_TAG_KEYS) {
    const value = tag(key);
    if (typeof value === 'string' ? value.length === 0 : typeof value !== 'number') continue;
    tags ??= {};
    tags[key] = String(value);
  }
  return tags;
}

/** 16 random lowercase hex, an X-Ray subsegment id. */
export function randomSubsegmentId(): string {
  // `node:crypto` on first use, as `node:net` in daemon.ts: at import it would cost a cold start
  // dd-trace's instrumentation of it when dd-trace is initialised first.
  return process.getBuiltinModule('node:crypto').randomBytes(8).toString('hex');
}

export interface MetadataSubsegmentInput {
  readonly parent: MetadataParent;
  /** `DD_XRAY_METADATA`. */
  readonly enabled: boolean;
  readonly span: SpanView;
  /** The subsegment id; random when omitted. */
  readonly id?: string;
  /** Epoch seconds (float); now when omitted. */
  readonly time?: number;
}

/**
 * The invocation's one `datadog-metadata` subsegment, or undefined when there is nothing X-Ray
 * needs to learn or no sampled X-Ray trace to put it in. Only a Datadog context that did not come
 * from X-Ray makes the subsegment; trigger tags ride along in it.
 */
export function metadataSubsegment(input: MetadataSubsegmentInput): MetadataSubsegment | undefined {
  const header = metadataHeader(input.parent, input.enabled);
  if (header === undefined) return undefined;
  const trace = traceMetadata(input.parent, input.span);
  if (trace === undefined) return undefined;
  const functionTags = lambdaFunctionTags(input.span.tag);
  const time = input.time ?? Date.now() / 1000;
  return {
    id: input.id ?? randomSubsegmentId(),
    trace_id: header.root,
    parent_id: header.parent,
    name: METADATA_SUBSEGMENT_NAME,
    start_time: time,
    end_time: time,
    type: 'subsegment',
    metadata: {
      [METADATA_NAMESPACE]: {
        trace,
        ...(functionTags ? { lambda_function_tags: functionTags } : {}),
      },
    },
  };
}
