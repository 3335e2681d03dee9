/**
 * The one ordering of spans the merger writes: by trace id, then start, then span id, all
 * compared as numbers. Output order never depends on input order, so re-sent windows are identical.
 */

import type { DatadogSpan } from './span.ts';

export function compareIds(a: string, b: string): number {
  // Decimal ids without leading zeros: the longer one is larger; equal lengths compare as text.
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareBigInts(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Spans of one trace: earliest first, ties by span id. */
export function compareSpansInTrace(a: DatadogSpan, b: DatadogSpan): number {
  return compareBigInts(a.start, b.start) || compareIds(a.span_id, b.span_id);
}

export function compareSpans(a: DatadogSpan, b: DatadogSpan): number {
  return compareIds(a.trace_id, b.trace_id) || compareSpansInTrace(a, b);
}

/** Spans shorter than this are sorted by insertion, without a comparator call per comparison. */
const INSERTION_SORT_MAX = 32;

/**
 * Sorts spans in place by {@link compareSpans}, as `spans.sort(compareSpans)` does (stably); one
 * trace's few spans by insertion, which is quicker than the general sort there.
 */
export function sortSpans(spans: DatadogSpan[]): DatadogSpan[] {
  if (spans.length > INSERTION_SORT_MAX) return spans.sort(compareSpans);
  for (let i = 1; i < spans.length; i += 1) {
    const span = spans[i] as DatadogSpan;
    let j = i - 1;
    for (; j >= 0 && compareSpans(spans[j] as DatadogSpan, span) > 0; j -= 1)
      spans[j + 1] = spans[j] as DatadogSpan;
    spans[j + 1] = span;
  }
  return spans;
}
