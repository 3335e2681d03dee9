/**
 * Hold time vs traces joined: the real hold (`src/stream/hold.ts`) fed by simulated arrivals, as one
 * shard of the re-partitioned stream sees them. Windows are aligned tumbling windows of `windowSeconds`
 * (0: no window, each 1-second batch joins on its own, as a consumer without a window does); each
 * second's arrivals are one batch.
 *
 * The arrival model is an assumption, not a measurement of AWS: every span record of a trace
 * reaches the stream at the trace's start plus its own delivery delay, log-normal with a median of
 * `medianDelayS` (default 2 s) and sigma 0.8 (p99 about 6.4 x the median); `lateShare` of the
 * metadata records come `lateDelayS` later still (a stuck delivery). Seeded.
 */

import { EMPTY_HOLD, holdStep } from '../../src/stream/hold.ts';
import { seeded } from './span-records.ts';

export interface SimulationOptions {
  readonly windowSeconds: number;
  readonly traces: number;
  readonly spansPerTrace: number;
  readonly durationS: number;
  readonly seed: number;
  readonly medianDelayS?: number;
  readonly lateShare?: number;
  readonly lateDelayS?: number;
}

export interface SimulationResult {
  readonly windowSeconds: number;
  readonly spans: number;
  readonly released: number;
  readonly joinedSpans: number;
  readonly joinedTraces: number;
  /** Mean seconds a span of a trace without metadata waited in the hold. */
  readonly meanHoldS: number;
  readonly maxHeldBytes: number;
}

export function simulateHold(options: SimulationOptions): SimulationResult {
  const random = seeded(options.seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const delay = () => (options.medianDelayS ?? 2) * Math.exp(0.8 * normal());
  const arrivals: Array<{ at: number; traceId: string; isMetadata: boolean; text: string }> = [];
  for (let t = 0; t < options.traces; t += 1) {
    const start = random() * options.durationS;
    const traceId = `t${t}`;
    arrivals.push({
      at: start + delay() + (random() < (options.lateShare ?? 0) ? (options.lateDelayS ?? 60) : 0),
      traceId,
      isMetadata: true,
      text: `${traceId}:m`.padEnd(400, ' '),
    });
    for (let s = 0; s < options.spansPerTrace - 1; s += 1) {
      arrivals.push({
        at: start + delay(),
        traceId,
        isMetadata: false,
        text: `${traceId}:${s}`.padEnd(600, ' '),
      });
    }
  }
  arrivals.sort((a, b) => a.at - b.at);

  const windowOf = (at: number) =>
    options.windowSeconds > 0 ? Math.floor(at / options.windowSeconds) : Math.floor(at);
  const arrivedAt = new Map(arrivals.map((a) => [a.text, a.at]));
  let state: unknown = EMPTY_HOLD;
  let released = 0;
  let joinedSpans = 0;
  let holdSum = 0;
  let holdCount = 0;
  let maxHeldBytes = 0;
  const unjoinedTraces = new Set<string>();
  let i = 0;
  while (i < arrivals.length) {
    const window = windowOf(arrivals[i]?.at as number);
    // This window's batches, one per second.
    while (i < arrivals.length && windowOf(arrivals[i]?.at as number) === window) {
      const second = Math.floor(arrivals[i]?.at as number);
      const batch = [];
      while (
        i < arrivals.length &&
        Math.floor(arrivals[i]?.at as number) === second &&
        windowOf(arrivals[i]?.at as number) === window
      ) {
        batch.push(arrivals[i] as (typeof arrivals)[number]);
        i += 1;
      }
      const step = holdStep(state, batch, { final: options.windowSeconds === 0, capBytes: 768 * 1024 });
      for (const group of step.release) {
        released += group.send.length;
        if (group.joined) joinedSpans += group.send.length;
        else unjoinedTraces.add(group.traceId);
      }
      state = step.state;
      maxHeldBytes = Math.max(maxHeldBytes, (state as { heldBytes: number }).heldBytes);
    }
    if (options.windowSeconds > 0) {
      const end = (window + 1) * options.windowSeconds;
      const step = holdStep(state, [], { final: true, capBytes: 768 * 1024 });
      for (const group of step.release) {
        released += group.send.length;
        unjoinedTraces.add(group.traceId);
        for (const text of group.send) {
          holdSum += end - (arrivedAt.get(text) ?? end);
          holdCount += 1;
        }
      }
      state = step.state;
    }
  }
  return {
    windowSeconds: options.windowSeconds,
    spans: arrivals.length,
    released,
    joinedSpans,
    joinedTraces: options.traces - unjoinedTraces.size,
    meanHoldS: holdCount > 0 ? holdSum / holdCount : 0,
    maxHeldBytes,
  };
}
