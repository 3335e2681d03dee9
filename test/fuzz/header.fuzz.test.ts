// Fuzz: the X-Ray trace header parser over random and mutated input. It never throws, never takes
// long, never touches a prototype, keeps only well-formed ids, and what it formats parses back to
// the same header.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { canParent, formatTraceHeader, parseTraceHeader, type TraceHeader } from '../../src/xray/header.ts';
import { datadogSpanId, datadogTraceId, isDatadogId } from '../../src/xray/ids.ts';
import {
  hexString,
  hostileString,
  hostileValue,
  NASTY_KEYS,
  params,
  prototypeSnapshot,
  timed,
} from './hostile.ts';

const PER_INPUT_MS = 250;

const ROOT = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;
const PARENT = /^[0-9a-f]{16}$/;

const validRoot = fc.tuple(hexString(8, 8), hexString(24, 24), fc.boolean()).map(([epoch, random, upper]) => {
  const root = `1-${epoch}-${random}`;
  return upper ? root.toUpperCase() : root;
});
const validParent = hexString(16, 16).filter((p) => p !== '0000000000000000');

/** A header as Lambda, ALB or a client might send it: real keys, extras, odd spacing and case. */
const plausibleHeader = fc
  .record({
    root: validRoot,
    parent: validParent,
    sampled: fc.constantFrom('0', '1', '?', '', 'yes', '2'),
    extras: fc.array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom('Lineage', 'Self', 'CalledFrom', 'RootX', ...NASTY_KEYS),
          fc.string({ maxLength: 8 }),
        ),
        fc.string({ maxLength: 30 }),
      ),
      { maxLength: 4 },
    ),
    order: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
    space: fc.constantFrom('', ' ', '\t', '  '),
    keyCase: fc.constantFrom('as-is', 'lower', 'upper'),
  })
  .map(({ root, parent, sampled, extras, order, space, keyCase }) => {
    const cased = (k: string) =>
      keyCase === 'lower' ? k.toLowerCase() : keyCase === 'upper' ? k.toUpperCase() : k;
    const parts = [
      `${cased('Root')}=${root}`,
      `${cased('Parent')}=${parent}`,
      `${cased('Sampled')}=${sampled}`,
      ...extras.map(([k, v]) => `${k}=${v}`),
    ];
    const shuffled = parts
      .map((part, i) => [order[i % order.length] ?? i, part] as const)
      .sort((a, b) => a[0] - b[0])
      .map(([, part]) => part);
    return shuffled.join(`${space};${space}`);
  });

/** A plausible header with a few characters inserted, deleted or replaced. */
const mutatedHeader = fc
  .tuple(
    plausibleHeader,
    fc.array(fc.tuple(fc.nat(), fc.constantFrom('insert', 'delete', 'replace'), hostileString), {
      maxLength: 4,
    }),
  )
  .map(([header, edits]) => {
    let text = header;
    for (const [at, kind, what] of edits) {
      const i = text.length === 0 ? 0 : at % text.length;
      const piece = what.slice(0, 8);
      if (kind === 'insert') text = text.slice(0, i) + piece + text.slice(i);
      else if (kind === 'delete') text = text.slice(0, i) + text.slice(i + 1);
      else text = text.slice(0, i) + piece + text.slice(i + piece.length);
    }
    return text;
  });

/** Large inputs: 64 KB of one thing, and many keys. */
const bigHeader = fc.oneof(
  fc.constantFrom(
    `Root=1-5e272390-8c398be037738dc042009320;Parent=94ae789b969f1cc5;Sampled=1;Lineage=${'a'.repeat(64 * 1024)}`,
    `${';'.repeat(64 * 1024)}Root=1-5e272390-8c398be037738dc042009320`,
    `${'Root=1-5e272390-8c398be037738dc042009320;'.repeat(2000)}Parent=94ae789b969f1cc5`,
    Array.from({ length: 4000 }, (_, i) => `k${i}=${i}`).join(';'),
    `${'='.repeat(64 * 1024)}`,
    `Root=${'1-'.repeat(32 * 1024)}`,
  ),
  // Just under the parser's size limit, so the whole input is scanned.
  fc
    .constantFrom(';', 'k=v;', ' = ;', '__proto__=x;')
    .map((unit) => unit.repeat(Math.floor(8000 / unit.length))),
);

function assertWellFormed(header: TraceHeader): void {
  if (header.root !== undefined) assert.match(header.root, ROOT);
  if (header.parent !== undefined) {
    assert.match(header.parent, PARENT);
    assert.notEqual(header.parent, '0000000000000000');
  }
  if (header.sampled !== undefined) assert.ok(['0', '1', '?'].includes(header.sampled));
  assert.ok(Array.isArray(header.extra));
  for (const entry of header.extra) {
    assert.equal(entry.length, 2);
    assert.equal(typeof entry[0], 'string');
    assert.equal(typeof entry[1], 'string');
  }
  if (canParent(header)) {
    // What a parseable header maps to is always a valid Datadog id, in both modes.
    for (const mode of ['compat', 'full128'] as const)
      assert.ok(isDatadogId(datadogTraceId(header.root, mode).traceId));
    assert.ok(isDatadogId(datadogSpanId(header.parent)));
  }
}

/** Parsing what was formatted gives the same header (the interpreted keys, and every extra). */
function assertRoundTrip(header: TraceHeader): void {
  const again = parseTraceHeader(formatTraceHeader(header));
  assert.equal(again.root, header.root);
  assert.equal(again.parent, header.parent);
  assert.equal(again.sampled, header.sampled);
}

describe('fuzz: parseTraceHeader', () => {
  const inputs: Array<[string, fc.Arbitrary<unknown>, number]> = [
    ['plausible headers', plausibleHeader, 1500],
    ['mutated headers', mutatedHeader, 1500],
    ['hostile strings', hostileString, 1000],
    ['64 KB and many-key headers', bigHeader, 50],
    ['values that are not strings', hostileValue, 500],
  ];
  for (const [name, arbitrary, runs] of inputs) {
    it(`${name}: never throws, well-formed output, round trip, no prototype touched`, () => {
      const unchanged = prototypeSnapshot();
      fc.assert(
        fc.property(arbitrary, (input) => {
          const header = timed(PER_INPUT_MS, () => parseTraceHeader(input));
          assertWellFormed(header);
          assertRoundTrip(header);
        }),
        params(runs),
      );
      unchanged();
    });
  }

  it('a plausible header keeps its Root and Parent, whatever the order, case and spacing', () => {
    fc.assert(
      fc.property(validRoot, validParent, plausibleHeader, (root, parent, rest) => {
        const header = parseTraceHeader(
          `${rest.replace(/root=[^;]*/gi, '').replace(/parent=[^;]*/gi, '')};Root=${root};Parent=${parent}`,
        );
        assert.equal(header.root, root.toLowerCase());
        assert.equal(header.parent, parent.toLowerCase());
      }),
      params(500),
    );
  });
});
