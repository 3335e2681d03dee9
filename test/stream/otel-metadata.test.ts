import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UPSTREAM_TAG } from '../../src/merge/datadog-metadata.ts';
import { joinHybrid } from '../../src/merge/hybrid-join.ts';
import { convertSpanRecords } from '../../src/stream/spans.ts';
import { generateTraces } from '../helpers/span-records.ts';

describe('the datadog-metadata span of an aws/spans record', () => {
  const [trace] = generateTraces(1, { seed: 7, hybridShare: 1 });
  if (trace?.upstream === undefined) throw new Error('expected a hybrid trace');
  const { spans } = convertSpanRecords(trace.records, 'compat');

  it('carries metadata.datadog.trace in _merge.upstream, exact', () => {
    const metadata = spans.find((s) => s.name !== undefined && s.meta[UPSTREAM_TAG] !== undefined);
    assert.ok(metadata);
    assert.deepEqual(JSON.parse(metadata.meta[UPSTREAM_TAG] as string), {
      'trace-id': trace.upstream?.traceId,
      'parent-id': trace.upstream?.parentId,
      'sampling-priority': '1',
    });
  });

  it('so the hybrid join puts every span of the trace into the upstream trace', () => {
    const joined = joinHybrid(spans);
    assert.equal(joined.report.invocations.length, 1);
    assert.deepEqual(new Set(joined.spans.map((s) => s.trace_id)), new Set([trace.upstream?.traceId]));
    const root = joined.spans.find((s) => s.parent_id === trace.upstream?.parentId);
    assert.equal(root?.span_id, BigInt(`0x${trace.functionSpanId}`).toString());
  });

  const variants: Array<[string, unknown]> = [
    [
      'as JSON text (OTLP attribute string)',
      JSON.stringify({ trace: { 'trace-id': '5', 'parent-id': '6' } }),
    ],
    ['as a nested object (flat aws/spans record)', { trace: { 'trace-id': '5', 'parent-id': '6' } }],
    ['trace-id as a bare number above 2^53 keeps its digits', '@RAW@'],
  ];
  for (const [name, value] of variants) {
    it(name, () => {
      const attribute =
        value === '@RAW@'
          ? '{"trace":{"trace-id":12345678901234567891,"parent-id":"6"}}'
          : JSON.stringify(value);
      const record = `{"traceId":"69000000aaaaaaaaaaaaaaaaaaaaaaaa","spanId":"1111111111111111","parentSpanId":"2222222222222222","name":"datadog-metadata","kind":"INTERNAL","startTimeUnixNano":1765000000000000000,"endTimeUnixNano":1765000000000000000,"attributes":{"aws.xray.metadata.datadog":${attribute}}}`;
      const [span] = convertSpanRecords([record], 'compat').spans;
      const expected =
        value === '@RAW@'
          ? '{"trace-id":12345678901234567891,"parent-id":"6"}'
          : '{"trace-id":"5","parent-id":"6"}';
      assert.equal(span?.meta[UPSTREAM_TAG], expected);
    });
  }

  it('another span name with the same attribute is not metadata', () => {
    const record =
      '{"traceId":"69000000aaaaaaaaaaaaaaaaaaaaaaaa","spanId":"1111111111111111","name":"work","startTimeUnixNano":1,"attributes":{"aws.xray.metadata.datadog":{"trace":{}}}}';
    assert.equal(convertSpanRecords([record], 'compat').spans[0]?.meta[UPSTREAM_TAG], undefined);
  });
});
