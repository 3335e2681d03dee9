import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { readStreamEvent } from '../../src/stream/event.ts';
import { readSubscriptionPayload, writeSubscriptionPayload } from '../../src/stream/subscription.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/stream/${name}`, import.meta.url), 'utf8');
const gz = (text: string) => gzipSync(text);

describe('readSubscriptionPayload', () => {
  const data = JSON.parse(fixture('data-message.json'));
  const cases: Array<[string, Uint8Array, ReturnType<typeof readSubscriptionPayload>]> = [
    [
      'DATA_MESSAGE of aws/spans',
      gz(fixture('data-message.json')),
      {
        kind: 'data',
        logGroup: 'aws/spans',
        messages: data.logEvents.map((e: { message: string }) => e.message),
      },
    ],
    ['CONTROL_MESSAGE (the guide example)', gz(fixture('control-message.json')), { kind: 'control' }],
    ['not gzip', Buffer.from('{"messageType":"DATA_MESSAGE"}'), { kind: 'malformed', reason: '' }],
    [
      'gzip of text that is not JSON',
      gz('hello'),
      { kind: 'malformed', reason: 'gunzipped text is not JSON' },
    ],
    ['a JSON array', gz('[]'), { kind: 'malformed', reason: 'payload is not a JSON object' }],
    [
      'another messageType',
      gz('{"messageType":"X","logEvents":[]}'),
      { kind: 'malformed', reason: 'messageType "X" is not DATA_MESSAGE' },
    ],
    [
      'logEvents missing',
      gz('{"messageType":"DATA_MESSAGE"}'),
      { kind: 'malformed', reason: 'logEvents is not an array' },
    ],
    [
      'events without a string message are left out',
      gz('{"messageType":"DATA_MESSAGE","logGroup":"g","logEvents":[{"message":1},null,{"message":"m"}]}'),
      { kind: 'data', logGroup: 'g', messages: ['m'] },
    ],
  ];
  for (const [name, bytes, expected] of cases) {
    it(name, () => {
      const read = readSubscriptionPayload(bytes);
      if (expected.kind === 'malformed' && expected.reason === '') {
        assert.equal(read.kind, 'malformed');
        assert.match((read as { reason: string }).reason, /^not gzip: /);
      } else assert.deepEqual(read, expected);
    });
  }

  it('round-trips what the re-partitioning stage writes', () => {
    const events = [{ id: 'a:0', timestamp: 0, message: '{"traceId":"x"}' }];
    assert.deepEqual(readSubscriptionPayload(writeSubscriptionPayload('aws/spans', events)), {
      kind: 'data',
      logGroup: 'aws/spans',
      messages: ['{"traceId":"x"}'],
    });
  });
});

describe('readStreamEvent', () => {
  const payload = gz('{}').toString('base64');
  it('a direct subscription', () => {
    assert.deepEqual(readStreamEvent({ awslogs: { data: payload } }), {
      source: 'awslogs',
      records: [{ id: 'awslogs', gzip: Buffer.from(payload, 'base64') }],
    });
  });
  it('a Kinesis batch: ids are sequence numbers; data that is not base64 reads as undefined', () => {
    const event = readStreamEvent({
      Records: [
        {
          kinesis: {
            sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
            data: payload,
          },
        },
        { kinesis: { sequenceNumber: '2', data: 'not base64!' } },
      ],
    });
    assert.equal(event.source, 'kinesis');
    assert.deepEqual(event.source === 'kinesis' && event.records.map((r) => [r.id, r.gzip === undefined]), [
      ['49590338271490256608559692538361571095921575989136588898', false],
      ['2', true],
    ]);
    assert.equal(event.source === 'kinesis' && event.window, undefined);
  });
  it('a tumbling window: state and the final flag', () => {
    const event = readStreamEvent({
      Records: [],
      window: { start: '2026-12-06T01:00:00Z', end: '2026-12-06T01:01:00Z' },
      state: { meta: {} },
      isFinalInvokeForWindow: true,
    });
    assert.deepEqual(event, {
      source: 'kinesis',
      records: [],
      window: { state: { meta: {} }, isFinal: true },
    });
  });
  for (const [name, value] of [
    ['null', null],
    ['a string', 'x'],
    ['an SQS-like object', { Records: undefined, foo: 1 }],
  ] as const) {
    it(`unknown: ${name}`, () => assert.deepEqual(readStreamEvent(value), { source: 'unknown' }));
  }
});
