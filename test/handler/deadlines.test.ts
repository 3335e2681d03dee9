// The process-wide deadline watch: every deadline in flight fires once, in time order, whatever order
// they were added in; a cancelled one never fires; a callback that throws does not stop the others.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cancelDeadline, pendingDeadlines, watchDeadline } from '../../src/handler/deadlines.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('deadline watch', () => {
  it('fires each deadline once, earliest first, however they were added', async () => {
    const fired: string[] = [];
    const now = Date.now();
    watchDeadline(now + 60, () => fired.push('late'));
    watchDeadline(now + 20, () => fired.push('early')); // earlier than the armed one: re-arms
    watchDeadline(now + 40, () => fired.push('middle'));
    await sleep(150);
    assert.deepEqual(fired, ['early', 'middle', 'late']);
    assert.equal(pendingDeadlines(), 0);
  });

  it('a cancelled deadline never fires; the others still do', async () => {
    const fired: string[] = [];
    const now = Date.now();
    const cancelled = watchDeadline(now + 10, () => fired.push('cancelled'));
    watchDeadline(now + 30, () => fired.push('kept'));
    cancelDeadline(cancelled);
    await sleep(100);
    assert.deepEqual(fired, ['kept']);
  });

  it('a deadline already past fires on the next turn', async () => {
    let fired = false;
    watchDeadline(Date.now() - 5, () => {
      fired = true;
    });
    assert.equal(fired, false, 'never synchronously');
    await sleep(20);
    assert.equal(fired, true);
  });

  it('a callback that throws does not keep the others from firing', async () => {
    const fired: string[] = [];
    const now = Date.now();
    watchDeadline(now + 10, () => {
      throw new Error('tracing bug');
    });
    watchDeadline(now + 10, () => fired.push('second'));
    await sleep(60);
    assert.deepEqual(fired, ['second']);
    assert.equal(pendingDeadlines(), 0);
  });

  it('one timer serves a run of later deadlines', async () => {
    const fired: number[] = [];
    const now = Date.now();
    const entries = Array.from({ length: 50 }, (_, i) => watchDeadline(now + 30 + i, () => fired.push(i)));
    for (const entry of entries.slice(0, 40)) cancelDeadline(entry);
    assert.equal(pendingDeadlines(), 10);
    await sleep(150);
    assert.deepEqual(fired, [40, 41, 42, 43, 44, 45, 46, 47, 48, 49]);
  });
});
