import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { convertOtelSpans, readOtelSpans } from '../../src/merge/otel/index.ts';
import { parseExactJson } from '../../src/merge/span-json.ts';
import { convertSpanRecords, parseSpanRecord, traceIdOfRecord } from '../../src/stream/spans.ts';
import { generateTraces } from '../helpers/span-records.ts';

const twin = readFileSync(new URL('../fixtures/otel/twin/otel.ndjson', import.meta.url), 'utf8')
  .trim()
  .split('\n');

describe('parseSpanRecord: the fast parse converts exactly as the exact parser', () => {
  const records: Array<[string, string]> = [
    ...twin.map((line, i): [string, string] => [`twin record ${i}`, line]),
    ...generateTraces(3, { seed: 9, hybridShare: 1 })
      .flatMap((t) => t.records)
      .map((line, i): [string, string] => [`generated record ${i}`, line]),
    [
      'a long integer attribute (exact path)',
      '{"traceId":"69000000aaaaaaaaaaaaaaaaaaaaaaaa","spanId":"1111111111111111","name":"n","startTimeUnixNano":1765000000000000001,"endTimeUnixNano":1765000000000000002,"attributes":{"big":12345678901234567891}}',
    ],
    [
      'a time key inside a string value is left alone',
      '{"traceId":"69000000aaaaaaaaaaaaaaaaaaaaaaaa","spanId":"1111111111111111","name":"n","startTimeUnixNano":1765000000000000001,"attributes":{"note":"{\\"startTimeUnixNano\\":5}"}}',
    ],
    [
      'event times',
      '{"traceId":"69000000aaaaaaaaaaaaaaaaaaaaaaaa","spanId":"1111111111111111","name":"n","startTimeUnixNano":1765000000000000001,"events":[{"name":"e","timeUnixNano":1765000000000000003,"attributes":{"n":1.5}}]}',
    ],
  ];
  for (const [name, text] of records) {
    it(name, () => {
      const fast = convertOtelSpans(readOtelSpans(parseSpanRecord(text)).spans);
      const exact = convertOtelSpans(readOtelSpans(parseExactJson(text)).spans);
      assert.deepEqual(fast, exact);
      assert.equal(fast.length, 1);
    });
  }
  it('keeps the nanoseconds exact', () => {
    const [span] = convertSpanRecords([records.at(-1)?.[1] as string], 'compat').spans;
    assert.equal(span?.start, 1765000000000000001n);
  });
});

describe('traceIdOfRecord', () => {
  const cases: Array<[string, string | undefined]> = [
    ['{"traceId":"5759E988BD862E3FE1BE46A994272793","spanId":"x"}', '5759e988bd862e3fe1be46a994272793'],
    ['{"traceId" : "5759e988bd862e3fe1be46a994272793"}', '5759e988bd862e3fe1be46a994272793'],
    ['{"traceId":"short"}', undefined],
    ['not json', undefined],
  ];
  for (const [text, expected] of cases) it(text, () => assert.equal(traceIdOfRecord(text), expected));
});
