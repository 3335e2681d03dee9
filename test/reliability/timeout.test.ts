// The timeout guard: a handler that runs into its deadline still gets its aws.lambda span to the
// agent, closed as timed out, before Lambda would stop it; and the guard's timer never outlives an
// invocation that finished normally.
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AgentStandIn, WireSpan } from '../helpers/agent.ts';
import { lambdaContext, lambdaProcess } from '../helpers/lambda-env.ts';
import { lambdaEnv, ROOT, runChild } from './run-child.ts';
import { within } from './within.ts';

let agent: AgentStandIn;
let withXRayMerge: typeof import('../../src/index.ts').withXRayMerge;
let pendingDeadlines: typeof import('../../src/handler/deadlines.ts').pendingDeadlines;
let tracer: typeof import('dd-trace').default;

before(async () => {
  agent = await lambdaProcess({ DD_MERGE_XRAY_TRACES: 'true' });
  ({ withXRayMerge } = await import('../../src/index.ts'));
  ({ pendingDeadlines } = await import('../../src/handler/deadlines.ts'));
  tracer = (await import('dd-trace')).default;
});
after(() => agent.close());

const DEADLINE_MS = 100; // DD_APM_FLUSH_DEADLINE_MILLISECONDS default
const HEADER = 'Root=1-5e272390-8c398be037738dc042009320;Parent=94ae789b969f1cc5;Sampled=1';

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

function spansOf(requestId: string): WireSpan[] {
  return agent.traces.flat().filter((s) => s.name === 'aws.lambda' && s.meta.request_id === requestId);
}

/** Runs one quick invocation and waits for its span: exports are sent in order, so anything the
 * earlier invocation would still export has arrived by then. */
async function sentinel(): Promise<void> {
  const context = lambdaContext();
  await withXRayMerge(async (_event: unknown, _context: unknown) => 'sentinel')({}, context as never);
  await agent.waitForSpans(1, 'aws.lambda', (s) => s.meta.request_id === context.awsRequestId);
}

describe('a handler that runs past its deadline', () => {
  for (const openChild of [false, true]) {
    it(`the aws.lambda span reaches the agent as timed out before the handler settles${openChild ? ' (with a child span still open)' : ''}`, async () => {
      const remainingMs = 400;
      const release = gate();
      let settled = false;
      const handler = withXRayMerge(async (_event: unknown, _context: unknown) => {
        if (openChild) await tracer.trace('stuck.call', () => release.promise);
        else await release.promise;
        return 'late value';
      });
      const context = lambdaContext({ xRayTraceId: HEADER, getRemainingTimeInMillis: () => remainingMs });
      const outcome = handler({}, context as never).finally(() => {
        settled = true;
      });
      const [span] = await within(
        agent.waitForSpans(1, 'aws.lambda', (s) => s.meta.request_id === context.awsRequestId),
        10_000,
        'the timed-out span reaching the agent',
      );
      assert.equal(settled, false, 'the span was exported while the handler was still running');
      assert.ok(span);
      assert.equal(span.error, 1);
      assert.match(span.meta['error.message'] ?? '', /Task timed out/);
      assert.match(
        span.meta['error.message'] ?? '',
        /0\.40 seconds/,
        'the message states the time the invocation had',
      );
      assert.equal(span.parent_id, 10713633173203262661n, 'still parented on X-Ray');
      // Closed near remaining - deadline: never after the deadline (a generous bound on the early side).
      const durationMs = Number(span.duration / 1_000_000n);
      assert.ok(durationMs <= remainingMs - DEADLINE_MS + 250, `closed after ${durationMs} ms`);
      assert.ok(durationMs >= remainingMs - DEADLINE_MS - 50, `closed too early, after ${durationMs} ms`);

      release.open();
      assert.equal(await outcome, 'late value', 'what the handler returns still passes through');
      await sentinel();
      const all = spansOf(context.awsRequestId);
      assert.equal(all.length, 1, 'one aws.lambda span for the invocation, not a second when it settles');
      if (openChild) {
        const stuck = agent.traces
          .flat()
          .filter((s) => s.name === 'stuck.call' && s.trace_id === span.trace_id);
        assert.ok(stuck.length <= 1, 'the open child is exported at most once');
      }
    });
  }
});

