/**
 * X-Ray's float epoch seconds -> the integer nanoseconds of Datadog spans, computed in decimal
 * from the shortest text of the number (no binary float error), rounded half up at the
 * nanosecond. {@link secondsToNanos} is the rule; {@link SpanClock} applies it to the spans of one
 * conversion with fewer BigInt steps.
 *
 * @example
 * secondsToNanos(1579584424.771); // 1579584424771000000n
 */

const NANOS_PER_SECOND = 1_000_000_000n;
/** 10^(9-n): what `n` decimals are multiplied by to make nanoseconds. */
const TO_NANOS = [1e9, 1e8, 1e7, 1e6, 1e5, 1e4, 1e3, 100, 10, 1];
const ZERO = 0x30;
const DOT = 0x2e;
/** Digits of a whole part that a Number always holds exactly (below 2^53). */
const SAFE_WHOLE_DIGITS = 15;

/**
 * Float epoch seconds -> integer nanoseconds, exactly as the number's shortest decimal text reads
 * (`1579584424.771` -> `1579584424771000000n`), rounded half up past the ninth decimal.
 *
 * Epoch times from 2004 to 2038 have that decimal worked out in Numbers ({@link epochFraction});
 * other numbers have their text read digit by digit into two exact Numbers, whole seconds and
 * nanoseconds, then made one BigInt; exponent forms (below 1e-6, from 1e21) and whole parts beyond
 * 15 digits go through {@link exactSecondsToNanos}. All give the same result
 * (test/merge/seconds-to-nanos.test.ts compares them).
 */
export function secondsToNanos(seconds: number): bigint {
  if (isEpochBinade(seconds)) {
    const fraction = epochFraction(seconds);
    if (fraction >= 0) return BigInt(Math.floor(seconds)) * NANOS_PER_SECOND + BigInt(fraction);
  }
  if (!Number.isFinite(seconds) || seconds < 0) return 0n;
  const text = String(seconds);
  const length = text.length;
  let whole = 0;
  let i = 0;
  for (; i < length; i += 1) {
    const digit = text.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) break;
    whole = whole * 10 + digit;
  }
  if (i > SAFE_WHOLE_DIGITS) return exactSecondsToNanos(text);
  if (i === length) return BigInt(whole) * NANOS_PER_SECOND;
  if (text.charCodeAt(i) !== DOT) return exactSecondsToNanos(text);
  let nanos = 0;
  let decimals = 0;
  let roundUp = false;
  for (i += 1; i < length; i += 1) {
    const digit = text.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) return exactSecondsToNanos(text);
    // Half up: the tenth decimal alone decides, since the digits after it add less than one unit of it.
    if (decimals < 9) nanos = nanos * 10 + digit;
    else if (decimals === 9) roundUp = digit >= 5;
    decimals += 1;
  }
  if (decimals < 9) nanos *= TO_NANOS[decimals] as number;
  return BigInt(whole) * NANOS_PER_SECOND + BigInt(roundUp ? nanos + 1 : nanos);
}

/** 2^30 s (2004-01-10): from here to 2^31 (2038-01-19) doubles are spaced 2^-22 s apart. */
const EPOCH_BINADE = 2 ** 30;
const SPACING = 2 ** 22; // per second
const HALF_SPACING = 2 ** 21;

function isEpochBinade(seconds: number): boolean {
  return seconds >= EPOCH_BINADE && seconds < 2 * EPOCH_BINADE;
}

/**
 * The nanoseconds of {@link secondsToNanos} past the whole second, for `2^30 <= seconds < 2^31`,
 * without making the text: the shortest decimal that reads back as `seconds` is found the way
 * `Number#toString` defines it (ECMAScript Number::toString: fewest digits, then closest to the
 * double, then even), in exact integer arithmetic on the double's fraction `F / 2^22`. With j
 * decimals the candidate is `d = round(F * 10^j / 2^22)` (half to even); it reads back as the
 * double when it lies within half a spacing (`2^-23` s). Exactly half a spacing cannot occur:
 * `2|d * 2^22 - F * 10^j|` is a multiple of 2^(j+1), `10^j` is not. Seven decimals always suffice
 * here (1e-7 < 2^-22), so the nanoseconds are exact with no rounding. Every product stays below
 * 2^53.
 *
 * @returns the nanoseconds past `Math.floor(seconds)` (10^9 when the shortest decimal is the next
 *   whole second), or -1 for no candidate (which would send the caller to the text)
 */
