/**
 * X-Ray spans + Datadog spans -> whole traces, grouped by Datadog trace id. Nothing here is fatal:
 * what does not fit is kept and reported.
 *
 * - **duplicates**: spans with the same trace and span id. One is kept, chosen by content so the
 *   choice never depends on input order: a finished span over an in-progress one, then the
 *   longer, then the Datadog copy over the X-Ray one, then the first in canonical JSON order.
 * - **orphans**: a `parent_id` that is not 0 and not a span of the trace.
 * - **cycles**: parent links that loop (a span that is its own ancestor).
 * - **clock skew**: a child that starts before its parent, or ends after it, by more than the
 *   tolerance (default 1 ms). Async work legitimately outlives its parent; it is reported, not fixed.
 *
 * - **hybrid join** (first, `hybrid-join.ts`): X-Ray invocations that reported an upstream Datadog
 *   context in a `datadog-metadata` subsegment join that Datadog trace; orphans whose parent is
 *   such an upstream span, absent from the input, are marked `upstream: true`.
 * - **no hop twice** (after the hybrid join, `api-gateway-hop.ts`): an inferred API Gateway span
 *   and X-Ray's stage segment of the same request are one span.
 * - **env/version** (last, `environment.ts`): X-Ray spans take `options.env`, or the one `env` and
 *   `version` the trace's Datadog spans agree on.
 *
 * Traces come out ordered by their earliest span, then trace id; spans by start, then span id.
 *
 * @example
 * const { traces, report } = joinSpans([...xraySpans, ...datadogSpans]);
 * report.orphans.length; // 0 when every parent was found
 */

import { type RemovedHop, removeDuplicateHops } from './api-gateway-hop.ts';
import { tagEnvironment } from './environment.ts';
import { EMPTY_HYBRID_REPORT, type HybridJoinReport, joinHybrid } from './hybrid-join.ts';
import { compareBigInts, compareIds, compareSpansInTrace } from './order.ts';
import { type DatadogSpan, spanOrigin } from './span.ts';
import { formatSpanJson } from './span-json.ts';

export interface JoinOptions {
  /** How far a child may start before or end after its parent before it is reported, in ns. */
  readonly skewToleranceNs?: bigint;
  /** Put X-Ray invocations into the upstream Datadog trace their metadata names (default true). */
  readonly hybrid?: boolean;
  /** `env` for every X-Ray span; default: the one the trace's Datadog spans agree on. */
  readonly env?: string;
  /**
   * Remove an inferred API Gateway span that X-Ray's stage segment already records (default true;
   * `api-gateway-hop.ts`).
   */
  readonly dedupeHops?: boolean;
}

export interface Orphan extends SpanRef {
  readonly parent_id: string;
  /** The parent is the upstream span an invocation's datadog-metadata named, and it is not in the input. */
  readonly upstream?: true;
}

export interface SpanRef {
  readonly trace_id: string;
  readonly span_id: string;
  readonly name: string;
}

export interface JoinReport {
  readonly traces: number;
  readonly spans: number;
  readonly orphans: readonly Orphan[];
  /** What the hybrid join did: invocations joined to upstream traces, malformed metadata. */
  readonly hybrid: HybridJoinReport;
  /** Inferred API Gateway spans removed because X-Ray's stage segment records the same hop. */
  readonly duplicateHops: readonly RemovedHop[];
  readonly duplicates: ReadonlyArray<{
    readonly trace_id: string;
    readonly span_id: string;
    readonly dropped: number;
  }>;
  readonly cycles: ReadonlyArray<{ readonly trace_id: string; readonly span_ids: readonly string[] }>;
  readonly clockSkew: ReadonlyArray<
    SpanRef & {
      readonly parent_id: string;
      /** How long before its parent's start the child starts (ns), when it does. */
      readonly startsEarlyBy?: bigint;
      /** How long after its parent's end the child ends (ns), when it does. */
      readonly endsLateBy?: bigint;
    }
  >;
}

export interface JoinResult {
  readonly traces: DatadogSpan[][];
  readonly report: JoinReport;
}

export const DEFAULT_SKEW_TOLERANCE_NS = 1_000_000n;

