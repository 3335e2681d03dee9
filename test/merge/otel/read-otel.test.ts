// The OTel reader's vectors: id encodings, kinds and status codes in their three spellings, times
// kept exact, in-progress records, and what is skipped with which reason. Also the per-document
// format detection the CLI's convert and merge rely on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { documentFormat } from '../../../src/merge/format.ts';
import { readOtelSpans } from '../../../src/merge/otel/read-otel.ts';
import { parseExactJson } from '../../../src/merge/span-json.ts';

const TRACE = '5759e988bd862e3fe1be46a994272793';
const SPAN = '53995c3f42cd8ad8';

function record(fields: Record<string, unknown>): string {
  return JSON.stringify({
    traceId: TRACE,
    spanId: SPAN,
    name: 'op',
    startTimeUnixNano: '1461096053380000000',
    ...fields,
  });
}

function read(text: string) {
  return readOtelSpans(parseExactJson(text));
}

describe('readOtelSpans', () => {
  const cases: Array<{ name: string; text: string; check: (r: ReturnType<typeof read>) => void }> = [
    {
      name: 'upper-case hex ids are lowercased',
      text: record({ traceId: TRACE.toUpperCase(), spanId: SPAN.toUpperCase() }),
      check: (r) => assert.deepEqual([r.spans[0]?.traceId, r.spans[0]?.spanId], [TRACE, SPAN]),
    },
    {
      name: 'base64 ids (protobuf JSON bytes) are decoded',
      text: record({
        traceId: Buffer.from(TRACE, 'hex').toString('base64'),
        spanId: Buffer.from(SPAN, 'hex').toString('base64'),
      }),
      check: (r) => assert.deepEqual([r.spans[0]?.traceId, r.spans[0]?.spanId], [TRACE, SPAN]),
    },
    {
      name: 'a bare JSON number above 2^53 keeps its digits',
      text: `{"traceId":"${TRACE}","spanId":"${SPAN}","startTimeUnixNano":1461096053380000001,"endTimeUnixNano":1461096053390500003}`,
      check: (r) =>
        assert.deepEqual([r.spans[0]?.start, r.spans[0]?.end], [1461096053380000001n, 1461096053390500003n]),
    },
    {
      name: 'in progress: endTimeUnixNano null',
      text: record({ endTimeUnixNano: null, attributes: { 'aws.xray.inprogress': true } }),
      check: (r) => assert.equal(r.spans[0]?.end, undefined),
    },
    {
      name: 'kind and status as numbers',
      text: record({ kind: 3, status: { code: 2, message: 'boom' } }),
      check: (r) =>
        assert.deepEqual(
          [r.spans[0]?.kind, r.spans[0]?.status],
          ['client', { code: 'error', message: 'boom' }],
        ),
    },
    {
      name: 'kind and status as OTLP enum names',
      text: record({ kind: 'SPAN_KIND_CONSUMER', status: { code: 'STATUS_CODE_OK' } }),
      check: (r) => assert.deepEqual([r.spans[0]?.kind, r.spans[0]?.status.code], ['consumer', 'ok']),
    },
    {
      name: 'kind and status as Transaction Search names',
      text: record({ kind: 'PRODUCER', status: { code: 'ERROR' } }),
      check: (r) => assert.deepEqual([r.spans[0]?.kind, r.spans[0]?.status.code], ['producer', 'error']),
    },
    {
      name: 'an all-zero parent is a root',
      text: record({ parentSpanId: '0000000000000000' }),
      check: (r) => assert.equal(r.spans[0]?.parentSpanId, undefined),
    },
    {
      name: 'OTLP attribute values: int64 beyond 2^53 stays text, arrays, booleans, doubles',
      text: JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: TRACE,
                    spanId: SPAN,
                    startTimeUnixNano: '1',
                    attributes: [
                      { key: 'big', value: { intValue: '9007199254740993' } },
                      { key: 'small', value: { intValue: 7 } },
                      {
                        key: 'list',
                        value: { arrayValue: { values: [{ stringValue: 'a' }, { boolValue: true }] } },
                      },
                      { key: 'ratio', value: { doubleValue: 0.5 } },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      }),
      check: (r) =>
        assert.deepEqual(r.spans[0]?.attributes, {
          big: '9007199254740993',
          small: 7,
          list: ['a', true],
          ratio: 0.5,
        }),
    },
    {
      name: 'a bad trace id is skipped with the reason',
      text: record({ traceId: 'xyz' }),
      check: (r) => {
        assert.equal(r.spans.length, 0);
        assert.match(r.skipped[0]?.reason ?? '', /^traceId is not 32 hex digits/);
      },
    },
    {
      name: 'a zero span id is skipped',
      text: record({ spanId: '0000000000000000' }),
      check: (r) => assert.match(r.skipped[0]?.reason ?? '', /^spanId .* or is zero$/),
    },
    {
      name: 'a start that is not an integer is skipped',
      text: record({ startTimeUnixNano: '1.5e18' }),
      check: (r) => assert.equal(r.skipped[0]?.reason, 'startTimeUnixNano is not an integer'),
    },
  ];
  for (const { name, text, check } of cases) it(name, () => check(read(text)));
});

describe('documentFormat', () => {
  const cases: Array<[string, unknown, 'xray' | 'otel']> = [
    ['OTLP/JSON export', { resourceSpans: [] }, 'otel'],
    ['OTLP/JSON with proto field names', { resource_spans: [] }, 'otel'],
    ['Transaction Search span record', { traceId: TRACE, spanId: SPAN, startTimeUnixNano: 1 }, 'otel'],
    ['X-Ray segment', { id: SPAN, trace_id: '1-5759e988-bd862e3fe1be46a994272793', name: 'x' }, 'xray'],
    ['a record with traceId but no start is not OTel', { traceId: TRACE, spanId: SPAN }, 'xray'],
    ['not an object', 'text', 'xray'],
    ['an array', [], 'xray'],
  ];
  for (const [name, value, format] of cases) it(name, () => assert.equal(documentFormat(value), format));
});
