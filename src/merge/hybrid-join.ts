/**
 * The hybrid join: an invocation whose Datadog context came from upstream (a host service traced by
 * Datadog, an event) reports that context to X-Ray in a `datadog-metadata` subsegment under its
 * function segment. This puts the X-Ray spans of such an invocation into that upstream Datadog
 * trace, as Datadog's own backend does with the same subsegment:
 *
 * ```
 * checkout-web  http.request            (upstream span = metadata parent-id)
 * └─ X-Ray      API Gateway stage       (top X-Ray span: parent-id set to the upstream span)
 *    └─ X-Ray   Lambda service segment
 *       └─ X-Ray Lambda function segment (the metadata subsegment's parent)
 *          ├─ X-Ray   datadog-metadata
 *          └─ Datadog aws.lambda          (was under the upstream span; moved here)
 *             └─ Datadog the function's own spans
 * ```
 *
 * - Every span converted from that X-Ray trace takes the metadata's `trace-id` (both id modes) and,
 *   on segments, its sampling priority. `_dd.p.tid` becomes the upstream trace's: from a 128-bit
 *   `trace-id`, else from the upstream's Datadog spans in the input; without either it is removed
 *   (the X-Ray one names another trace).
 * - The top X-Ray span gets `parent-id` as its parent.
 * - The function's `aws.lambda` span, whose Datadog parent is also `parent-id` (directly, or through
 *   the inferred managed-service spans the wrapper puts between them), moves under the
 *   function segment; `_merge.datadog_parent_id` keeps the parent Datadog recorded. It is found by
 *   its `aws.xray.trace_id` tag (set by this package's wrapper), else as the `aws.lambda` span under
 *   `parent-id` that starts within the function segment.
 * - With inferred spans between them (`aws.sqs`, `aws.sns`, `aws.apigateway`, …), the X-Ray part
 *   takes `aws.lambda`'s place under the innermost of them: upstream → `aws.sqs` → Lambda service
 *   segment → function segment → `aws.lambda`, rather than `aws.sqs` left without children beside
 *   the X-Ray part. (An `aws.apigateway` span that stands for the same request as X-Ray's stage
 *   segment is then removed by the duplicate-hop step, and the stage hangs under the upstream span.)
 * - An X-Ray trace holding invocations of different upstream traces (batch, fan-out) is split: each
 *   function segment's subtree follows its own metadata (its old parent in `_merge.xray_parent_id`),
 *   the rest stays in the X-Ray trace. Nothing joins two upstream traces.
 * - Without metadata nothing changes. Malformed metadata joins nothing and is reported.
 *
 * Pure: the input spans are not changed; changed spans are new objects.
 *
 * @example
 * const { spans, report } = joinHybrid([...xraySpans, ...datadogSpans]);
 * report.invocations.length; // invocations put into an upstream Datadog trace
 */

import { readUpstreamTag, UPSTREAM_TAG, type UpstreamContext } from './datadog-metadata.ts';
import { compareIds } from './order.ts';
import { type DatadogSpan, spanOrigin } from './span.ts';

/** The tag this package's wrapper puts on `aws.lambda`: the invocation's X-Ray trace id. */
export const XRAY_TRACE_ID_TAG = 'aws.xray.trace_id';
/** On a moved `aws.lambda` span: the parent dd-trace gave it (the upstream span). */
export const DATADOG_PARENT_TAG = '_merge.datadog_parent_id';
/** On a function segment split off its X-Ray trace: the parent it had there. */
export const XRAY_PARENT_TAG = '_merge.xray_parent_id';

const SAMPLING_PRIORITY = '_sampling_priority_v1';
/** The tag every inferred managed-service span carries (datadog-lambda-js's and this package's). */
const INFERRED_SOURCE_TAG = '_inferred_span.tag_source';
const TID = '_dd.p.tid';

export interface JoinedInvocation {
  /** The X-Ray trace id, X-Ray's own form. */
  readonly xray_trace_id: string;
  /** The function segment's span id. */
  readonly function_span_id: string;
  /** The upstream Datadog trace the invocation joined. */
  readonly trace_id: string;
  /** The upstream span that made the call. */
  readonly parent_id: string;
  /** The `aws.lambda` span placed under the function segment, when it was in the input. */
  readonly lambda_span_id?: string;
  /** Whether the upstream span itself was in the input. */
  readonly upstream_in_input: boolean;
}

export interface MalformedMetadata {
  readonly xray_trace_id: string;
  /** The `datadog-metadata` subsegment's span id. */
  readonly span_id: string;
  readonly reason: string;
}

export interface HybridJoinReport {
  readonly invocations: readonly JoinedInvocation[];
  readonly malformed: readonly MalformedMetadata[];
  /** X-Ray traces whose invocations named different upstream traces, split between them. */
  readonly split: ReadonlyArray<{ readonly xray_trace_id: string; readonly trace_ids: readonly string[] }>;
}