function epochFraction(seconds: number): number {
  const whole = Math.floor(seconds);
  const fraction = (seconds - whole) * SPACING; // exact: an integer below 2^22
  for (let decimals = 0, scale = 1; decimals <= 7; decimals += 1, scale *= 10) {
    const scaled = fraction * scale; // the fraction in units of 10^-decimals, times 2^22
    let digits = Math.floor(scaled / SPACING);
    const rest = scaled - digits * SPACING;
    // The low bit of ToInt32 (which keeps the value modulo 2^32) is the parity of any integer; `% 2`
    // on a Number beyond 2^31 is a call to fmod.
    const odd = ((decimals === 0 ? whole + digits : digits) & 1) === 1;
    if (rest > HALF_SPACING || (rest === HALF_SPACING && odd)) digits += 1;
    // |digits / 10^decimals - fraction / 2^22| against 2^-23, all times 2^23 * 10^decimals
    const distance = 2 * Math.abs(digits * SPACING - scaled);
    if (distance < scale) return digits * (TO_NANOS[decimals] as number);
  }
  return -1;
}

/**
 * The general reading of a number's text in nanoseconds, for any form `String(number)` writes
 * (`1.5e-7`, `1e+21`); exported for the differential test of {@link secondsToNanos}.
 */
export function exactSecondsToNanos(text: string): bigint {
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i.exec(text);
  if (!match) return 0n;
  const digits = BigInt(`${match[1]}${match[2] ?? ''}`);
  // value = digits * 10^-scale
  const scale = (match[2]?.length ?? 0) - Number(match[3] ?? 0);
  const shift = 9 - scale;
  if (shift >= 0) return digits * 10n ** BigInt(shift);
  const divisor = 10n ** BigInt(-shift);
  return (digits + divisor / 2n) / divisor;
}

/** Below this many seconds between start and end, the duration in nanoseconds is an exact Number. */
const EXACT_DURATION_SECONDS = 2 ** 22;

/**
 * A span's start and duration in nanoseconds, as {@link secondsToNanos} gives them (the duration
 * is `end - start`, 0 when negative or when there is no end), for the spans of one conversion
 * call. Epoch times take fewer BigInt steps (each makes a new heap object): the whole second's
 * nanoseconds are kept from one span to the next (the spans of one trace mostly start in the same
 * second), and the duration is worked out in Numbers when both ends are epoch times less than
 * 2^22 s (48 days) apart, where `(whole seconds) * 10^9 + nanoseconds` stays below 2^53.
 *
 * @example
 * const clock = new SpanClock();
 * clock.measure(1579584424.771, 1579584424.9); // clock.start 1579584424771000000n, clock.duration 129000000n
 */
export class SpanClock {
  /** Of the last {@link measure}. */
  start = 0n;
  duration = 0n;
  private second = -1;
  private secondNanos = 0n;

  /** `end` undefined: a span in progress, of duration 0. */
  measure(startSeconds: number, endSeconds: number | undefined): void {
    let startFraction = -1;
    if (isEpochBinade(startSeconds)) startFraction = epochFraction(startSeconds);
    let start: bigint;
    if (startFraction >= 0) {
      const second = Math.floor(startSeconds);
      if (second !== this.second) {
        this.second = second;
        this.secondNanos = BigInt(second) * NANOS_PER_SECOND;
      }
      start = this.secondNanos + BigInt(startFraction);
    } else start = secondsToNanos(startSeconds);
    this.start = start;
    if (endSeconds === undefined) {
      this.duration = 0n;
      return;
    }
    if (startFraction >= 0 && isEpochBinade(endSeconds)) {
      const seconds = Math.floor(endSeconds) - Math.floor(startSeconds);
      const endFraction = epochFraction(endSeconds);
      if (endFraction >= 0 && Math.abs(seconds) < EXACT_DURATION_SECONDS) {
        const duration = seconds * 1e9 + (endFraction - startFraction);
        this.duration = duration > 0 ? BigInt(duration) : 0n;
        return;
      }
    }
    const end = secondsToNanos(endSeconds);
    this.duration = end > start ? end - start : 0n;
  }
}
