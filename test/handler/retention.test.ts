// A finished invocation is not kept alive by what outlives it: the runtime's context (whose
// done/succeed/fail the wrapper replaces) and callback. Before, they held the finished span and its
// trace, which then survived young GCs and were promoted (RSS over dd-trace doing the same work by
// hand in the bench). Real dd-trace; the span is observed through a WeakRef after a forced GC.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { AgentStandIn } from '../helpers/agent.ts';
import { lambdaContext, lambdaProcess } from '../helpers/lambda-env.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let agent: AgentStandIn;
let withXRayMerge: typeof import('../../src/index.ts').withXRayMerge;
let tracer: { scope(): { active(): object | null } };

before(async () => {
  agent = await lambdaProcess({ DD_MERGE_XRAY_TRACES: 'true' });
  ({ withXRayMerge } = await import('../../src/index.ts'));
  tracer = (await import('dd-trace')).default as unknown as typeof tracer;
});
after(() => agent.close());

type Ends = (context: Record<string, any>, callback: (e?: unknown, r?: unknown) => void) => unknown;

const ways: Array<[string, 2 | 3, Ends]> = [
  ['an async handler resolving', 2, async () => 'ok'],
  [
    'an async handler rejecting',
    2,
    async () => {
      throw new Error('boom');
    },
  ],
  ['the callback', 3, (_context, callback) => callback(undefined, 'ok')],
  ['context.done', 2, (context) => context.done(undefined, 'ok')],
  ['context.succeed', 2, (context) => context.succeed('ok')],
  ['context.fail', 2, (context) => context.fail(new Error('boom'))],
];

describe('a finished invocation is let go', () => {
  ways.forEach(([way, arity, ends], index) => {
    it(`ended by ${way}, while the runtime still holds its context and callback`, async () => {
      let span: WeakRef<object> | undefined;
      const requestId = `retention-${index}`;
      const user = (_event: unknown, context: Record<string, any>, callback: () => void) => {
        span = new WeakRef(tracer.scope().active()!);
        return ends(context, callback);
      };
      // The arity tells the wrapper which style the handler has, as Lambda's runtime reads it.
      const handler = withXRayMerge(arity === 3 ? user : (e: unknown, c: any) => user(e, c, () => {}));
      const ended = new Promise<void>((resolve) => {
        const context = lambdaContext({
          awsRequestId: requestId,
          xRayTraceId: 'Root=1-5e272390-8c398be037738dc042009320;Parent=94ae789b969f1cc5;Sampled=1',
          done: () => resolve(),
          succeed: () => resolve(),
          fail: () => resolve(),
        });
        kept.push(context);
        const outcome = handler({}, context, () => resolve());
        if (outcome instanceof Promise)
          outcome.then(
            () => resolve(),
            () => resolve(),
          );
      });
      await ended;
      // Exported: dd-trace itself no longer needs the span.
      await agent.waitForSpans(1, 'aws.lambda', (s) => s.meta.request_id === requestId);
      for (let i = 0; i < 3; i += 1) {
        gc();
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.ok(span, 'the handler ran inside a span');
      // A boolean: on failure the runner would otherwise serialise the whole span graph.
      assert.equal(span.deref() === undefined, true, 'the finished span is still reachable from the context');
      assert.equal(kept.length > 0, true);
    });
  });
});

/** The contexts stay reachable for the whole test, as the runtime (or user code) may keep them. */
const kept: object[] = [];
