// The one-match fast path of parseTraceHeader (the header exactly as Lambda writes it) against the
// general key-by-key path: a leading space keeps a header off the fast path without changing what
// it means, so both spellings must parse to the same header, over headers at and near the
// canonical form (mixed case, zero Parent, every Sampled, Lineage values with `=`, empty, spaces).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseTraceHeader } from '../../src/xray/header.ts';

const hex = (length: number, alphabet = '0123456789abcdef') =>
  fc.string({ unit: fc.constantFrom(...alphabet), minLength: length, maxLength: length });
const nearHex = (length: number) =>
  fc.oneof(
    hex(length),
    hex(length, '0123456789abcdefABCDEF'),
    fc.constant('0'.repeat(length)),
    hex(length - 1),
  );

const header = fc
  .record({
    epoch: nearHex(8),
    random: nearHex(24),
    parent: nearHex(16),
    sampled: fc.constantFrom('0', '1', '?', '', '2', 'true'),
    lineage: fc.option(
      fc.oneof(fc.constantFrom('1:fe460cdd:0', 'a87bd80c:1|68fd508a:5', '', 'a=b', ' x', 'x y')),
      {
        nil: undefined,
      },
    ),
    keyCase: fc.constantFrom('Root', 'root', 'ROOT'),
  })
  .map(
    ({ epoch, random, parent, sampled, lineage, keyCase }) =>
      `${keyCase}=1-${epoch}-${random};Parent=${parent};Sampled=${sampled}` +
      (lineage === undefined ? '' : `;Lineage=${lineage}`),
  );

describe('parseTraceHeader: the fast path agrees with the general path', () => {
  it('the same header either way, over canonical and near-canonical headers', () => {
    fc.assert(
      fc.property(header, (text) => {
        assert.deepStrictEqual(parseTraceHeader(text), parseTraceHeader(` ${text}`));
      }),
      { seed: 3, numRuns: 5000 },
    );
  });

  const vectors: Array<[string, object]> = [
    [
      'Root=1-5e272390-8c398be037738dc042009320;Parent=94ae789b969f1cc5;Sampled=1',
      {
        extra: [],
        root: '1-5e272390-8c398be037738dc042009320',
        parent: '94ae789b969f1cc5',
        sampled: '1',
      },
    ],
    [
      'Root=1-5e272390-8c398be037738dc042009320;Parent=94ae789b969f1cc5;Sampled=0;Lineage=1:fe460cdd:0',
      {
        extra: [['Lineage', '1:fe460cdd:0']],
        root: '1-5e272390-8c398be037738dc042009320',
        parent: '94ae789b969f1cc5',
        sampled: '0',
      },
    ],
    [
      'Root=1-5e272390-8c398be037738dc042009320;Parent=0000000000000000;Sampled=?',
      { extra: [], root: '1-5e272390-8c398be037738dc042009320', sampled: '?' },
    ],
  ];
  for (const [text, expected] of vectors) {
    it(text, () => assert.deepStrictEqual(parseTraceHeader(text), expected));
  }
});
