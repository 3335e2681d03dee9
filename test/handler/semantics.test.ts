// Every handler style x every way to finish: the wrapped handler's outcome is the bare handler's,
// the same value or the same thrown object, and the aws.lambda span records failures.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AgentStandIn } from '../helpers/agent.ts';
import { lambdaContext, lambdaProcess } from '../helpers/lambda-env.ts';

let agent: AgentStandIn;
let withXRayMerge: typeof import('../../src/index.ts').withXRayMerge;

before(async () => {
  agent = await lambdaProcess({ DD_MERGE_XRAY_TRACES: 'true' });
  ({ withXRayMerge } = await import('../../src/index.ts'));
});
after(() => agent.close());

interface Outcome {
  via: string;
  value: unknown;
  calls: number;
  requestId: string;
}

type AnyHandler = (...args: any[]) => any;

/** Calls a handler the way the nodejs22.x runtime client does and reports how it finished. */
function invokeLikeRuntime(handler: AnyHandler, event: unknown): Promise<Outcome> {
  return new Promise((resolve) => {
    let calls = 0;
    let first: Omit<Outcome, 'calls' | 'requestId'> | undefined;
    const finish = (via: string, value: unknown) => {
      calls += 1;
      if (first) return;
      first = { via, value };
      // Let a second completion attempt (double completion) be counted before reporting.
      setImmediate(() => resolve({ ...first!, calls, requestId: context.awsRequestId }));
    };
    const context = lambdaContext({
      xRayTraceId: 'Root=1-5e272390-8c398be037738dc042009320;Parent=94ae789b969f1cc5;Sampled=1',
      done: (error: unknown, result: unknown) => finish(error ? 'done-error' : 'done', error ?? result),
      succeed: (result: unknown) => finish('succeed', result),
      fail: (error: unknown) => finish('fail', error),
    });
    const callback = (error: unknown, result: unknown) =>
      finish(error !== null && error !== undefined ? 'callback-error' : 'callback', error ?? result);
    let returned: unknown;
    try {
      returned = handler(event, context, callback);
    } catch (error) {
      finish('throw', error);
      return;
    }
    if (returned && typeof (returned as Promise<unknown>).then === 'function') {
      (returned as Promise<unknown>).then(
        (value) => finish('resolve', value),
        (error) => finish('reject', error),
      );
    }
  });
}

const result = { statusCode: 200, body: 'ok' };
const error = new TypeError('boom');
const notAnError = { code: 'E_NOT_AN_ERROR' };

const cases: Array<[string, AnyHandler, boolean]> = [
  ['async resolves', async () => result, false],
  ['async resolves undefined', async () => undefined, false],
  ['async rejects with an Error', async () => Promise.reject(error), true],
  ['async rejects with a non-Error', async () => Promise.reject(notAnError), true],
  ['async rejects with undefined', async () => Promise.reject(undefined), true],
  [
    'sync throw from a promise-returning handler',
    (_e: unknown, _c: unknown) => {
      throw error;
    },
    true,
  ],
  ['returns a plain promise', (_e: unknown, _c: unknown) => Promise.resolve(result), false],
  ['callback with a result', (_e: unknown, _c: unknown, cb: AnyHandler) => cb(null, result), false],
  [
    'callback later',
    (_e: unknown, _c: unknown, cb: AnyHandler) => setTimeout(() => cb(null, result), 1),
    false,
  ],
  ['callback with an error', (_e: unknown, _c: unknown, cb: AnyHandler) => cb(error), true],
  ['callback with a non-Error', (_e: unknown, _c: unknown, cb: AnyHandler) => cb('string failure'), true],
  [
    'callback called twice (first wins)',
    (_e: unknown, _c: unknown, cb: AnyHandler) => {
      cb(null, result);
      cb(error);
    },
    false,
  ],
  [
    'callback handler that throws synchronously',
    (_e: unknown, _c: unknown, _cb: AnyHandler) => {
      throw error;
    },
    true,
  ],
  ['context.succeed', (_e: unknown, c: { succeed: AnyHandler }) => c.succeed(result), false],
  ['context.fail', (_e: unknown, c: { fail: AnyHandler }) => c.fail(error), true],
  ['context.done with a result', (_e: unknown, c: { done: AnyHandler }) => c.done(null, result), false],
  ['context.done with an error', (_e: unknown, c: { done: AnyHandler }) => c.done(error), true],
  [
    'callbackWaitsForEmptyEventLoop=false then callback',
    (_e: unknown, c: { callbackWaitsForEmptyEventLoop: boolean }, cb: AnyHandler) => {
      c.callbackWaitsForEmptyEventLoop = false;
      cb(null, result);
    },
    false,
  ],
];