export interface HybridJoinResult {
  readonly spans: DatadogSpan[];
  readonly report: HybridJoinReport;
}

export const EMPTY_HYBRID_REPORT: HybridJoinReport = Object.freeze({
  invocations: Object.freeze([]),
  malformed: Object.freeze([]),
  split: Object.freeze([]),
}) as HybridJoinReport;

interface Link {
  readonly functionSpanId: string;
  readonly context: UpstreamContext;
}

export function joinHybrid(input: readonly DatadogSpan[]): HybridJoinResult {
  // Most inputs have no metadata: one cheap pass, no copies.
  let any = false;
  for (let i = 0; i < input.length && !any; i += 1) {
    any = (input[i] as DatadogSpan).meta[UPSTREAM_TAG] !== undefined;
  }
  if (!any) return { spans: input.slice(), report: EMPTY_HYBRID_REPORT };

  const groups = new Map<string, DatadogSpan[]>();
  for (const span of input) {
    if (spanOrigin(span) !== 'xray') continue;
    const key = span.meta['xray.trace_id'] ?? `datadog:${span.trace_id}`;
    const group = groups.get(key);
    if (group) group.push(span);
    else groups.set(key, [span]);
  }

  const replaced = new Map<DatadogSpan, DatadogSpan>();
  const moved: Array<{ span: DatadogSpan; context: UpstreamContext }> = [];
  let movedIndex: Map<string, Map<string, DatadogSpan>> | undefined;
  const invocations: Array<
    Omit<JoinedInvocation, 'lambda_span_id' | 'upstream_in_input'> & { start: bigint; end: bigint }
  > = [];
  const malformed: MalformedMetadata[] = [];
  const split: Array<{ xray_trace_id: string; trace_ids: string[] }> = [];

  for (const [xrayTraceId, group] of groups) {
    const links = linksOf(xrayTraceId, group, malformed);
    if (links.length === 0) continue;
    const byId = new Map(group.map((span) => [span.span_id, span]));
    const children = childrenOf(group);
    const traceIds = [...new Set(links.map((link) => link.context.traceId))].sort(compareIds);

    const move = (span: DatadogSpan, context: UpstreamContext, parentId = span.parent_id) => {
      // Nested invocations: the innermost link's subtree was moved first.
      if (replaced.has(span)) return;
      const copy = { ...span, trace_id: context.traceId, parent_id: parentId, meta: { ...span.meta } };
      if (parentId !== span.parent_id && span.parent_id !== '0') copy.meta[XRAY_PARENT_TAG] = span.parent_id;
      if (context.samplingPriority !== undefined && span.metrics[SAMPLING_PRIORITY] !== undefined) {
        copy.metrics = { ...span.metrics, [SAMPLING_PRIORITY]: context.samplingPriority };
      }
      replaced.set(span, copy);
      moved.push({ span: copy, context });
    };

    if (traceIds.length === 1) {
      // One upstream trace: the whole X-Ray trace joins it; each root hangs under the call of the
      // earliest invocation beneath it (of all invocations when none is beneath it).
      const rootOf = (id: string): string => {
        let current = id;
        for (let steps = 0; steps < group.length; steps += 1) {
          const parent = byId.get(current)?.parent_id;
          if (parent === undefined || parent === '0' || !byId.has(parent)) return current;
          current = parent;
        }
        return current;
      };
      const ordered = [...links].sort((a, b) => compareByStart(byId, a.functionSpanId, b.functionSpanId));
      const linkOfRoot = new Map<string, Link>();
      for (const link of ordered) {
        const root = rootOf(link.functionSpanId);
        if (!linkOfRoot.has(root)) linkOfRoot.set(root, link);
      }
      const first = ordered[0] as Link;
      for (const span of group) {
        if (span.parent_id !== '0') move(span, first.context);
        else {
          const { context } = linkOfRoot.get(span.span_id) ?? first;
          move(span, context, context.parentId);
        }
      }
    } else {
      // Several upstream traces: each invocation's subtree follows its own; the rest stays.
      split.push({ xray_trace_id: xrayTraceId, trace_ids: traceIds });
      // Innermost invocations first, so a nested one keeps its own upstream.
      const depth = (id: string): number => {
        let n = 0;
        for (let p = byId.get(id)?.parent_id; p !== undefined && n < group.length; p = byId.get(p)?.parent_id)
          n += 1;
        return n;
      };
      for (const link of [...links].sort((a, b) => depth(b.functionSpanId) - depth(a.functionSpanId))) {
        const top = byId.get(link.functionSpanId);
        if (top !== undefined) move(top, link.context, link.context.parentId);
        for (const span of subtree(link.functionSpanId, children)) move(span, link.context);
      }
    }

    for (const link of links) {
      const fn = byId.get(link.functionSpanId);
      invocations.push({
        xray_trace_id: xrayTraceId,
        function_span_id: link.functionSpanId,
        trace_id: link.context.traceId,
        parent_id: link.context.parentId,
        start: fn?.start ?? 0n,
        end: fn === undefined ? 0n : fn.start + fn.duration,
      });
    }
  }

  // The Datadog side: the upstream spans, their `_dd.p.tid`, and the `aws.lambda` spans to move.
  const datadogByTrace = new Map<string, DatadogSpan[]>();
  for (const span of input) {
    if (spanOrigin(span) !== 'datadog') continue;
    const list = datadogByTrace.get(span.trace_id);
    if (list) list.push(span);
    else datadogByTrace.set(span.trace_id, [span]);
  }
  const tidOf = (traceId: string): string | undefined =>
    datadogByTrace.get(traceId)?.find((span) => span.meta[TID] !== undefined)?.meta[TID];
  for (const { span, context } of moved) {
    const tid = context.tid ?? tidOf(context.traceId);
    if (tid !== undefined) span.meta[TID] = tid;
    else delete span.meta[TID];
  }

  const used = new Set<DatadogSpan>();
  const joined: JoinedInvocation[] = [];
  for (const invocation of invocations) {
    const { start, end, ...facts } = invocation;
    const spans = datadogByTrace.get(invocation.trace_id) ?? [];
    const lambda = lambdaSpanOf(invocation, spans, used);
    if (lambda !== undefined) {
      used.add(lambda);
      replaced.set(lambda, {
        ...lambda,
        parent_id: invocation.function_span_id,
        meta: { ...lambda.meta, [DATADOG_PARENT_TAG]: lambda.parent_id },
      });
      if (lambda.parent_id !== invocation.parent_id) {
        const inferred = spans.find((s) => s.span_id === lambda.parent_id);
        if (inferred?.meta[INFERRED_SOURCE_TAG] !== undefined)
          hangXRayPartUnder(invocation, inferred.span_id);
      }
    }
    joined.push({
      ...facts,
      ...(lambda !== undefined ? { lambda_span_id: lambda.span_id } : {}),
      upstream_in_input: spans.some((span) => span.span_id === invocation.parent_id),
    });
  }

  return {
    spans: input.map((span) => replaced.get(span) ?? span),
    report: {
      invocations: joined.sort(
        (a, b) =>
          compareIds(a.trace_id, b.trace_id) ||
          a.xray_trace_id.localeCompare(b.xray_trace_id) ||
          compareIds(a.function_span_id, b.function_span_id),
      ),
      malformed: malformed.sort(
        (a, b) => a.xray_trace_id.localeCompare(b.xray_trace_id) || compareIds(a.span_id, b.span_id),
      ),
      split: split.sort((a, b) => a.xray_trace_id.localeCompare(b.xray_trace_id)),
    },
  };

  /**
   * Re-parents the moved top X-Ray span above this invocation's function segment, hung on the
   * upstream span, onto `parentId` (the innermost inferred span). First invocation first: when two
   * invocations share one top span, the earliest keeps it, as it does the upstream parent.
   */
  function hangXRayPartUnder(invocation: (typeof invocations)[number], parentId: string): void {
    const copies = movedByXRayTrace().get(invocation.xray_trace_id) ?? new Map<string, DatadogSpan>();
    let at = copies.get(invocation.function_span_id);
    for (let steps = 0; at !== undefined && steps <= copies.size; steps += 1) {
      if (at.parent_id === invocation.parent_id) {
        at.parent_id = parentId;
        return;
      }
      at = copies.get(at.parent_id);
    }
  }

  /** The moved X-Ray spans by X-Ray trace and span id, indexed once, on first need. */
  function movedByXRayTrace(): Map<string, Map<string, DatadogSpan>> {
    if (movedIndex) return movedIndex;
    movedIndex = new Map();
    for (const { span } of moved) {
      const key = span.meta['xray.trace_id'] ?? `datadog:${span.trace_id}`;
      const copies = movedIndex.get(key);
      if (copies) copies.set(span.span_id, span);
      else movedIndex.set(key, new Map([[span.span_id, span]]));
    }
    return movedIndex;
  }

  /** The `aws.lambda` span of one invocation among the upstream trace's Datadog spans. */
  function lambdaSpanOf(
    invocation: (typeof invocations)[number],
    spans: readonly DatadogSpan[],
    taken: ReadonlySet<DatadogSpan>,
  ): DatadogSpan | undefined {
    const byId = new Map(spans.map((span) => [span.span_id, span]));
    const under = spans.filter((span) => !taken.has(span) && hangsUnder(span, invocation.parent_id, byId));
    const tagged = under.filter((span) => span.meta[XRAY_TRACE_ID_TAG] === invocation.xray_trace_id);
    const closest = (candidates: DatadogSpan[]) =>
      candidates.sort(
        (a, b) =>
          compareAbs(a.start - invocation.start, b.start - invocation.start) ||
          compareIds(a.span_id, b.span_id),
      )[0];
    if (tagged.length > 0) return closest(tagged);
    // Without the tag (other libraries): the aws.lambda span that starts within the function segment.
    return closest(
      under.filter(
        (span) =>
          span.name === 'aws.lambda' &&
          span.meta[XRAY_TRACE_ID_TAG] === undefined &&
          invocation.end > invocation.start &&
          span.start >= invocation.start &&
          span.start <= invocation.end,
      ),
    );
  }
}

