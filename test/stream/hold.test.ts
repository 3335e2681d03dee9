import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY_HOLD, type HeldRecord, type HoldState, holdStep } from '../../src/stream/hold.ts';

const span = (traceId: string, name: string): HeldRecord => ({
  traceId,
  isMetadata: false,
  text: `${traceId}:${name}`,
});
const meta = (traceId: string): HeldRecord => ({ traceId, isMetadata: true, text: `${traceId}:meta` });
const CAP = 1_000_000;

/** Runs batches through one window; returns every release with the batch it came out of. */
function run(batches: HeldRecord[][], capBytes = CAP) {
  let state: unknown = EMPTY_HOLD;
  const out: Array<{
    batch: number;
    traceId: string;
    send: string[];
    context: string[];
    joined: boolean;
    reason?: string;
  }> = [];
  batches.forEach((records, index) => {
    const final = index === batches.length - 1;
    const step = holdStep(state, records, { final, capBytes });
    for (const group of step.release)
      out.push({ batch: index, ...group, send: [...group.send], context: [...group.context] });
    state = step.state;
  });
  return { out, state: state as HoldState };
}

describe('holdStep: a trace joins when its metadata arrives in the same window', () => {
  const cases: Array<{ name: string; batches: HeldRecord[][]; expected: ReturnType<typeof run>['out'] }> = [
    {
      name: 'metadata first: the later spans go out at once, with the metadata as context',
      batches: [[meta('a')], [span('a', '1')], []],
      expected: [
        { batch: 0, traceId: 'a', send: ['a:meta'], context: [], joined: true },
        { batch: 1, traceId: 'a', send: ['a:1'], context: ['a:meta'], joined: true },
      ],
    },
    {
      name: 'metadata after the spans: they are held, then released with it',
      batches: [[span('a', '1')], [span('a', '2'), meta('a')], []],
      expected: [{ batch: 1, traceId: 'a', send: ['a:meta', 'a:1', 'a:2'], context: [], joined: true }],
    },
    {
      name: 'never any metadata (serverless-first): released at the window end, unjoined',
      batches: [[span('b', '1')], [span('b', '2')], []],
      expected: [
        { batch: 2, traceId: 'b', send: ['b:1', 'b:2'], context: [], joined: false, reason: 'window-end' },
      ],
    },
    {
      name: 'traces do not mix',
      batches: [[span('a', '1'), span('b', '1')], [meta('b')], []],
      expected: [
        { batch: 1, traceId: 'b', send: ['b:meta', 'b:1'], context: [], joined: true },
        { batch: 2, traceId: 'a', send: ['a:1'], context: [], joined: false, reason: 'window-end' },
      ],
    },
  ];
  for (const { name, batches, expected } of cases) {
    it(name, () => {
      const { out, state } = run(batches);
      assert.deepEqual(out, expected);
      assert.deepEqual(state, EMPTY_HOLD, 'the window ends empty');
    });
  }

  it('over the cap the oldest held traces leave first, unjoined', () => {
    const { out } = run([[span('a', '1')], [span('b', '1')], [span('c', '1')], []], 5);
    assert.deepEqual(
      out.map((g) => [g.batch, g.traceId, g.reason]),
      [
        [1, 'a', 'cap'],
        [2, 'b', 'cap'],
        [3, 'c', 'window-end'],
      ],
    );
  });

  it('every record leaves exactly once', () => {
    const batches: HeldRecord[][] = [];
    for (let b = 0; b < 20; b += 1) {
      const batch: HeldRecord[] = [];
      for (let t = 0; t < 5; t += 1) batch.push((b + t) % 7 === 0 ? meta(`t${t}`) : span(`t${t}`, `${b}`));
      batches.push(batch);
    }
    batches.push([]);
    const sent = run(batches, 40).out.flatMap((g) => g.send);
    assert.deepEqual(
      [...sent].sort(),
      batches
        .flat()
        .map((r) => r.text)
        .sort(),
    );
  });

  it('a state Lambda hands back in another shape starts empty instead of throwing', () => {
    for (const bad of [null, 'x', { meta: 3, held: [1] }, { held: { a: [1, 'x'] } }]) {
      const step = holdStep(bad, [span('a', '1')], { final: true, capBytes: CAP });
      assert.deepEqual(
        step.release.flatMap((g) => g.send).filter((t) => t === 'a:1'),
        ['a:1'],
      );
    }
  });
});
