// Joining X-Ray spans with Datadog spans: one tree when the ids line up, and a report (never an
// exception) for orphans, duplicates, cycles and clock skew.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { convertTraces, type XRayTrace } from '../../src/merge/convert.ts';
import { readDatadogSpans } from '../../src/merge/datadog-input.ts';
import { joinSpans } from '../../src/merge/join.ts';
import { type DatadogSpan, ORIGIN_TAG } from '../../src/merge/span.ts';
import { ancestry } from '../helpers/span-tree.ts';

const checkout = JSON.parse(
  readFileSync(new URL('../fixtures/segments/checkout-trace.json', import.meta.url), 'utf8'),
) as { Traces: XRayTrace[] };
const ddLog = readFileSync(new URL('./fixtures/dd-trace-log.txt', import.meta.url), 'utf8');

function span(fields: Partial<DatadogSpan> & Pick<DatadogSpan, 'span_id'>): DatadogSpan {
  return {
    trace_id: '42',
    parent_id: '0',
    name: 'work',
    service: 'svc',
    resource: 'work',
    type: 'custom',
    start: 1_000_000_000n,
    duration: 100_000_000n,
    error: 0,
    meta: {},
    metrics: {},
    ...fields,
  };
}

describe('join: X-Ray and Datadog halves become one tree', () => {
  it('X-Ray root -> function segment -> aws.lambda -> user span, no orphans', () => {
    const xray = convertTraces(checkout.Traces).spans;
    const datadog = readDatadogSpans(ddLog);
    assert.equal(datadog.spans.length, 2);
    assert.equal(datadog.ignoredLines, 3);
    const { traces, report } = joinSpans([...datadog.spans, ...xray]);

    assert.equal(traces.length, 1);
    const trace = traces[0] as DatadogSpan[];
    assert.equal(trace.length, 11);
    assert.deepEqual(report.orphans, []);
    assert.deepEqual(report.duplicates, []);
    assert.deepEqual(report.cycles, []);
    assert.deepEqual(report.clockSkew, []);
    assert.equal(trace.filter((s) => s.parent_id === '0').length, 1, 'one root');

    const user = trace.find((s) => s.name === 'user.work') as DatadogSpan;
    assert.deepEqual(ancestry(trace, user), [
      'aws.apigateway.stage',
      'aws.request',
      'aws.lambda.service',
      'aws.lambda.function',
      'aws.lambda',
      'user.work',
    ]);
    assert.equal(user.meta[ORIGIN_TAG], undefined, 'a Datadog span keeps no xray origin');
  });

  it('orders traces by earliest span and spans by start, whatever the input order', () => {
    const spans = [
      span({ trace_id: '7', span_id: '3', start: 50n }),
      span({ trace_id: '5', span_id: '2', start: 90n }),
      span({ trace_id: '7', span_id: '1', start: 40n, parent_id: '3' }),
      span({ trace_id: '5', span_id: '9', start: 90n, parent_id: '2' }),
    ];
    const forward = joinSpans(spans, { skewToleranceNs: 1000n });
    const backward = joinSpans([...spans].reverse(), { skewToleranceNs: 1000n });
    assert.deepEqual(backward, forward);
    assert.deepEqual(
      forward.traces.map((t) => t.map((s) => `${s.trace_id}/${s.span_id}`)),
      [
        ['7/1', '7/3'],
        ['5/2', '5/9'],
      ],
    );
  });
});

describe('join report', () => {
  it('orphans: a parent that is not 0 and not in the trace', () => {
    const { traces, report } = joinSpans([
      span({ span_id: '1' }),
      span({ span_id: '2', parent_id: '1' }),
      span({ span_id: '3', parent_id: '99', name: 'lost' }),
    ]);
    assert.equal(traces[0]?.length, 3, 'the orphan is kept');
    assert.deepEqual(report.orphans, [{ trace_id: '42', span_id: '3', name: 'lost', parent_id: '99' }]);
  });

  it('duplicates: the finished copy wins over the in-progress one, in either order', () => {
    const inProgress = span({
      span_id: '1',
      duration: 0n,
      meta: { [ORIGIN_TAG]: 'xray', 'xray.in_progress': 'true' },
    });
    const finished = span({ span_id: '1', duration: 5n, meta: { [ORIGIN_TAG]: 'xray' } });
    for (const input of [
      [inProgress, finished],
      [finished, inProgress],
    ]) {
      const { traces, report } = joinSpans(input);
      assert.deepEqual(traces, [[finished]]);
      assert.deepEqual(report.duplicates, [{ trace_id: '42', span_id: '1', dropped: 1 }]);
    }
  });

  it('duplicates: between equal copies from both sides the Datadog one is kept', () => {
    const fromXray = span({ span_id: '1', meta: { [ORIGIN_TAG]: 'xray' } });
    const fromDatadog = span({ span_id: '1', meta: {} });
    const { traces, report } = joinSpans([fromXray, fromDatadog, fromXray]);
    assert.deepEqual(traces, [[fromDatadog]]);
    assert.deepEqual(report.duplicates, [{ trace_id: '42', span_id: '1', dropped: 2 }]);
  });

  it('cycles: parent links that loop, and a span that is its own parent', () => {
    const { traces, report } = joinSpans([
      span({ span_id: '10', parent_id: '0' }),
      span({ span_id: '3', parent_id: '1' }),
      span({ span_id: '1', parent_id: '2' }),
      span({ span_id: '2', parent_id: '3' }),
      span({ span_id: '4', parent_id: '2' }),
      span({ span_id: '5', parent_id: '5' }),
    ]);
    assert.equal(traces[0]?.length, 6);
    assert.deepEqual(report.cycles, [
      { trace_id: '42', span_ids: ['1', '2', '3'] },
      { trace_id: '42', span_ids: ['5'] },
    ]);
    assert.deepEqual(report.orphans, []);
  });

  it('clock skew: beyond the tolerance only, and no end check under an in-progress parent', () => {
    const ms = 1_000_000n;
    const { report } = joinSpans(
      [
        span({ span_id: '1', start: 100n * ms, duration: 100n * ms }),
        span({ span_id: '2', parent_id: '1', name: 'early', start: 95n * ms, duration: 10n * ms }),
        span({ span_id: '3', parent_id: '1', name: 'late', start: 190n * ms, duration: 13n * ms }),
        span({ span_id: '4', parent_id: '1', name: 'within', start: 99_500_000n, duration: 101n * ms }),
        span({ span_id: '5', start: 300n * ms, duration: 0n, meta: { 'xray.in_progress': 'true' } }),
        span({ span_id: '6', parent_id: '5', name: 'open', start: 310n * ms, duration: 50n * ms }),
      ],
      { skewToleranceNs: ms },
    );
    assert.deepEqual(report.clockSkew, [
      { trace_id: '42', span_id: '2', name: 'early', parent_id: '1', startsEarlyBy: 5n * ms },
      { trace_id: '42', span_id: '3', name: 'late', parent_id: '1', endsLateBy: 3n * ms },
    ]);
  });

  it('counts traces and spans', () => {
    const { report } = joinSpans([span({ span_id: '1' }), span({ span_id: '2', trace_id: '43' })]);
    assert.equal(report.traces, 2);
    assert.equal(report.spans, 2);
  });
});