describe('the wrapped handler finishes exactly as the bare one', () => {
  for (const [name, handler, fails] of cases) {
    it(name, async () => {
      const bare = await invokeLikeRuntime(handler, { n: 1 });
      const wrapped = withXRayMerge(handler);
      assert.equal(wrapped.length, handler.length, 'the runtime sees the same arity');
      const traced = await invokeLikeRuntime(wrapped, { n: 1 });
      assert.equal(traced.via, bare.via);
      assert.equal(traced.value, bare.value, 'the very same object');
      assert.equal(traced.calls, bare.calls);
      const [span] = await agent.waitForSpans(1, 'aws.lambda', (s) => s.meta.request_id === traced.requestId);
      assert.ok(span);
      assert.equal(span.error, fails ? 1 : 0);
      if (fails) assert.ok(span.meta['error.message'] !== undefined, 'the failure is described on the span');
    });
  }

  it('the callbackWaitsForEmptyEventLoop setting reaches the runtime context', async () => {
    const context = lambdaContext();
    const wrapped = withXRayMerge(async (_e: unknown, c: { callbackWaitsForEmptyEventLoop: boolean }) => {
      c.callbackWaitsForEmptyEventLoop = false;
    });
    await wrapped({}, context as never);
    assert.equal(context.callbackWaitsForEmptyEventLoop, false);
  });
});

describe('response streaming handlers', () => {
  const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
  const HIGH_WATER_MARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');

  it('keeps the markers, passes the stream through, and traces the invocation', async () => {
    const written: string[] = [];
    const stream = { write: (chunk: string) => written.push(chunk), end: () => written.push('<end>') };
    const handler = Object.assign(
      async (event: { text: string }, responseStream: typeof stream, _context: unknown) => {
        responseStream.write(event.text);
        responseStream.end();
        return 'streamed';
      },
      { [STREAMING]: 'response', [HIGH_WATER_MARK]: 512 },
    );
    const wrapped = withXRayMerge(handler);
    assert.equal((wrapped as unknown as Record<symbol, unknown>)[STREAMING], 'response');
    assert.equal((wrapped as unknown as Record<symbol, unknown>)[HIGH_WATER_MARK], 512);
    assert.equal(wrapped.length, 3);
    const context = lambdaContext({
      xRayTraceId: 'Root=1-5e272390-8c398be037738dc042009320;Parent=0b11cc4230d3e09e;Sampled=1',
    });
    assert.equal(await wrapped({ text: 'hello' }, stream, context), 'streamed');
    assert.deepEqual(written, ['hello', '<end>']);
    const [span] = await agent.waitForSpans(1, 'aws.lambda', (s) => s.parent_id === 797643193680388254n);
    assert.equal(span!.trace_id, 3995693151288333088n, 'the context is the third argument');
  });
});

describe('pass-through', () => {
  it('DD_TRACE_ENABLED=false returns the handler itself', () => {
    const handler = async () => result;
    assert.equal(withXRayMerge(handler, { traceEnabled: false }), handler);
  });
  it('something that is not a function is returned as it is', () => {
    const notAHandler = { handler: true };
    assert.equal(withXRayMerge(notAHandler as never), notAHandler);
  });
});
