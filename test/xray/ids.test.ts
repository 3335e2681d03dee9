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

describe('the id mapping without BigInt agrees with BigInt', () => {
  // The reference: the mapping as DESIGN.md writes it, in BigInt.
  const referenceTrace = (root: string, mode: 'compat' | 'full128') => {
    const random = root.slice(11);
    const low = BigInt(`0x${random.slice(8)}`);
    if (mode === 'full128' || random.slice(0, 8) === '00000000') return low.toString();
    return (low & ((1n << 63n) - 1n)).toString();
  };
  const edges = [
    '0000000000000000',
    '0000000000000001',
    '000000000098967f',
    '0000000000989680',
    '00000000ffffffff',
    '0000000100000000',
    '7fffffffffffffff',
    '8000000000000000',
    'ffffffffffffffff',
    'FFFFFFFFFFFFFFFE',
    '00038d7ea4c68000',
    '8ac7230489e80000',
  ];
  const random = Array.from({ length: 2000 }, (_, i) => {
    const bytes = new Uint8Array(8);
    crypto.getRandomValues(bytes);
    // Every length of leading zeros, so every limb boundary is crossed.
    return Buffer.from(bytes)
      .toString('hex')
      .replace(new RegExp(`^.{${i % 17}}`), (m) => '0'.repeat(m.length));
  });
  it('on 12 edge values and 2,000 random ones, in both modes, with and without the padded form', () => {
    for (const hex of [...edges, ...random]) {
      for (const high of ['00000000', '8c398be0']) {
        const root = `1-5e272390-${high}${hex}`;
        for (const mode of ['compat', 'full128'] as const) {
          const expected = referenceTrace(root.toLowerCase(), mode);
          if (datadogTraceId(root, mode).traceId !== expected) {
            assert.fail(`${root} ${mode}: ${datadogTraceId(root, mode).traceId} != ${expected}`);
          }
        }
      }
      assert.equal(datadogSpanId(hex), BigInt(`0x${hex}`).toString(), hex);
    }
  });

  it('ids that are not 16 hex digits still go through BigInt, and fail as before', () => {
    assert.equal(datadogSpanId('ff'), '255');
    assert.equal(datadogSpanId('10000000000000000'), '18446744073709551616');
    assert.throws(() => datadogSpanId('zz'), SyntaxError);
  });
});
