// Differential test of secondsToNanos's digit-by-digit reading of the usual text (`1767225600.412`)
// against exactSecondsToNanos, the general decimal reading of any text `String(number)` writes,
// which is the code the converter used before the fast path. Over a seeded corpus: epoch times
// with micro-, milli- and nanosecond parts, any non-negative double, and the edges where the text
// changes form (exponents below 1e-6 and from 1e21, whole parts past 15 digits, a tenth decimal
// of 4 or 5). The table of fixed vectors stays in convert.test.ts. And SpanClock, which the
// converter uses per span, against the same rule: start = secondsToNanos(start), duration =
// secondsToNanos(end) - start or 0, over sequences of spans that share seconds or not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { exactSecondsToNanos, secondsToNanos } from '../../src/merge/convert.ts';
import { SpanClock } from '../../src/merge/span-time.ts';

const SEED = 0x5ec0_0d5;
const RUNS = 20_000;

function exact(seconds: number): bigint {
  return exactSecondsToNanos(String(seconds));
}

const epochSeconds = fc.integer({ min: 0, max: 4_102_444_800 }); // up to 2100
const epochTimes = fc.oneof(
  fc.tuple(epochSeconds, fc.integer({ min: 0, max: 999_999 })).map(([s, us]) => s + us / 1e6),
  fc.tuple(epochSeconds, fc.integer({ min: 0, max: 999 })).map(([s, ms]) => s + ms / 1e3),
  fc.tuple(epochSeconds, fc.integer({ min: 0, max: 999_999_999 })).map(([s, ns]) => s + ns / 1e9),
  // X-Ray SDKs write Date.now() / 1000 and sums of such times with durations.
  fc.tuple(epochSeconds, fc.double({ min: 0, max: 1, noNaN: true })).map(([s, f]) => s + f),
);

describe('secondsToNanos: the fast reading equals the exact one', () => {
  it('on epoch times as X-Ray writes them', () => {
    fc.assert(
      fc.property(epochTimes, (seconds) => {
        assert.equal(secondsToNanos(seconds), exact(seconds), String(seconds));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('on doubles drawn evenly from 2^30 to 2^31 s (read without making the text)', () => {
    const spacing = 2 ** 22;
    const doubles = fc.maxSafeNat().map((n) => (2 ** 52 + (n % 2 ** 52)) / spacing);
    fc.assert(
      fc.property(doubles, (seconds) => {
        assert.equal(secondsToNanos(seconds), exact(seconds), String(seconds));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('on doubles whose fraction is a multiple of a power of two (ties and interval edges)', () => {
    // A fraction F / 2^22 with F = 2^k * odd lands exactly half-way between decimals, or exactly
    // on the edge of the interval that reads back as the double, for the right k.
    const doubles = fc
      .tuple(fc.integer({ min: 2 ** 30, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 21 }), fc.nat())
      .map(([whole, k, n]) => whole + ((2 ** k * (2 * n + 1)) % 2 ** 22) / 2 ** 22);
    fc.assert(
      fc.property(doubles, (seconds) => {
        assert.equal(secondsToNanos(seconds), exact(seconds), String(seconds));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('on any non-negative double', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }), (seconds) => {
        assert.equal(secondsToNanos(seconds), exact(seconds), String(seconds));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  const edges: number[] = [
    0,
    -0,
    1,
    1e-6,
    9.99999e-7,
    1.5e-7,
    5e-10,
    4e-10,
    0.1 + 0.2,
    1e15,
    999_999_999_999_999.9,
    1e16 + 2,
    2 ** 53,
    2 ** 53 + 2,
    1e21,
    1e21 - 65_536,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    1767225600.0000002,
    1.0000000005,
    1.0000000004,
    0.0000014999999,
    0.1234567894,
    0.1234567895,
    0.9999999995,
    9.9999999995,
    2 ** 30,
    2 ** 30 + 2 ** -22,
    2 ** 31 - 2 ** -22,
    2 ** 31,
    1073741823.9999999,
    2147483647.9999998,
  ];
  for (const seconds of edges) {
    it(`${String(seconds)}`, () => assert.equal(secondsToNanos(seconds), exact(seconds)));
  }

  it('gives 0 for what is not a time', () => {
    for (const seconds of [-1, -1e-9, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      assert.equal(secondsToNanos(seconds), 0n, String(seconds));
    }
  });

  it('can fail: the exact reading differs from a float multiplication', () => {
    // The reason both readings exist: 1579584424.771 * 1e9 is not 1579584424771000000 in binary.
    assert.notEqual(BigInt(Math.round(1579584424.771 * 1e9)), exact(1579584424.771));
  });
});

describe('SpanClock: start and duration by the rule of secondsToNanos', () => {
  /** What the clock must give: the rule written with secondsToNanos alone. */
  function expected(start: number, end: number | undefined): { start: bigint; duration: bigint } {
    const startNanos = secondsToNanos(start);
    if (end === undefined) return { start: startNanos, duration: 0n };
    const endNanos = secondsToNanos(end);
    return { start: startNanos, duration: endNanos > startNanos ? endNanos - startNanos : 0n };
  }

  const base = fc.oneof(epochTimes, fc.double({ min: 2 ** 30, max: 2 ** 31, noNaN: true }));
  /** An end near the start (mostly), far from it, before it, outside the epoch range, or none. */
  const end = (start: number) =>
    fc.oneof(
      fc.double({ min: 0, max: 2, noNaN: true }).map((d) => start + d),
      fc.integer({ min: 0, max: 999_999 }).map((us) => Math.floor(start) + us / 1e6),
      fc.double({ min: -5, max: 0, noNaN: true }).map((d) => start + d),
      fc
        .constantFrom(2 ** 22, 2 ** 22 - 1, 2 ** 22 + 1, 1e7, 3e7 + 0.3, 6e7 + 0.1234567, 5e8)
        .map((d) => start + d),
      fc.double({ min: 0, max: 1e12, noNaN: true }),
      fc.constantFrom(undefined, 2 ** 31, 2 ** 31 + 0.5, 2 ** 30 - 0.5, 0, Number.MAX_VALUE),
    );
  const span = base.chain((start) => fc.tuple(fc.constant(start), end(start)));

  it('on sequences of spans, as one conversion measures them', () => {
    fc.assert(
      fc.property(fc.array(span, { minLength: 1, maxLength: 12 }), (spans) => {
        const clock = new SpanClock();
        for (const [start, finish] of spans) {
          clock.measure(start, finish);
          assert.deepEqual(
            { start: clock.start, duration: clock.duration },
            expected(start, finish),
            `${start} -> ${finish}`,
          );
        }
      }),
      { seed: SEED, numRuns: RUNS / 4 },
    );
  });

  it('on times outside the epoch range and the edges of it', () => {
    const clock = new SpanClock();
    const times = [
      0,
      1e-7,
      12.5,
      1e21,
      Number.MAX_VALUE,
      2 ** 30 - 2 ** -23,
      2 ** 30,
      2 ** 31 - 2 ** -22,
      2 ** 31,
    ];
    for (const start of times) {
      for (const finish of [...times, undefined, start + 2 ** 22, start + 2 ** 22 - 1]) {
        clock.measure(start, finish);
        assert.deepEqual({ start: clock.start, duration: clock.duration }, expected(start, finish));
      }
    }
  });
});
