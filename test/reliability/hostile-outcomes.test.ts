// Hostile outcomes: handlers that throw or return values built to break whoever inspects them
// (throwing getters, Proxies that trap everything, symbols, null-prototype objects). The caller gets
// the very same value or thrown object as from the bare handler, and the aws.lambda span is still
// finished and exported, marked as failed when the handler failed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AgentStandIn } from '../helpers/agent.ts';
import { lambdaContext, lambdaProcess } from '../helpers/lambda-env.ts';
import { within } from './within.ts';

let agent: AgentStandIn;
let withXRayMerge: typeof import('../../src/index.ts').withXRayMerge;

before(async () => {
  agent = await lambdaProcess({ DD_MERGE_XRAY_TRACES: 'true' });
  ({ withXRayMerge } = await import('../../src/index.ts'));
});
after(() => agent.close());

const trap = () => {
  throw new Error('trap');
};
/** A Proxy whose every trap throws: any inspection of it fails. */
const everythingThrows = new Proxy(
  {},
  {
    get: trap,
    has: trap,
    ownKeys: trap,
    getPrototypeOf: trap,
    getOwnPropertyDescriptor: trap,
    set: trap,
    defineProperty: trap,
  },
);

class GetterError extends Error {
  override get message(): string {
    throw new Error('message getter');
  }
  override get name(): string {
    throw new Error('name getter');
  }
  override get stack(): string {
    throw new Error('stack getter');
  }
}

const thrown: Array<[string, () => unknown]> = [
  ['an Error whose message, name and stack getters throw', () => new GetterError()],
  [
    'an object whose message getter throws',
    () => ({
      get message() {
        throw new Error('getter');
      },
    }),
  ],
  ['a Proxy that traps everything', () => everythingThrows],
  ['a symbol', () => Symbol('thrown')],
  ['a bigint', () => 10n ** 30n],
  ['a null-prototype object', () => Object.create(null)],
  [
    'an object whose toString throws',
    () => ({
      toString: trap,
    }),
  ],
  ['a 10 MB string', () => 'x'.repeat(10 * 1024 * 1024)],
];

// HTTP-triggered, so the wrapper also reads the response for `http.status_code`.
const HTTP_EVENT = {
  resource: '/items',
  path: '/items',
  httpMethod: 'GET',
  headers: {},
  requestContext: {
    accountId: '123456789012',
    apiId: 'abc123',
    stage: 'prod',
    httpMethod: 'GET',
    path: '/prod/items',
  },
};

async function spanOf(requestId: string) {
  const [span] = await within(
    agent.waitForSpans(1, 'aws.lambda', (s) => s.meta.request_id === requestId),
    10_000,
    'the aws.lambda span reaching the agent',
  );
  assert.ok(span);
  return span;
}

describe('hostile thrown values', () => {
  for (const [name, make] of thrown) {
    for (const how of ['reject', 'throw']) {
      it(`${how}: ${name}`, async () => {
        const value = make();
        const handler = withXRayMerge((_event: unknown, _context: unknown) => {
          if (how === 'throw') throw value;
          return Promise.reject(value);
        });
        const context = lambdaContext();
        let caught: unknown = 'nothing thrown';
        try {
          await handler(HTTP_EVENT, context as never);
        } catch (error) {
          caught = error;
        }
        assert.ok(caught === value, 'the very same thrown value');
        const span = await spanOf(context.awsRequestId);
        assert.equal(span.error, 1, 'the span records the failure');
      });
    }
  }
});

describe('hostile responses', () => {
  const responses: Array<[string, () => unknown]> = [
    [
      // `then` reads as undefined, so that an async handler can return it (resolving reads `then`).
      'a Proxy that traps everything but then',
      () =>
        new Proxy(
          {},
          {
            get: (_target, key) => (key === 'then' ? undefined : trap()),
            has: trap,
            ownKeys: trap,
            getPrototypeOf: trap,
            getOwnPropertyDescriptor: trap,
          },
        ),
    ],
    [
      'an object whose statusCode getter throws',
      () => ({
        get statusCode() {
          throw new Error('getter');
        },
      }),
    ],
    ['a null-prototype object', () => Object.create(null)],
  ];
  for (const [name, make] of responses) {
    it(name, async () => {
      const value = make();
      const handler = withXRayMerge(async (_event: unknown, _context: unknown) => value);
      const context = lambdaContext();
      assert.ok((await handler(HTTP_EVENT, context as never)) === value, 'the very same value');
      const span = await spanOf(context.awsRequestId);
      assert.equal(span.error, 0);
    });
  }
});
