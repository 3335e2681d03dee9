/**
 * Reading a merged trace as a tree, for assertions: the names from the root down to a span.
 *
 * @example
 * assert.deepEqual(ancestry(trace, 'user.work'), ['aws.lambda.function', 'aws.lambda', 'user.work']);
 */

import type { DatadogSpan } from '../../src/merge/span.ts';

/**
 * The span names from the root down to `leaf` (a span, or the name of the first span so named);
 * it stops where a parent is missing or a cycle would repeat a span, so a broken tree still gives
 * an answer to compare.
 */
export function ancestry(trace: readonly DatadogSpan[], leaf: DatadogSpan | string): string[] {
  const byId = new Map(trace.map((s) => [s.span_id, s]));
  const names: string[] = [];
  const seen = new Set<string>();
  for (
    let at = typeof leaf === 'string' ? trace.find((s) => s.name === leaf) : leaf;
    at && !seen.has(at.span_id);
    at = byId.get(at.parent_id)
  ) {
    seen.add(at.span_id);
    names.push(at.name);
  }
  return names.reverse();
}
