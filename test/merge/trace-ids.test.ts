// Trace ids for retrieval: the two id forms a user may paste, an id list file, and ids from
// Datadog spans (the wrapper's aws.xray.trace_id tag; full128 reversed; compat not reversible).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DatadogSpan } from '../../src/merge/span.ts';
import { normalizeTraceId, readTraceIdList, traceIdsOfDatadogSpans } from '../../src/merge/trace-ids.ts';
import { datadogTraceId } from '../../src/xray/ids.ts';

const ROOT = '1-5e272390-8c398be037738dc042009320';

describe('normalizeTraceId', () => {
  const cases: Array<[string, string | undefined]> = [
    [ROOT, ROOT],
    ['  1-5E272390-8C398BE037738DC042009320 ', ROOT],
    ['5e2723908c398be037738dc042009320', ROOT],
    ['00000000000000000000000000000000', undefined],
    ['1-5e272390-8c398be037738dc04200932', undefined],
    ['2-5e272390-8c398be037738dc042009320', undefined],
    ['Root=1-5e272390-8c398be037738dc042009320', undefined],
    ['', undefined],
  ];
  for (const [input, expected] of cases)
    it(JSON.stringify(input), () => assert.equal(normalizeTraceId(input), expected));
});

describe('readTraceIdList', () => {
  it('one id per line; comments and blank lines skipped; bad lines with their number', () => {
    const list = readTraceIdList(
      `# from the incident\n${ROOT}\n\n5e2723908c398be037738dc042009321  # W3C form\nnot-an-id\n`,
    );
    assert.deepEqual(list.ids, [ROOT, '1-5e272390-8c398be037738dc042009321']);
    assert.deepEqual(list.invalid, [{ line: 5, text: 'not-an-id' }]);
  });
});

function ddSpan(traceId: string, meta: Record<string, string>, spanId = '1'): DatadogSpan {
  return {
    trace_id: traceId,
    span_id: spanId,
    parent_id: '0',
    name: 'aws.lambda',
    service: 'checkout-fn',
    resource: 'checkout-fn',
    type: 'serverless',
    start: 0n,
    duration: 1n,
    error: 0,
    meta,
    metrics: {},
  };
}

describe('traceIdsOfDatadogSpans', () => {
  it('the aws.xray.trace_id tag, whatever the id mode', () => {
    const compat = datadogTraceId(ROOT, 'compat');
    const found = traceIdsOfDatadogSpans([ddSpan(compat.traceId, { 'aws.xray.trace_id': ROOT })]);
    assert.deepEqual(found, { ids: [ROOT], tagged: 1, reversed: 0, unmapped: 0 });
  });

  it('full128 without the tag: _dd.p.tid and the 64-bit id give the X-Ray id back', () => {
    const full = datadogTraceId(ROOT, 'full128');
    const found = traceIdsOfDatadogSpans([ddSpan(full.traceId, { '_dd.p.tid': full.tid as string })]);
    assert.deepEqual(found, { ids: [ROOT], tagged: 0, reversed: 1, unmapped: 0 });
  });

  it('compat without the tag cannot be reversed: counted once per trace, no id', () => {
    const compat = datadogTraceId(ROOT, 'compat');
    const found = traceIdsOfDatadogSpans([ddSpan(compat.traceId, {}, '1'), ddSpan(compat.traceId, {}, '2')]);
    assert.deepEqual(found, { ids: [], tagged: 0, reversed: 0, unmapped: 1 });
  });

  it('two compat X-Ray ids that differ only in a bit compat drops map to one Datadog id: why it cannot be reversed', () => {
    assert.equal(
      datadogTraceId('1-5ce31dc2-2c779014b90ce44db5e03875', 'compat').traceId,
      datadogTraceId('1-5ce31dc2-ac779014b90ce44db5e03875', 'compat').traceId,
    );
  });

  it('a tagged trace is not reversed again from the _dd.p.tid on another of its spans (dd-trace puts it on the first span of a chunk)', () => {
    const full = datadogTraceId(ROOT, 'full128');
    const found = traceIdsOfDatadogSpans([
      ddSpan(full.traceId, { '_dd.p.tid': full.tid as string }, '1'),
      ddSpan(full.traceId, { 'aws.xray.trace_id': ROOT }, '2'),
    ]);
    assert.deepEqual(found, { ids: [ROOT], tagged: 1, reversed: 0, unmapped: 0 });
  });

  it("a 128-bit id dd-trace made itself (its tid's low 32 bits zero) is not an X-Ray id", () => {
    const found = traceIdsOfDatadogSpans([
      ddSpan('1311979541735842151', { '_dd.p.tid': '6750a3c400000000' }),
    ]);
    assert.deepEqual(found, { ids: [], tagged: 0, reversed: 0, unmapped: 1 });
  });

  it('each id once, in the order first seen', () => {
    const other = '1-5e272391-000000000000000000000001';
    const found = traceIdsOfDatadogSpans([
      ddSpan('5', { 'aws.xray.trace_id': other }),
      ddSpan('7', { 'aws.xray.trace_id': ROOT }),
      ddSpan('5', { 'aws.xray.trace_id': other }, '2'),
    ]);
    assert.deepEqual(found.ids, [other, ROOT]);
  });
});