/**
 * Whether `span`'s parent is `parentId`, directly or through inferred managed-service spans (the
 * wrapper's `aws.apigateway`, `aws.sqs`, …, tagged `_inferred_span.tag_source`) between them.
 */
function hangsUnder(span: DatadogSpan, parentId: string, byId: ReadonlyMap<string, DatadogSpan>): boolean {
  let at: DatadogSpan | undefined = span;
  for (let depth = 0; at !== undefined && depth < 4; depth += 1) {
    if (at.parent_id === parentId) return true;
    const parent = byId.get(at.parent_id);
    at = parent?.meta[INFERRED_SOURCE_TAG] !== undefined ? parent : undefined;
  }
  return false;
}

/** The valid links of one X-Ray trace; malformed metadata is reported. */
function linksOf(xrayTraceId: string, group: readonly DatadogSpan[], malformed: MalformedMetadata[]): Link[] {
  const byFunction = new Map<string, Link | null>();
  const metadataSpans = group
    .filter((span) => span.meta[UPSTREAM_TAG] !== undefined)
    .sort((a, b) => compareIds(a.span_id, b.span_id));
  for (const span of metadataSpans) {
    const reading = readUpstreamTag(span.meta[UPSTREAM_TAG] as string);
    if ('malformed' in reading) {
      malformed.push({ xray_trace_id: xrayTraceId, span_id: span.span_id, reason: reading.malformed });
      continue;
    }
    if (span.parent_id === '0') {
      malformed.push({
        xray_trace_id: xrayTraceId,
        span_id: span.span_id,
        reason: 'the datadog-metadata subsegment has no parent (function) segment',
      });
      continue;
    }
    const previous = byFunction.get(span.parent_id);
    if (previous === undefined) {
      byFunction.set(span.parent_id, { functionSpanId: span.parent_id, context: reading.context });
    } else if (previous !== null && !sameContext(previous.context, reading.context)) {
      // Two different upstream contexts for one invocation: neither can be trusted.
      byFunction.set(span.parent_id, null);
      malformed.push({
        xray_trace_id: xrayTraceId,
        span_id: span.span_id,
        reason: `conflicts with another datadog-metadata subsegment of function segment ${span.parent_id}`,
      });
    }
  }
  return [...byFunction.values()].filter((link): link is Link => link !== null);
}

