import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  datadogSpanId,
  datadogTraceId,
  isDatadogId,
  samplingPriority,
  USER_KEEP,
  USER_REJECT,
  xraySegmentId,
} from '../../src/xray/ids.ts';

describe('datadogTraceId, compat (the vectors Datadog uses)', () => {
  const vectors: Array<[string, string]> = [
    ['1-5e272390-8c398be037738dc042009320', '3995693151288333088'],
    ['1-5ce31dc2-2c779014b90ce44db5e03875', '4110911582297405557'],
    ['1-5ce31dc2-ac779014b90ce44db5e03875', '4110911582297405557'],
    ['1-5ce31dc2-00000000ffffffffffffffff', '18446744073709551615'],
    ['1-5ce31dc2-00000000000000000000000a', '10'],
    ['1-5ce31dc2-12345678ffffffffffffffff', '9223372036854775807'],
  ];
  for (const [root, expected] of vectors) {
    it(`${root} -> ${expected}`, () =>
      assert.deepEqual(datadogTraceId(root, 'compat'), { traceId: expected }));
  }
});

describe('datadogTraceId, full128', () => {
  it('keeps all 128 bits: tid is epoch + first 8 hex, low 64 unmasked', () => {
    const id = datadogTraceId('1-5e272390-8c398be037738dc042009320', 'full128');
    assert.equal(id.tid, '5e2723908c398be0');
    assert.equal(id.traceId, BigInt('0x37738dc042009320').toString());
    const hex = id.tid + BigInt(id.traceId).toString(16).padStart(16, '0');
    assert.equal(hex, '5e2723908c398be037738dc042009320');
  });
  it('does not mask the top bit', () => {
    const id = datadogTraceId('1-5ce31dc2-ac779014b90ce44db5e03875', 'full128');
    assert.equal(id.traceId, BigInt('0xb90ce44db5e03875').toString());
    assert.equal(id.tid, '5ce31dc2ac779014');
  });
  it('the dd-trace-java padded form is the Datadog 128-bit id itself', () => {
    const id = datadogTraceId('1-5ce31dc2-00000000b90ce44db5e03875', 'full128');
    assert.deepEqual(id, { traceId: BigInt('0xb90ce44db5e03875').toString(), tid: '5ce31dc200000000' });
  });
});

describe('datadogSpanId and xraySegmentId', () => {
  const vectors: Array<[string, string]> = [
    ['94ae789b969f1cc5', '10713633173203262661'],
    ['0b11cc4230d3e09e', '797643193680388254'],
    ['0000000000000001', '1'],
    ['ffffffffffffffff', '18446744073709551615'],
  ];
  for (const [hex, decimal] of vectors) {
    it(`${hex} <-> ${decimal}`, () => {
      assert.equal(datadogSpanId(hex), decimal);
      assert.equal(xraySegmentId(decimal), hex);
    });
  }
});

describe('isDatadogId', () => {
  const table: Array<[string, boolean]> = [
    ['1', true],
    ['18446744073709551615', true],
    ['18446744073709551616', false],
    ['0', false],
    ['', false],
    ['-1', false],
    ['12a', false],
    ['999999999999999999999', false],
  ];
  for (const [value, ok] of table)
    it(`${JSON.stringify(value)} -> ${ok}`, () => assert.equal(isDatadogId(value), ok));
});

describe('samplingPriority', () => {
  const table: Array<[Parameters<typeof samplingPriority>[0], 'keep-only' | 'respect', number | undefined]> =
    [
      ['1', 'keep-only', USER_KEEP],
      ['0', 'keep-only', undefined],
      ['?', 'keep-only', undefined],
      [undefined, 'keep-only', undefined],
      ['1', 'respect', USER_KEEP],
      ['0', 'respect', USER_REJECT],
      ['?', 'respect', undefined],
    ];
  for (const [sampled, policy, priority] of table) {
    it(`Sampled=${sampled} (${policy}) -> ${priority}`, () =>
      assert.equal(samplingPriority(sampled, policy), priority));
  }
});
