// The carriers datadog-lambda-js users rely on, on real events written by others
// (test/fixtures/events/real/SOURCE.md): a traced Lambda authorizer, a Step Functions context inside
// a message, headers-only events, AppSync resolvers. Expected ids are the ones those samples carry or
// their authors' specs assert. Then each carrier's malformed forms: one debug line, the next source.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { type Options, resolveConfig } from '../../src/config.ts';
import { stepFunctionsContext } from '../../src/context/extractors/step-functions.ts';
import { chooseParent } from '../../src/context/parent.ts';
import { base64Json, ddCarrier, realFixture } from './fixtures.ts';

const real = realFixture;

const XRAY = { xRayTraceId: 'Root=1-5e272390-8c398be037738dc042009320;Parent=94ae789b969f1cc5;Sampled=1' };
const XRAY_TRACE = '3995693151288333088';

let debugLines: string[];
beforeEach(() => {
  debugLines = [];
  mock.method(console, 'log', (line: string) => debugLines.push(line));
});
afterEach(() => mock.restoreAll());

function choose(event: unknown, options: Options = {}) {
  const config = resolveConfig({ logLevel: 'debug', ...options }, {});
  return chooseParent(config, event, XRAY);
}

/** [fixture, trace id, parent id, priority] or [fixture, undefined]: the event carries no usable context. */
type Expected = [string, string, string, number] | [string, undefined];

const AUTHORIZERS: Expected[] = [
  // Ran for this request (integrationLatency > 0, or the same request id on HTTP APIs).
  ['api-gateway-traced-authorizer-request-v1', '2095319761084710747', '2095319761084710747', 1],
  ['api-gateway-traced-authorizer-request-v2', '372675515829592104', '372675515829592104', 1],
  [
    'api-gateway-traced-authorizer-request-websocket-connect',
    '6545406747453684600',
    '6545406747453684600',
    1,
  ],
  ['api-gateway-traced-authorizer-token-v1', '6968284087649577200', '6968284087649577200', 1],
  // Cached results: the context is another request's trace, and the headers carry none (only a Root).
  ['api-gateway-traced-authorizer-request-v1-cached', undefined],
  ['api-gateway-traced-authorizer-request-v2-cached', undefined],
  ['api-gateway-traced-authorizer-request-websocket-message', undefined],
  ['api-gateway-traced-authorizer-token-v1-cached', undefined],
];

const STEP_FUNCTIONS_IN_MESSAGES: Array<[string, string, string, (e: any) => unknown]> = [
  [
    'step-functions-in-sqs',
    '7148114900282288397',
    '6711327198021343353',
    (e) => JSON.parse(e.Records[0].messageAttributes._datadog.stringValue),
  ],
  [
    'step-functions-in-sns',
    '3995810302240690842',
    '8347071195300897803',
    (e) => JSON.parse(e.Records[0].Sns.MessageAttributes._datadog.Value),
  ],
  [
    'step-functions-in-sns-sqs',
    '1657966791618574655',
    '5100002956473485303',
    (e) => JSON.parse(e.Records[0].messageAttributes._datadog.stringValue),
  ],
  ['step-functions-in-eventbridge', '1503104665848096006', '159267866761498620', (e) => e.detail._datadog],
  [
    'step-functions-in-eventbridge-sqs',
    '7858567057595668526',
    '3674709292670593712',
    (e) => JSON.parse(e.Records[0].body).detail._datadog,
  ],
];

const OTHERS: Expected[] = [
  ['headers-only', '797643193680388254', '4726693487091824375', 2],
  ['headers-only-mixed-case', '797643193680388254', '4726693487091824375', 2],
  // The first value of each multi-value header.
  ['multi-value-headers-only', '123', '456', 1],
  // x-datadog-* wins over the traceparent the same browser sent.
  ['rum-appsync', '12345', '67890', 1],
  ['rum-appsync-no-headers', undefined],
];