function sameContext(a: UpstreamContext, b: UpstreamContext): boolean {
  return a.traceId === b.traceId && a.parentId === b.parentId && a.tid === b.tid;
}

function childrenOf(group: readonly DatadogSpan[]): Map<string, DatadogSpan[]> {
  const children = new Map<string, DatadogSpan[]>();
  for (const span of group) {
    const list = children.get(span.parent_id);
    if (list) list.push(span);
    else children.set(span.parent_id, [span]);
  }
  return children;
}

/** The descendants of a span id (not the span itself), each once even if the links loop. */
function subtree(id: string, children: ReadonlyMap<string, DatadogSpan[]>): DatadogSpan[] {
  const out: DatadogSpan[] = [];
  const seen = new Set<string>([id]);
  const stack = [id];
  while (stack.length > 0) {
    for (const child of children.get(stack.pop() as string) ?? []) {
      if (seen.has(child.span_id)) continue;
      seen.add(child.span_id);
      out.push(child);
      stack.push(child.span_id);
    }
  }
  return out;
}

function compareByStart(byId: ReadonlyMap<string, DatadogSpan>, a: string, b: string): number {
  const x = byId.get(a)?.start;
  const y = byId.get(b)?.start;
  if (x !== undefined && y !== undefined && x !== y) return x < y ? -1 : 1;
  if (x === undefined && y !== undefined) return 1;
  if (y === undefined && x !== undefined) return -1;
  return compareIds(a, b);
}

function compareAbs(a: bigint, b: bigint): number {
  const x = a < 0n ? -a : a;
  const y = b < 0n ? -b : b;
  return x < y ? -1 : x > y ? 1 : 0;
}
