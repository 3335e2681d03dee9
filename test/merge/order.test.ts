// The merger's one span order: sortSpans (insertion for short arrays) against the plain stable
// sort with compareSpans, over seeded random spans with clashing trace ids, starts and span ids.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compareSpans, sortSpans } from '../../src/merge/order.ts';
import type { DatadogSpan } from '../../src/merge/span.ts';

const id = fc.constantFrom('1', '2', '10', '9', '18446744073709551615', '42');
const span = fc.record({ trace: id, span: id, start: fc.bigInt({ min: 0n, max: 5n }), tag: fc.nat() }).map(
  ({ trace, span, start, tag }): DatadogSpan => ({
    trace_id: trace,
    span_id: span,
    parent_id: '0',
    name: 'n',
    service: 's',
    resource: 'r',
    type: '',
    start,
    duration: 0n,
    error: 0,
    // Tells equal spans apart, so stability shows.
    meta: { tag: String(tag) },
    metrics: {},
  }),
);

describe('sortSpans', () => {
  it('orders as a stable sort with compareSpans, short arrays and long', () => {
    fc.assert(
      fc.property(fc.array(span, { maxLength: 80 }), (spans) => {
        const expected = [...spans].sort(compareSpans);
        assert.deepStrictEqual(sortSpans([...spans]), expected);
      }),
      { seed: 0x50_47, numRuns: 2000 },
    );
  });

  it('orders by trace id, then start, then span id, ids as numbers', () => {
    const [a, b, c] = [
      { trace_id: '10', span_id: '1', start: 0n },
      { trace_id: '9', span_id: '2', start: 5n },
      { trace_id: '9', span_id: '10', start: 5n },
    ].map((s) => ({
      ...s,
      parent_id: '0',
      name: '',
      service: '',
      resource: '',
      type: '',
      duration: 0n,
      error: 0 as const,
      meta: {},
      metrics: {},
    }));
    assert.deepStrictEqual(sortSpans([a!, c!, b!]), [b, c, a]);
  });
});