describe('real samples, DD_MERGE_XRAY_TRACES off and on', () => {
  for (const [name, traceId, parentId, priority] of [...AUTHORIZERS, ...OTHERS]) {
    for (const merge of [false, true]) {
      it(`${name}, merge ${merge ? 'on' : 'off'}: ${traceId ?? 'no event context'}`, () => {
        const chosen = choose(real(name), { mergeXrayTraces: merge });
        assert.deepEqual(debugLines, []);
        if (traceId === undefined) {
          assert.equal(chosen.source, merge ? 'xray' : 'none');
          if (merge) assert.equal(chosen.context?.traceId, XRAY_TRACE);
          return;
        }
        assert.equal(chosen.source, 'event');
        assert.deepEqual(chosen.context, { traceId, parentId, samplingPriority: priority });
      });
    }
  }

  for (const [name, traceId, parentId, inner] of STEP_FUNCTIONS_IN_MESSAGES) {
    for (const merge of [false, true]) {
      it(`${name}, merge ${merge ? 'on' : 'off'}: the ids of a direct Step Functions invocation`, () => {
        const event = real(name);
        const chosen = choose(event, { mergeXrayTraces: merge });
        assert.deepEqual(debugLines, []);
        assert.equal(chosen.source, 'event');
        assert.equal(chosen.context?.traceId, traceId);
        assert.equal(chosen.context?.parentId, parentId);
        assert.equal(chosen.context?.samplingPriority, 1);
        assert.deepEqual(chosen.context, stepFunctionsContext(inner(event) as never, assert.fail));
      });
    }
  }
});

describe('a Lambda-rooted Step Functions context in a message (the trace of the Lambda that started it)', () => {
  it('EventBridge: its x-datadog-trace-id and _dd.p.tid, without a parent id, is not a broken text map', () => {
    const event = real('step-functions-in-eventbridge');
    delete event.detail._datadog.RootExecutionId;
    event.detail._datadog['x-datadog-trace-id'] = '5821803790426892636';
    event.detail._datadog['x-datadog-tags'] = '_dd.p.dm=-0,_dd.p.tid=672a7cb100000000';
    const chosen = choose(event);
    assert.deepEqual(debugLines, []);
    assert.equal(chosen.context?.traceId, '5821803790426892636');
    assert.equal(chosen.context?.tid, '672a7cb100000000');
    assert.deepEqual(chosen.context, stepFunctionsContext(event.detail._datadog, assert.fail));
  });
});

describe('DD_DECODE_AUTHORIZER_CONTEXT=false: the request headers decide', () => {
  it('a fresh authorizer context is ignored', () => {
    const event = real('api-gateway-traced-authorizer-request-v1');
    Object.assign(event.headers, ddCarrier('11', '12', '2'));
    const on = choose(event);
    assert.equal(on.context?.traceId, '2095319761084710747');
    const off = choose(event, { decodeAuthorizerContext: false });
    assert.deepEqual(off.context, { traceId: '11', parentId: '12', samplingPriority: 2 });
  });
});

describe('malformed carriers: one debug line, then the next source', () => {
  /** A fresh REST authorizer sample whose request headers also carry a context (11/12). */
  function authorizerWith(value: unknown) {
    const event = real('api-gateway-traced-authorizer-request-v1');
    event.requestContext.authorizer._datadog = value;
    Object.assign(event.headers, ddCarrier('11', '12', '1'));
    return event;
  }
  const decoded = {
    'x-datadog-trace-id': '2095319761084710747',
    'x-datadog-parent-id': '2095319761084710747',
  };

  const cases: Array<[string, () => unknown, string | undefined]> = [
    ['authorizer _datadog not base64 -> request headers', () => authorizerWith('%%%'), '11'],
    [
      'authorizer _datadog base64 of text that is not JSON -> request headers',
      () => authorizerWith(Buffer.from('{nope').toString('base64')),
      '11',
    ],
    [
      'authorizer _datadog JSON that is not an object -> request headers',
      () => authorizerWith(base64Json([1, 2])),
      '11',
    ],
    ['authorizer _datadog a number -> request headers', () => authorizerWith(42), '11'],
    ['authorizer _datadog a huge value -> request headers', () => authorizerWith('A'.repeat(1 << 20)), '11'],
    [
      'authorizer ids above 2^64-1 -> request headers',
      () => authorizerWith(base64Json({ ...decoded, 'x-datadog-trace-id': '18446744073709551616' })),
      '11',
    ],
    [
      'HTTP API authorizer.lambda._datadog not base64 -> nothing',
      () => {
        const event = real('api-gateway-traced-authorizer-request-v2');
        event.requestContext.authorizer.lambda._datadog = 'not base64!';
        return event;
      },
      undefined,
    ],
    [
      'Step Functions context in SQS, v1 without RootExecutionId or trace id -> nothing',
      () => {
        const event = real('step-functions-in-sqs');
        const inner = JSON.parse(event.Records[0].messageAttributes._datadog.stringValue);
        delete inner.RootExecutionId;
        event.Records[0].messageAttributes._datadog.stringValue = JSON.stringify(inner);
        return event;
      },
      undefined,
    ],
    [
      'Step Functions context in EventBridge, a lambda-root trace id of zero -> nothing',
      () => {
        const event = real('step-functions-in-eventbridge');
        delete event.detail._datadog.RootExecutionId;
        event.detail._datadog['x-datadog-trace-id'] = '0';
        event.detail._datadog['x-datadog-tags'] = '_dd.p.tid=65f2f4b100000000';
        return event;
      },
      undefined,
    ],
    [
      'headers-only with a trace id that is not decimal -> nothing',
      () => ({ headers: { ...ddCarrier('0x10', '5') } }),
      undefined,
    ],
    [
      'AppSync request that is not an object -> nothing',
      () => real('rum-appsync-request-not-dict'),
      undefined,
    ],
  ];
  for (const [name, make, traceId] of cases) {
    it(name, () => {
      const chosen = choose(make());
      assert.equal(chosen.source, traceId === undefined ? 'none' : 'event');
      assert.equal(chosen.context?.traceId, traceId);
      assert.equal(debugLines.length, 1, debugLines.join('\n'));
      assert.match(debugLines[0] ?? '', /trace context ignored/);
    });
  }

  it('a cached authorizer result is expected, not malformed: no line', () => {
    const chosen = choose(real('api-gateway-traced-authorizer-token-v1-cached'));
    assert.equal(chosen.source, 'none');
    assert.deepEqual(debugLines, []);
  });

  it('the event is never changed (AppSync headers are read in place)', () => {
    const event = real('rum-appsync');
    const before = JSON.stringify(event);
    choose(event);
    assert.equal(JSON.stringify(event), before);
  });
});

