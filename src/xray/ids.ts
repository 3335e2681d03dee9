/**
 * The id mapping between X-Ray and Datadog. The runtime and the merger both use it, so the two
 * halves of a trace join by construction. These formulas live here and nowhere else.
 *
 * - `compat` (default): the Datadog trace id is the last 16 hex of the X-Ray random part with the
 *   top bit cleared, as datadog-lambda-js and Datadog's backend compute it.
 * - `full128`: the low 64 bits are the last 16 hex unmasked and `_dd.p.tid` carries the epoch and
 *   the first 8 hex of the random part, so the 128-bit Datadog id equals the X-Ray id without dashes.
 * - A random part starting `00000000` is a Datadog id carried in X-Ray form (dd-trace-java pads
 *   that way): its last 16 hex are the Datadog trace id as they are.
 *
 * @example
 * datadogTraceId('1-5e272390-8c398be037738dc042009320', 'compat'); // { traceId: '3995693151288333088' }
 * datadogSpanId('94ae789b969f1cc5'); // '10713633173203262661'
 */

import type { Sampled } from './header.ts';

export type TraceIdMode = 'compat' | 'full128';

export interface DatadogTraceId {
  /** The low 64 bits as an unsigned decimal string, as dd-trace's text_map carrier takes it. */
  readonly traceId: string;
  /** The high 64 bits as 16 lowercase hex (`_dd.p.tid`), in full128 mode only. */
  readonly tid?: string;
}

const MASK_63 = (1n << 63n) - 1n;
const PADDED = '00000000';

/** Maps an X-Ray Root (`1-{8 hex}-{24 hex}`, already validated and lowercase) to a Datadog trace id. */
export function datadogTraceId(root: string, mode: TraceIdMode): DatadogTraceId {
  const epoch = root.slice(2, 10);
  const random = root.slice(11);
  const high = random.slice(0, 8);
  const lowHex = random.slice(8);
  const masked = mode !== 'full128' && high !== PADDED;
  if (HEX_64.test(lowHex)) {
    const traceId = hex64ToDecimal(lowHex, masked);
    return mode === 'full128' ? { traceId, tid: epoch + high } : { traceId };
  }
  const low = BigInt(`0x${lowHex}`);
  if (mode === 'full128') return { traceId: low.toString(), tid: epoch + high };
  return { traceId: (masked ? low & MASK_63 : low).toString() };
}

/** Maps a 16-hex X-Ray segment id to a Datadog span id (unsigned 64-bit decimal). */
export function datadogSpanId(segmentId: string): string {
  if (HEX_64.test(segmentId)) return hex64ToDecimal(segmentId, false);
  return BigInt(`0x${segmentId}`).toString();
}

/** Exactly 16 hex digits: the ids every X-Ray header and segment carries. */
const HEX_64 = /^[0-9a-fA-F]{16}$/;
const LIMB = 10_000_000;

/**
 * The unsigned decimal form of 16 hex digits (`HEX_64`), with the top bit cleared when `clearTopBit`,
 * in plain numbers: three base-10^7 limbs take the value 16 bits at a time, each product staying
 * below 2^53. The same figure as `BigInt('0x' + hex).toString()` (a test compares them), for a
 * fraction of its cost and none of its allocation, on every invocation's header.
 */
function hex64ToDecimal(hex: string, clearTopBit: boolean): string {
  let low = 0;
  let middle = 0;
  let high = 0;
  let chunk = 0;
  for (let i = 0; i < 16; i += 1) {
    const code = hex.charCodeAt(i);
    chunk = chunk * 16 + (code <= 57 ? code - 48 : (code | 32) - 87);
    if ((i & 3) !== 3) continue;
    if (i === 3 && clearTopBit) chunk &= 0x7fff;
    low = low * 65_536 + chunk;
    const carryLow = Math.floor(low / LIMB);
    low -= carryLow * LIMB;
    middle = middle * 65_536 + carryLow;
    const carryMiddle = Math.floor(middle / LIMB);
    middle -= carryMiddle * LIMB;
    high = high * 65_536 + carryMiddle;
    chunk = 0;
  }
  if (high > 0) return `${high}${padLimb(middle)}${padLimb(low)}`;
  if (middle > 0) return `${middle}${padLimb(low)}`;
  return `${low}`;
}

function padLimb(limb: number): string {
  return `${limb}`.padStart(7, '0');
}

/** Maps a Datadog span id (decimal) back to the 16-hex form X-Ray uses for segment ids. */
export function xraySegmentId(spanId: string): string {
  return BigInt(spanId).toString(16).padStart(16, '0');
}

/** Whether a decimal string is a usable Datadog 64-bit id: 1 to 2^64-1 (dd-trace turns larger ones into 0). */
export function isDatadogId(value: string): boolean {
  if (!/^[0-9]{1,20}$/.test(value)) return false;
  const id = BigInt(value);
  return id > 0n && id < 1n << 64n;
}

export type XRaySampling = 'keep-only' | 'respect';

export const USER_REJECT = -1;
export const USER_KEEP = 2;

/**
 * Maps X-Ray's sampling decision to a Datadog sampling priority. `Sampled=1` keeps the trace;
 * otherwise dd-trace's own sampler decides, unless `respect` asks to reject what X-Ray dropped.
 */
export function samplingPriority(sampled: Sampled | undefined, policy: XRaySampling): number | undefined {
  if (sampled === '1') return USER_KEEP;
  if (sampled === '0' && policy === 'respect') return USER_REJECT;
  return undefined;
}