describe('the deadline watch never outlives the invocation', () => {
  /**
   * Deadlines are watched by one process-wide timer (src/handler/deadlines.ts): an invocation that
   * ends leaves the watch at once, and the timer itself, found by its delay (remaining - deadline, a
   * value nothing else uses), is unref'd so it never keeps the process alive.
   */
  const REMAINING_MS = 987_654;
  const timers: Array<{ hasRef(): boolean }> = [];
  const hook = createHook({
    init(_id, type, _trigger, resource) {
      const timer = resource as { _idleTimeout?: number; hasRef(): boolean };
      if (type === 'Timeout' && timer._idleTimeout === REMAINING_MS - DEADLINE_MS) timers.push(timer);
    },
  });
  before(() => hook.enable());
  after(() => hook.disable());
  type Style = [
    string,
    (...args: any[]) => unknown,
    (wrapped: (...args: any[]) => unknown, context: unknown) => Promise<unknown>,
  ];
  const styles: Style[] = [
    ['async resolve', async () => 'ok', (w, c) => w({}, c) as Promise<unknown>],
    [
      'async reject',
      async () => {
        throw new Error('nope');
      },
      (w, c) => (w({}, c) as Promise<unknown>).catch(() => 'rejected'),
    ],
    [
      'sync throw',
      () => {
        throw new Error('sync');
      },
      async (w, c) => {
        try {
          w({}, c);
        } catch {
          return 'thrown';
        }
      },
    ],
    [
      'callback',
      (_e: unknown, _c: unknown, cb: (e: unknown, r: unknown) => void) => setImmediate(() => cb(null, 'ok')),
      (w, c) => new Promise((resolve) => w({}, c, (_e: unknown, r: unknown) => resolve(r))),
    ],
    [
      'context.succeed',
      (_e: unknown, c: { succeed: (r: unknown) => void }) => c.succeed('ok'),
      (w, c) =>
        new Promise((resolve) => {
          (c as { succeed: (r: unknown) => void }).succeed = resolve;
          w({}, c);
        }),
    ],
  ];

  for (const [name, bare, invoke] of styles) {
    it(name, async () => {
      const context = lambdaContext({ xRayTraceId: HEADER, getRemainingTimeInMillis: () => REMAINING_MS });
      const wrapped = withXRayMerge(bare);
      const inFlight = pendingDeadlines();
      await invoke(wrapped, context);
      assert.equal(pendingDeadlines(), inFlight, 'the finished invocation left the deadline watch');
      assert.ok(
        timers.every((timer) => !timer.hasRef()),
        'the deadline timer never holds the process',
      );
    });
  }

  it('an invocation in flight is watched; the timer is armed once for a run of invocations', async () => {
    const armedBefore = timers.length;
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const wrapped = withXRayMerge(async (_event: unknown, _context: unknown) => held);
    const context = () =>
      lambdaContext({ xRayTraceId: HEADER, getRemainingTimeInMillis: () => REMAINING_MS });
    const first = wrapped({}, context()) as Promise<unknown>;
    const inFlight = pendingDeadlines();
    assert.ok(inFlight >= 1, 'the open invocation is watched');
    release();
    await first;
    for (let i = 0; i < 20; i += 1)
      await (withXRayMerge(async (_event: unknown, _context: unknown) => 'ok')(
        {},
        context(),
      ) as Promise<unknown>);
    assert.equal(pendingDeadlines(), inFlight - 1);
    // Each later deadline is after the armed one: no new timer per invocation.
    assert.ok(
      timers.length - armedBefore <= 1,
      `${timers.length - armedBefore} timers armed for 21 invocations`,
    );
  });
});

describe("with dd-trace's own Lambda hook in play (the layer's CommonJS entry)", () => {
  // LAMBDA_TASK_ROOT + DD_LAMBDA_HANDLER make dd-trace wrap the user's module in its own timeout
  // wrapper when it is require()d, as the CommonJS redirect entry does.
  const USER_MODULE = `exports.handler = async (event) => {
  if (event.mode === 'hang') { await globalThis.__xddmRelease; return 'late value'; }
  if (event.mode === 'reject') throw new Error('rejected on purpose');
  globalThis._ddtrace.trace('work', () => undefined);
  await new Promise((resolve) => setTimeout(resolve, event.waitMs));
  return 'worked';
};
`;
  let taskRoot: string;
  before(() => {
    taskRoot = mkdtempSync(path.join(os.tmpdir(), 'xddm-task-'));
    writeFileSync(path.join(taskRoot, 'fn.cjs'), USER_MODULE);
  });
  after(() => rmSync(taskRoot, { recursive: true, force: true }));

  interface HookResult {
    outcomes: Array<{ value?: unknown; error?: string }>;
    ddTimeouts: number;
  }
  const run = (kase: string, onStart?: (stdin: NodeJS.WritableStream) => void) =>
    runChild<HookResult>(
      { invocations: 0 },
      lambdaEnv(agent.url, { LAMBDA_TASK_ROOT: taskRoot, DD_LAMBDA_HANDLER: 'fn.handler', XDDM_CASE: kase }),
      { script: path.join(ROOT, 'test/reliability/child/redirect-hook.ts'), ...(onStart ? { onStart } : {}) },
    );

  it('a timed-out invocation gives one aws.lambda span, with one error', async () => {
    const { result } = await run('timeout', (stdin) => {
      void within(
        agent.waitForSpans(1, 'aws.lambda', (s) => s.meta.request_id === 'timeout-1'),
        10_000,
        'the timed-out span',
      ).finally(() => stdin.write('release\n'));
    });
    assert.deepEqual(result.outcomes, [{ value: 'late value' }]);
    const spans = spansOf('timeout-1');
    assert.equal(spans.length, 1, 'one aws.lambda span');
    assert.equal(spans[0]?.error, 1);
    assert.match(spans[0]?.meta['error.message'] ?? '', /^Task timed out after 0\.40 seconds/);
  });

  it("a rejected invocation's leftover timer does not cut short a later invocation's span", async () => {
    const { result } = await run('reject-then-work');
    assert.deepEqual(result.outcomes, [{ error: 'rejected on purpose' }, { value: 'worked' }]);
    const [later] = await agent.waitForSpans(1, 'aws.lambda', (s) => s.meta.request_id === 'work-1');
    assert.ok(later);
    // The handler awaits 60 ms after its child span ends: the aws.lambda span covers that wait
    // unless something force-finished it when the child finished (the fault: about 0.5 ms). The
    // bound leaves room for a Node timer firing a little early against the span's clock (seen:
    // 59.8 ms), since libuv measures timers from the loop's cached time.
    assert.ok(later.duration >= 50_000_000n, `aws.lambda lasted ${later.duration} ns, less than the handler`);
    assert.equal(later.error, 0);
  });
});