describe('the authorizer span plan (aws.apigateway.authorizer), from the event alone', () => {
  function planOf(event: Record<string, any>, options: Options = {}) {
    return choose(event, options).inferred;
  }
  const cases: Array<[string, () => Record<string, any>, number | undefined, number | undefined]> = [
    // From the authorizer's finish to the request's start plus the authorizer's latency.
    [
      'REST request authorizer',
      () => real('api-gateway-traced-authorizer-request-v1'),
      1660939857052,
      1660939857075,
    ],
    [
      'REST token authorizer',
      () => real('api-gateway-traced-authorizer-token-v1'),
      1666803196780,
      1666803196783,
    ],
    [
      'WebSocket $connect',
      () => real('api-gateway-traced-authorizer-request-websocket-connect'),
      1666633566931,
      1666633566947,
    ],
    [
      'a finish time in milliseconds (older tracers) reads the same',
      () => {
        const event = real('api-gateway-traced-authorizer-request-v1');
        const carrier = JSON.parse(
          Buffer.from(event.requestContext.authorizer._datadog, 'base64').toString(),
        );
        carrier['x-datadog-parent-span-finish-time'] = 1660939857052;
        event.requestContext.authorizer._datadog = base64Json(carrier);
        return event;
      },
      1660939857052,
      1660939857075,
    ],
    [
      'an end before the start is the start',
      () => {
        const event = real('api-gateway-traced-authorizer-request-v1');
        event.requestContext.authorizer.integrationLatency = 1;
        return event;
      },
      1660939857052,
      1660939857052,
    ],
    [
      'no finish time: no span',
      () => {
        const event = real('api-gateway-traced-authorizer-token-v1');
        const carrier = JSON.parse(
          Buffer.from(event.requestContext.authorizer._datadog, 'base64').toString(),
        );
        delete carrier['x-datadog-parent-span-finish-time'];
        event.requestContext.authorizer._datadog = base64Json(carrier);
        return event;
      },
      undefined,
      undefined,
    ],
    ['HTTP API: no span', () => real('api-gateway-traced-authorizer-request-v2'), undefined, undefined],
    ['cached: no span', () => real('api-gateway-traced-authorizer-request-v1-cached'), undefined, undefined],
  ];
  for (const [name, make, startMs, endMs] of cases) {
    it(name, () => {
      const plan = planOf(make());
      assert.equal(plan?.startMs, startMs);
      assert.equal(plan?.endMs, endMs);
      if (plan) {
        assert.equal(plan.name, 'aws.apigateway.authorizer');
        assert.equal(plan.type, 'web');
        assert.match(plan.service, /\.execute-api\.eu-west-1\.amazonaws\.com$/);
      }
    });
  }

  it("REST: service is the API's domain, resource the method and resource path", () => {
    const plan = planOf(real('api-gateway-traced-authorizer-request-v1'));
    assert.equal(plan?.service, '3gsxz7lha4.execute-api.eu-west-1.amazonaws.com');
    assert.equal(plan?.resource, 'POST /hello');
    assert.equal(plan?.tags['http.url'], 'https://3gsxz7lha4.execute-api.eu-west-1.amazonaws.com/dev/hello');
  });
});
