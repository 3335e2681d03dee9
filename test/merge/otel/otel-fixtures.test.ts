// OTLP/JSON from real producers, converted to Datadog spans: each row is a fixture file (see
// test/fixtures/otel/SOURCE.md) and the spans it must give, field by field.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { DatadogSpan } from '../../../src/merge/span.ts';
import { convertTraceInput, readTraceInput } from '../../../src/merge/trace-input.ts';

const FIXTURES = new URL('../../fixtures/otel/', import.meta.url);

function convert(file: string, idMode: 'compat' | 'full128' = 'compat') {
  const input = readTraceInput(readFileSync(new URL(file, FIXTURES), 'utf8'));
  return convertTraceInput(input, { idMode });
}

type Expected = Partial<Omit<DatadogSpan, 'meta' | 'metrics'>> & {
  meta?: Record<string, string>;
  metrics?: Record<string, number>;
};

const CASES: Array<{ file: string; idMode?: 'compat' | 'full128'; documents: number; spans: Expected[] }> = [
  {
    file: 'otlp-proto-example.json',
    documents: 1,
    spans: [
      {
        // 5B8EFFF7-98038103D269B633813FC60C as X-Ray 1-5b8efff7-98038103d269b633813fc60c:
        // last 16 hex d269b633813fc60c with the top bit cleared.
        trace_id: (0xd269b633813fc60cn & ((1n << 63n) - 1n)).toString(),
        span_id: 0xeee19b7ec3c1b174n.toString(),
        parent_id: 0xeee19b7ec3c1b173n.toString(),
        name: 'server.request',
        service: 'my.service',
        resource: "I'm a server span",
        type: 'web',
        // 1544712660000000000 is above 2^53: read from its digits, not through a double.
        start: 1544712660000000000n,
        duration: 1_000_000_000n,
        error: 0,
        meta: {
          'my.span.attr': 'some value',
          'service.name': 'my.service',
          'span.kind': 'server',
          'otel.scope.name': 'my.library',
          'otel.scope.version': '1.0.0',
          'otel.status_code': 'Unset',
          'otel.trace_id': '5b8efff798038103d269b633813fc60c',
          'xray.trace_id': '1-5b8efff7-98038103d269b633813fc60c',
          '_merge.origin': 'xray',
        },
        metrics: { _sampling_priority_v1: 2 },
      },
    ],
  },
  {
    file: 'otlp-proto-example.json',
    idMode: 'full128',
    documents: 1,
    spans: [{ trace_id: 0xd269b633813fc60cn.toString(), meta: { '_dd.p.tid': '5b8efff798038103' } }],
  },
  {
    file: 'otlp-dotnet-collector.json',
    documents: 1,
    spans: [
      // Sorted by start: the server span (…674157400) before its client child (…674336500).
      {
        trace_id: (0x8f38d548cedc7068n & ((1n << 63n) - 1n)).toString(),
        span_id: 0xc4ad1e000ef8bb19n.toString(),
        parent_id: 0x22ba720ac011163bn.toString(),
        name: 'server.request',
        service: 'FilterModule',
        resource: 'FilterTemperature',
        type: 'web',
        start: 1645750319674157400n,
        duration: 1645750319678086500n - 1645750319674157400n,
        error: 0,
        meta: {
          'telemetry.sdk.language': 'dotnet',
          'otel.scope.name': 'IoTSample.FilterModule',
          'span.kind': 'server',
        },
        metrics: {
          MachineTemperature: 100.2142046553614,
          TemperatureThreshhold: 25,
          _sampling_priority_v1: 2,
        },
      },
      {
        span_id: 0x4951aca774f96da6n.toString(),
        parent_id: 0xc4ad1e000ef8bb19n.toString(),
        name: 'client.request',
        resource: 'Upstream',
        type: 'http',
        start: 1645750319674336500n,
        duration: 1645750319678074800n - 1645750319674336500n,
        meta: { 'span.kind': 'client' },
        metrics: {},
      },
    ],
  },
];

describe('OpenTelemetry fixtures -> Datadog spans', () => {
  for (const { file, idMode, documents, spans } of CASES) {
    it(`${file}${idMode ? ` (${idMode})` : ''}`, () => {
      const result = convert(file, idMode);
      assert.equal(result.documents, documents);
      assert.deepEqual(result.skipped, []);
      assert.equal(result.spans.length, spans.length);
      spans.forEach((expected, i) => {
        const span = result.spans[i] as DatadogSpan;
        const { meta, metrics, ...fields } = expected;
        for (const [key, value] of Object.entries(fields)) {
          assert.deepEqual(span[key as keyof DatadogSpan], value, `${file} span ${i} ${key}`);
        }
        for (const [key, value] of Object.entries(meta ?? {}))
          assert.equal(span.meta[key], value, `meta ${key}`);
        if (metrics !== undefined) {
          const own = Object.fromEntries(
            Object.entries(span.metrics).filter(([key]) => key in metrics || key === '_sampling_priority_v1'),
          );
          assert.deepEqual(own, metrics);
        }
      });
    });
  }

  it('the .NET span events without an ERROR status do not make an error', () => {
    const spans = convert('otlp-dotnet-collector.json').spans;
    assert.deepEqual(
      spans.map((s) => s.error),
      [0, 0],
    );
  });
});