export function joinSpans(spans: Iterable<DatadogSpan>, options: JoinOptions = {}): JoinResult {
  const tolerance = options.skewToleranceNs ?? DEFAULT_SKEW_TOLERANCE_NS;
  const hybrid =
    options.hybrid === false
      ? { spans: [...spans], report: EMPTY_HYBRID_REPORT }
      : joinHybrid(Array.isArray(spans) ? spans : [...spans]);
  const upstreamParents = new Set(
    hybrid.report.invocations
      .filter((invocation) => !invocation.upstream_in_input)
      .map((invocation) => `${invocation.trace_id}/${invocation.parent_id}`),
  );
  const hops =
    options.dedupeHops === false ? { spans: hybrid.spans, removed: [] } : removeDuplicateHops(hybrid.spans);
  const byTrace = new Map<string, Map<string, DatadogSpan[]>>();
  for (const span of hops.spans) {
    let trace = byTrace.get(span.trace_id);
    if (!trace) {
      trace = new Map();
      byTrace.set(span.trace_id, trace);
    }
    const copies = trace.get(span.span_id);
    if (copies) copies.push(span);
    else trace.set(span.span_id, [span]);
  }

  const traces: DatadogSpan[][] = [];
  const orphans: Orphan[] = [];
  const duplicates: Array<{ trace_id: string; span_id: string; dropped: number }> = [];
  const cycles: Array<{ trace_id: string; span_ids: string[] }> = [];
  const clockSkew: Array<SpanRef & { parent_id: string; startsEarlyBy?: bigint; endsLateBy?: bigint }> = [];

  for (const [traceId, bySpan] of byTrace) {
    const kept = new Map<string, DatadogSpan>();
    for (const [spanId, copies] of bySpan) {
      if (copies.length > 1)
        duplicates.push({ trace_id: traceId, span_id: spanId, dropped: copies.length - 1 });
      kept.set(spanId, copies.length === 1 ? (copies[0] as DatadogSpan) : pickOne(copies));
    }
    const trace = tagEnvironment([...kept.values()], options).sort(compareSpansInTrace);
    for (const span of trace) {
      if (span.parent_id === '0') continue;
      const parent = kept.get(span.parent_id);
      if (!parent) {
        orphans.push({
          ...ref(span),
          parent_id: span.parent_id,
          ...(upstreamParents.has(`${traceId}/${span.parent_id}`) ? { upstream: true as const } : {}),
        });
        continue;
      }
      const skew = skewOf(span, parent, tolerance);
      if (skew) clockSkew.push({ ...ref(span), parent_id: parent.span_id, ...skew });
    }
    for (const cycle of findCycles(trace, kept)) cycles.push({ trace_id: traceId, span_ids: cycle });
    traces.push(trace);
  }

  traces.sort(
    (a, b) =>
      compareBigInts((a[0] as DatadogSpan).start, (b[0] as DatadogSpan).start) ||
      compareIds((a[0] as DatadogSpan).trace_id, (b[0] as DatadogSpan).trace_id),
  );
  const byTraceOrder = (x: { trace_id: string }, y: { trace_id: string }) =>
    compareIds(x.trace_id, y.trace_id);
  return {
    traces,
    report: {
      traces: traces.length,
      spans: traces.reduce((sum, trace) => sum + trace.length, 0),
      orphans: orphans.sort(byTraceOrder),
      hybrid: hybrid.report,
      duplicateHops: hops.removed,
      duplicates: duplicates.sort((x, y) => byTraceOrder(x, y) || compareIds(x.span_id, y.span_id)),
      cycles: cycles.sort(byTraceOrder),
      clockSkew: clockSkew.sort(byTraceOrder),
    },
  };
}

function ref(span: DatadogSpan): SpanRef {
  return { trace_id: span.trace_id, span_id: span.span_id, name: span.name };
}

function inProgress(span: DatadogSpan): boolean {
  return span.meta['xray.in_progress'] === 'true';
}

/** The copy to keep among spans sharing an id; depends only on their content. */
function pickOne(copies: DatadogSpan[]): DatadogSpan {
  const ranked = copies
    .map((span) => ({ span, text: formatSpanJson(span) }))
    .sort(
      (a, b) =>
        Number(inProgress(a.span)) - Number(inProgress(b.span)) ||
        compareBigInts(b.span.duration, a.span.duration) ||
        Number(spanOrigin(a.span) === 'xray') - Number(spanOrigin(b.span) === 'xray') ||
        (a.text < b.text ? -1 : a.text > b.text ? 1 : 0),
    );
  return (ranked[0] as { span: DatadogSpan }).span;
}

function skewOf(
  child: DatadogSpan,
  parent: DatadogSpan,
  tolerance: bigint,
): { startsEarlyBy?: bigint; endsLateBy?: bigint } | undefined {
  const early = parent.start - child.start;
  const skew: { startsEarlyBy?: bigint; endsLateBy?: bigint } = {};
  if (early > tolerance) skew.startsEarlyBy = early;
  // An in-progress parent has no known end.
  if (!inProgress(parent)) {
    const late = child.start + child.duration - (parent.start + parent.duration);
    if (late > tolerance) skew.endsLateBy = late;
  }
  return skew.startsEarlyBy !== undefined || skew.endsLateBy !== undefined ? skew : undefined;
}

/** Every parent-link loop in the trace, each once, as its span ids in ascending order. */
function findCycles(trace: readonly DatadogSpan[], byId: ReadonlyMap<string, DatadogSpan>): string[][] {
  const state = new Map<string, 'walking' | 'done'>();
  const cycles: string[][] = [];
  for (const start of trace) {
    const path: string[] = [];
    let id: string | undefined = start.span_id;
    while (id !== undefined && !state.has(id)) {
      state.set(id, 'walking');
      path.push(id);
      const parent: string | undefined = byId.get(id)?.parent_id;
      id = parent !== undefined && parent !== '0' && byId.has(parent) ? parent : undefined;
    }
    if (id !== undefined && state.get(id) === 'walking') {
      cycles.push(path.slice(path.indexOf(id)).sort(compareIds));
    }
    for (const walked of path) state.set(walked, 'done');
  }
  return cycles;
}
