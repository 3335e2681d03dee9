// Hold time vs traces joined, measured on the real hold with the simulated arrivals of
// test/helpers/hold-simulation.ts (an assumed delivery-delay model, seeded).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { simulateHold } from '../helpers/hold-simulation.ts';

describe('hold time vs traces joined', () => {
  const windows = [0, 5, 30, 120, 900];
  const base = { traces: 400, spansPerTrace: 5, durationS: 1800, seed: 11 };
  const results = windows.map((windowSeconds) => simulateHold({ ...base, windowSeconds }));

  it('no span is lost or sent twice, whatever the window', () => {
    for (const result of results)
      assert.equal(result.released, result.spans, `window ${result.windowSeconds} s`);
  });

  it('a longer hold joins more traces; the longest joins nearly all', () => {
    const joined = results.map((r) => r.joinedTraces);
    for (let i = 1; i < joined.length; i += 1) {
      assert.ok((joined[i] as number) >= (joined[i - 1] as number), `window ${windows[i]} s: ${joined}`);
    }
    assert.ok((joined[0] as number) < base.traces * 0.5, `no window joins few: ${joined[0]}`);
    assert.ok((joined.at(-1) as number) >= base.traces * 0.97, `900 s joins almost all: ${joined.at(-1)}`);
  });

  it('metadata stuck past the hold: those traces still reach Datadog, unjoined and counted', () => {
    const late = simulateHold({ ...base, windowSeconds: 30, lateShare: 0.1, lateDelayS: 600 });
    assert.equal(late.released, late.spans);
    assert.ok(late.joinedTraces <= base.traces * 0.92, `${late.joinedTraces}`);
  });
});
