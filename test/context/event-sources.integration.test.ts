// Every event source end to end: the wrapper over real dd-trace, exporting to a loopback agent
// stand-in, with X-Ray merging on. Assertions are on the decoded wire span: trace_id, parent_id,
// _sampling_priority_v1, `_dd.parent_source` and the trigger tags; and, for event contexts in a
// sampled X-Ray trace, on the `datadog-metadata` subsegment the loopback daemon receives.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AgentStandIn, WireSpan } from '../helpers/agent.ts';
import { type DaemonStandIn, parseDatagram, startDaemon } from '../helpers/daemon.ts';
import { lambdaContext, lambdaProcess } from '../helpers/lambda-env.ts';
import { base64Json, ddCarrier, fixture, realFixture } from './fixtures.ts';

const ROOT = '1-5e272390-8c398be037738dc042009320';
const PARENT = '94ae789b969f1cc5';
const XRAY_TRACE = 3995693151288333088n;
const XRAY_PARENT = 10713633173203262661n;

let agent: AgentStandIn;
let daemon: DaemonStandIn;
let wrap: typeof import('../../src/index.ts');

before(async () => {
  daemon = await startDaemon();
  agent = await lambdaProcess({
    DD_MERGE_XRAY_TRACES: 'true',
    DD_ENV: 'test',
    AWS_XRAY_DAEMON_ADDRESS: daemon.address,
  });
  wrap = await import('../../src/index.ts');
});
after(async () => {
  await agent.close();
  await daemon.close();
});

type Handler = (event: unknown, context: never) => Promise<unknown>;

/** Invokes a wrapped handler once and returns its `aws.lambda` span as the agent decoded it. */
async function invoke(
  handler: Handler,
  event: unknown,
  overrides: Record<string, unknown> = {},
  sampled = '0',
): Promise<WireSpan> {
  const context = lambdaContext({
    xRayTraceId: `Root=${ROOT};Parent=${PARENT};Sampled=${sampled}`,
    ...overrides,
  });
  await handler(event, context as never).catch(() => undefined);
  const requestId = context.awsRequestId;
  let span: WireSpan | undefined;
  for (let count = 1; !span; count++) {
    const spans = await agent.waitForSpans(count, 'aws.lambda');
    span = spans.find((s) => s.meta.request_id === requestId);
  }
  return span;
}

/**
 * These cases are about the context that parents the invocation, so the managed-service spans that
 * would come between (DD_TRACE_MANAGED_SERVICES) are off; they are tested on their own at the end.
 */
const NO_INFERRED = { traceManagedServices: false } as const;

let okHandler: Handler | undefined;
/** One wrapped handler shared by the cases (wrapped after dd-trace is set up in `before`). */
function ok(): Handler {
  okHandler ??= wrap.withXRayMerge(async () => ({ statusCode: 200, body: 'ok' }), NO_INFERRED);
  return okHandler;
}

/** A producer's X-Ray header (datadog-lambda-js event_samples/eventbridge-sqs.json) on real SQS records. */
const PRODUCER_HEADER = 'Root=1-64cc2edd-112fbf1701d1355973a11d57;Parent=7d5a9776024b2d42;Sampled=0';
function sqsWithProducerHeader(records = 1) {
  const event = realFixture('datadog-lambda-js/sqs');
  const record = event.Records[0];
  record.attributes.AWSTraceHeader = PRODUCER_HEADER;
  event.Records = Array.from({ length: records }, (_, i) =>
    i === 0
      ? record
      : {
          ...record,
          messageId: `m-${i}`,
          attributes: {
            ...record.attributes,
            AWSTraceHeader: `Root=1-64cc2edd-112fbf1701d1355973a11d5${i};Parent=7d5a9776024b2d4${i};Sampled=1`,
          },
        },
  );
  return event;
}

interface WireCase {
  readonly name: string;
  readonly event: () => unknown;
  readonly context?: Record<string, unknown>;
  readonly traceId: bigint;
  readonly parentId: bigint;
  readonly priority: number | undefined;
  readonly source: string;
  readonly trigger?: string;
  readonly tid?: string;
}

const CASES: WireCase[] = [
  {
    name: 'API Gateway REST (x-datadog-* with _dd.p.tid)',
    event: () => fixture('api-gateway-rest'),
    traceId: 7102102102102102101n,
    parentId: 7102102102102102102n,
    priority: 2,
    source: 'event',
    trigger: 'api-gateway',
    tid: '66bcb5eb00000000',
  },
  {
    name: 'API Gateway HTTP API (W3C traceparent + tracestate)',
    event: () => fixture('api-gateway-http'),
    traceId: 0x63f3a2b1c4d5e6f7n,
    parentId: 0x00f067aa0ba902b7n,
    priority: 2,
    source: 'event',
    trigger: 'api-gateway',
    tid: '66bcb5eb00000000',
  },
  {
    name: 'API Gateway WebSocket',
    event: () => fixture('api-gateway-websocket'),
    traceId: 7303303303303303301n,
    parentId: 7303303303303303302n,
    priority: 1,
    source: 'event',
    trigger: 'api-gateway',
  },
  {
    name: 'ALB, single-value headers',
    event: () => fixture('alb'),
    traceId: 7404404404404404401n,
    parentId: 7404404404404404402n,
    priority: 1,
    source: 'event',
    trigger: 'application-load-balancer',
  },
  {
    name: 'ALB, multi-value headers (W3C, not sampled)',
    event: () => fixture('alb-multi-value'),
    traceId: 0x74a4a4a4a4a4a4a4n,
    parentId: 0x74b4b4b4b4b4b4b4n,
    priority: 0,
    source: 'event',
    trigger: 'application-load-balancer',
  },
  {
    name: 'Lambda Function URL',
    event: () => fixture('function-url'),
    traceId: 7505505505505505501n,
    parentId: 7505505505505505502n,
    priority: 2,
    source: 'event',
    trigger: 'lambda-function-url',
  },
  {
    name: 'X-Amzn-Trace-Id request header of another X-Ray trace',
    event: () => {
      const event = fixture('api-gateway-http');
      event.headers = {
        'x-amzn-trace-id': 'Root=1-5ce31dc2-2c779014b90ce44db5e03875;Parent=0b11cc4230d3e09e;Sampled=1',
      };
      return event;
    },
    traceId: 4110911582297405557n,
    parentId: 797643193680388254n,
    priority: 2,
    source: 'event',
    trigger: 'api-gateway',
  },
  {
    name: 'SQS messageAttributes._datadog (String; the batch)',
    event: () => fixture('sqs'),
    traceId: 7606606606606606601n,
    parentId: 7606606606606606602n,
    priority: 1,
    source: 'event',
    trigger: 'sqs',
  },
  {
    name: 'SQS messageAttributes._datadog (Binary)',
    event: () => {
      const event = fixture('sqs');
      event.Records = [event.Records[1]];
      return event;
    },
    traceId: 7606606606606606611n,
    parentId: 7606606606606606612n,
    priority: 1,
    source: 'event',
    trigger: 'sqs',
  },
  {
    name: 'SQS attributes.AWSTraceHeader (dd-trace-java padded form)',
    event: () => fixture('sqs-aws-trace-header'),
    traceId: 0x6a1b2c3d4e5f6071n,
    parentId: 0x5a6b7c8d9e0f1a2bn,
    priority: 2,
    source: 'event',
    trigger: 'sqs',
  },
  {
    name: 'SNS',
    event: () => fixture('sns'),
    traceId: 7707707707707707701n,
    parentId: 7707707707707707702n,
    priority: 1,
    source: 'event',
    trigger: 'sns',
  },
  {
    name: 'SNS through SQS',
    event: () => fixture('sns-sqs'),
    traceId: 7808808808808808801n,
    parentId: 7808808808808808802n,
    priority: 1,
    source: 'event',
    trigger: 'sqs',
  },
  {
    name: 'EventBridge',
    event: () => fixture('eventbridge'),
    traceId: 7909909909909909901n,
    parentId: 7909909909909909902n,
    priority: 1,
    source: 'event',
    trigger: 'eventbridge',
  },
  {
    name: 'EventBridge through SQS',
    event: () => fixture('eventbridge-sqs'),
    traceId: 8101101101101101101n,
    parentId: 8101101101101101102n,
    priority: 1,
    source: 'event',
    trigger: 'sqs',
  },
  {
    name: 'Kinesis',
    event: () => fixture('kinesis'),
    traceId: 8202202202202202201n,
    parentId: 8202202202202202202n,
    priority: 1,
    source: 'event',
    trigger: 'kinesis',
  },
  {
    name: 'DynamoDB Streams: no context of its own, so X-Ray',
    event: () => fixture('dynamodb'),
    traceId: XRAY_TRACE,
    parentId: XRAY_PARENT,
    priority: undefined,
    source: 'xray',
    trigger: 'dynamodb',
  },
  {
    name: 'S3: no context of its own, so X-Ray',
    event: () => fixture('s3'),
    traceId: XRAY_TRACE,
    parentId: XRAY_PARENT,
    priority: undefined,
    source: 'xray',
    trigger: 's3',
  },
  {
    name: 'Step Functions (execution ARN)',
    event: () => fixture('step-functions'),
    traceId: 8868809700783268305n,
    parentId: 2839091565772340267n,
    priority: 1,
    source: 'step-functions',
    trigger: 'states',
    tid: '4607fe026d007be5',
  },
  {
    name: 'Step Functions (root execution, JSONata)',
    event: () => fixture('step-functions-root'),
    traceId: 6436479538098378362n,
    parentId: 4232213786551449578n,
    priority: 1,
    source: 'step-functions',
    trigger: 'states',
    tid: '036fdec488eab8ce',
  },
  {
    name: 'Step Functions (started by a traced Lambda)',
    event: () => fixture('step-functions-lambda-root'),
    traceId: 8404404404404404401n,
    parentId: 6045792714126087319n,
    priority: 1,
    source: 'step-functions',
    trigger: 'states',
    tid: '65f2f4b100000000',
  },
  {
    name: 'context.clientContext.custom._datadog',
    event: () => ({}),
    context: {
      clientContext: { custom: { _datadog: ddCarrier('8303303303303303301', '8303303303303303302', '2') } },
    },
    traceId: 8303303303303303301n,
    parentId: 8303303303303303302n,
    priority: 2,
    source: 'client-context',
  },
  // Real samples (test/fixtures/events/real/SOURCE.md) of the carriers datadog-lambda-js users rely on.
  {
    // HTTP API: no inferred authorizer span, so the authorizer's span is the parent (REST and
    // WebSocket get an aws.apigateway.authorizer span in between: peer.differential.test.ts).
    name: 'real: traced Lambda authorizer that ran for this request (HTTP API)',
    event: () => realFixture('api-gateway-traced-authorizer-request-v2'),
    traceId: 372675515829592104n,
    parentId: 372675515829592104n,
    priority: 1,
    source: 'event',
    trigger: 'api-gateway',
  },
  {
    name: 'real: cached authorizer result -> X-Ray (the headers hold only a Root)',
    event: () => realFixture('api-gateway-traced-authorizer-request-v2-cached'),
    traceId: XRAY_TRACE,
    parentId: XRAY_PARENT,
    priority: undefined,
    source: 'xray',
    trigger: 'api-gateway',
  },
  {
    name: 'real: Step Functions context in an SQS message attribute',
    event: () => realFixture('step-functions-in-sqs'),
    traceId: 7148114900282288397n,
    parentId: 6711327198021343353n,
    priority: 1,
    source: 'event',
    trigger: 'sqs',
  },
  {
    name: 'real: Step Functions context in EventBridge detail._datadog',
    event: () => realFixture('step-functions-in-eventbridge'),
    traceId: 1503104665848096006n,
    parentId: 159267866761498620n,
    priority: 1,
    source: 'event',
    trigger: 'eventbridge',
  },
  {
    name: 'real: headers-only event (no trigger tags)',
    event: () => realFixture('headers-only-mixed-case'),
    traceId: 797643193680388254n,
    parentId: 4726693487091824375n,
    priority: 2,
    source: 'event',
  },
  {
    name: 'real: AppSync resolver, request.headers (no trigger tags)',
    event: () => realFixture('rum-appsync'),
    traceId: 12345n,
    parentId: 67890n,
    priority: 1,
    source: 'event',
  },
  {
    name: "SQS AWSTraceHeader of another X-Ray trace -> this invocation's own X-Ray header",
    event: () => sqsWithProducerHeader(),
    traceId: XRAY_TRACE,
    parentId: XRAY_PARENT,
    priority: undefined,
    source: 'xray',
    trigger: 'sqs',
  },
  // Malformed carriers: the next source is taken.
  {
    name: 'malformed: SQS Binary that is not base64 -> X-Ray',
    event: () => {
      const event = fixture('sqs');
      event.Records = [event.Records[1]];
      event.Records[0].messageAttributes._datadog.binaryValue = '***';
      return event;
    },
    traceId: XRAY_TRACE,
    parentId: XRAY_PARENT,
    priority: undefined,
    source: 'xray',
    trigger: 'sqs',
  },
  {
    name: 'malformed: SQS String that is not JSON -> the AWSTraceHeader of the same record',
    event: () => {
      const event = fixture('sqs-aws-trace-header');
      event.Records[0].messageAttributes = { _datadog: { dataType: 'String', stringValue: '{oops' } };
      return event;
    },
    traceId: 0x6a1b2c3d4e5f6071n,
    parentId: 0x5a6b7c8d9e0f1a2bn,
    priority: 2,
    source: 'event',
    trigger: 'sqs',
  },
  {
    name: 'malformed: SNS zero ids -> the client context',
    event: () => {
      const event = fixture('sns');
      event.Records[0].Sns.MessageAttributes._datadog.Value = base64Json(ddCarrier('0', '0'));
      return event;
    },
    context: {
      clientContext: { custom: { _datadog: ddCarrier('8303303303303303301', '8303303303303303302', '1') } },
    },
    traceId: 8303303303303303301n,
    parentId: 8303303303303303302n,
    priority: 1,
    source: 'client-context',
    trigger: 'sns',
  },
  {
    name: 'malformed: EventBridge trace id above 2^64-1 -> X-Ray',
    event: () => {
      const event = fixture('eventbridge');
      event.detail._datadog = ddCarrier('18446744073709551616', '5');
      return event;
    },
    traceId: XRAY_TRACE,
    parentId: XRAY_PARENT,
    priority: undefined,
    source: 'xray',
    trigger: 'eventbridge',
  },
  {
    name: 'malformed: Kinesis _datadog in broken JSON -> X-Ray',
    event: () => {
      const event = fixture('kinesis');
      event.Records = [event.Records[0]];
      event.Records[0].kinesis.data = Buffer.from('{"_datadog":{').toString('base64');
      return event;
    },
    traceId: XRAY_TRACE,
    parentId: XRAY_PARENT,
    priority: undefined,
    source: 'xray',
    trigger: 'kinesis',
  },
  {
    name: 'malformed: HTTP x-datadog-parent-id of zero -> the traceparent of the same request',
    event: () => {
      const event = fixture('api-gateway-http');
      Object.assign(event.headers, ddCarrier('7102102102102102101', '0', '2'));
      return event;
    },
    traceId: 0x63f3a2b1c4d5e6f7n,
    parentId: 0x00f067aa0ba902b7n,
    priority: 2,
    source: 'event',
    trigger: 'api-gateway',
  },
  {
    name: 'malformed: Step Functions v1 without a trace -> the client context',
    event: () => {
      const event = fixture('step-functions-root');
      delete event._datadog.RootExecutionId;
      return event;
    },
    context: {
      clientContext: { custom: { _datadog: ddCarrier('8303303303303303301', '8303303303303303302', '1') } },
    },
    traceId: 8303303303303303301n,
    parentId: 8303303303303303302n,
    priority: 1,
    source: 'client-context',
    trigger: 'states',
  },
  {
    name: 'malformed: client context _datadog that is a string -> X-Ray',
    event: () => ({}),
    context: { clientContext: { custom: { _datadog: 'x-datadog-trace-id=1' } } },
    traceId: XRAY_TRACE,
    parentId: XRAY_PARENT,
    priority: undefined,
    source: 'xray',
  },
];

describe('the aws.lambda span on the wire, per event source', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const span = await invoke(ok(), c.event(), c.context);
      assert.equal(span.trace_id, c.traceId, 'trace_id');
      assert.equal(span.parent_id, c.parentId, 'parent_id');
      if (c.priority === undefined) {
        // Sampled=0 and keep-only: dd-trace's own sampler decides, never a user decision.
        assert.notEqual(span.metrics._sampling_priority_v1, 2);
        assert.notEqual(span.metrics._sampling_priority_v1, -1);
      } else {
        assert.equal(span.metrics._sampling_priority_v1, c.priority, '_sampling_priority_v1');
      }
      assert.equal(span.meta['_dd.parent_source'], c.source);
      assert.equal(span.meta['function_trigger.event_source'], c.trigger);
      if (c.tid) assert.equal(span.meta['_dd.p.tid'], c.tid);
    });
  }
});

describe('span links: the other records of a batch', () => {
  function linksOf(span: WireSpan): Array<{ trace_id: string; span_id: string; flags?: number }> {
    return JSON.parse(span.meta['_dd.span_links'] ?? '[]');
  }

  it('SQS: record 1 is linked; record 2 (same context as the parent) and record 3 (none) are not', async () => {
    const span = await invoke(ok(), fixture('sqs'));
    const links = linksOf(span);
    assert.equal(links.length, 1);
    assert.equal(BigInt(`0x${links[0]?.trace_id}`) & ((1n << 64n) - 1n), 7606606606606606611n);
    assert.equal(BigInt(`0x${links[0]?.span_id}`), 7606606606606606612n);
    assert.equal(links[0]?.flags, 1);
  });

  it('Kinesis: record 1 is linked', async () => {
    const span = await invoke(ok(), fixture('kinesis'));
    const links = linksOf(span);
    assert.deepEqual(
      links.map((l) => BigInt(`0x${l.span_id}`)),
      [8202202202202202212n],
    );
  });

  it("SQS: the producer's X-Ray trace (AWSTraceHeader) is a link, for the first record as for the others", async () => {
    const span = await invoke(ok(), sqsWithProducerHeader(3));
    assert.equal(span.trace_id, XRAY_TRACE);
    assert.equal(span.parent_id, XRAY_PARENT);
    assert.deepEqual(
      linksOf(span).map((l) => [
        BigInt(`0x${l.trace_id.slice(-16)}`) & ((1n << 63n) - 1n),
        BigInt(`0x${l.span_id}`),
      ]),
      [
        [0x01d1355973a11d57n, 0x7d5a9776024b2d42n],
        [0x01d1355973a11d51n, 0x7d5a9776024b2d41n],
        [0x01d1355973a11d52n, 0x7d5a9776024b2d42n],
      ],
    );
  });

  it('a single-record event has no links', async () => {
    const span = await invoke(ok(), fixture('sns'));
    assert.equal(span.meta['_dd.span_links'], undefined);
  });
});

describe('trigger tags and the response status', () => {
  it('HTTP trigger: method, url, route at the start; status code from the response', async () => {
    const handler = wrap.withXRayMerge(async () => ({ statusCode: 201, body: '' }), NO_INFERRED);
    const span = await invoke(handler, fixture('api-gateway-rest'));
    assert.equal(span.meta['http.method'], 'GET');
    assert.equal(
      span.meta['http.url'],
      'https://r3pmxmplak.execute-api.us-east-2.amazonaws.com/prod/orders/42',
    );
    assert.equal(span.meta['http.route'], '/orders/{id}');
    assert.equal(span.meta['http.status_code'], '201');
    assert.equal(
      span.meta['function_trigger.event_source_arn'],
      'arn:aws:apigateway:eu-west-1::/restapis/r3pmxmplak/stages/prod',
    );
  });

  it('HTTP trigger whose handler throws: 502', async () => {
    const handler = wrap.withXRayMerge(async () => {
      throw new Error('down');
    });
    const span = await invoke(handler, fixture('function-url'));
    assert.equal(span.meta['http.status_code'], '502');
    assert.equal(span.error, 1);
  });

  it('HTTP trigger through a callback handler: status from the callback result', async () => {
    const handler = wrap.withXRayMerge(
      (_event: unknown, _context: unknown, callback: (e: unknown, r: unknown) => void) =>
        callback(null, { statusCode: 404 }),
    );
    const promised: Handler = (event, context) =>
      new Promise((resolve) => handler(event, context, (_e: unknown, r: unknown) => resolve(r)));
    const span = await invoke(promised, fixture('alb'));
    assert.equal(span.meta['http.status_code'], '404');
  });

  it('non-HTTP trigger: no http.* tags, and no payload or header on the span', async () => {
    const span = await invoke(ok(), fixture('sqs'));
    assert.equal(span.meta['http.status_code'], undefined);
    assert.equal(span.meta['function_trigger.event_source_arn'], 'arn:aws:sqs:us-east-2:123456789012:orders');
    const everything = JSON.stringify(span.meta);
    for (const secret of ['"order"', 'messageAttributes', 'x-datadog', 'AIDAIENQZJOLO23YVJ4VO'])
      assert.ok(!everything.includes(secret), `span mentions ${secret}`);
  });
});

describe('user extractor', () => {
  it('options.traceExtractor wins over the event', async () => {
    const handler = wrap.withXRayMerge(async () => 'ok', {
      ...NO_INFERRED,
      traceExtractor: (event) => ({
        traceId: (event as { t: string }).t,
        parentId: '99',
        samplingPriority: 2,
      }),
    });
    const span = await invoke(handler, { ...fixture('sqs'), t: '8505505505505505501' });
    assert.equal(span.trace_id, 8505505505505505501n);
    assert.equal(span.parent_id, 99n);
    assert.equal(span.metrics._sampling_priority_v1, 2);
    assert.equal(span.meta['_dd.parent_source'], 'user-extractor');
    assert.equal(span.meta['function_trigger.event_source'], 'sqs');
  });

  it('a throwing extractor: the event decides', async () => {
    const handler = wrap.withXRayMerge(async () => 'ok', {
      ...NO_INFERRED,
      traceExtractor: () => {
        throw new Error('extractor bug');
      },
    });
    const span = await invoke(handler, fixture('sns'));
    assert.equal(span.trace_id, 7707707707707707701n);
    assert.equal(span.meta['_dd.parent_source'], 'event');
  });
});

describe('X-Ray learns the event context: the datadog-metadata subsegment', () => {
  async function metadataFor(event: unknown) {
    const before = daemon.datagrams.length;
    const span = await invoke(ok(), event, {}, '1');
    const datagrams = await daemon.waitFor(before + 1);
    const documents = datagrams.slice(before).map((d) => parseDatagram(d.bytes).document);
    const document = documents.find((d) => d.name === 'datadog-metadata');
    assert.ok(document, 'a datadog-metadata subsegment arrived');
    return { span, document };
  }

  const cases: Array<[string, () => unknown, string, string]> = [
    ['SQS', () => fixture('sqs'), '7606606606606606601', '7606606606606606602'],
    ['API Gateway REST', () => fixture('api-gateway-rest'), '7102102102102102101', '7102102102102102102'],
    ['Step Functions', () => fixture('step-functions'), '8868809700783268305', '2839091565772340267'],
  ];
  for (const [name, event, traceId, parentId] of cases) {
    it(`${name}: the event's Datadog ids, under this invocation's X-Ray segment`, async () => {
      const { span, document } = await metadataFor(event());
      assert.equal(document.trace_id, ROOT);
      assert.equal(document.parent_id, PARENT);
      assert.equal(document.metadata?.datadog?.trace?.['trace-id'], traceId);
      assert.equal(document.metadata?.datadog?.trace?.['parent-id'], parentId);
      assert.equal(String(span.trace_id), traceId);
      assert.equal(String(span.parent_id), parentId);
    });
  }
});

describe('the managed-service spans on the wire (DD_TRACE_MANAGED_SERVICES on, the default)', () => {
  /** The invocation's spans by name, once its aws.lambda span has arrived. */
  async function spansOf(handler: Handler, event: unknown): Promise<Map<string, WireSpan>> {
    const lambda = await invoke(handler, event);
    const all = agent.traces.flat().filter((s) => s.meta.request_id === lambda.meta.request_id);
    return new Map(all.map((s) => [s.name, s]));
  }

  // [sample, the chain from the event's context down to aws.lambda, the synchronous span's end rule]
  const cases: Array<[string, string[]]> = [
    ['datadog-lambda-js/api-gateway-v1', ['aws.apigateway', 'aws.lambda']],
    ['datadog-lambda-js/snssqs', ['aws.sns', 'aws.sqs', 'aws.lambda']],
    ['datadog-lambda-js/kinesis', ['aws.kinesis', 'aws.lambda']],
  ];
  for (const [sample, chain] of cases) {
    it(`${sample}: ${chain.join(' -> ')}, the top under the invocation's parent`, async () => {
      const handler = wrap.withXRayMerge(async () => ({ statusCode: 200, body: 'ok' }));
      const spans = await spansOf(handler, realFixture(sample));
      const named = chain.map((name) => spans.get(name));
      assert.ok(named.every(Boolean), [...spans.keys()].join());
      for (let i = 1; i < named.length; i++) assert.equal(named[i]!.parent_id, named[i - 1]!.span_id);
      assert.equal(named[0]!.trace_id, named.at(-1)!.trace_id);
      const lambda = named.at(-1)!;
      const trigger = named.at(-2)!;
      if (trigger.meta['_inferred_span.synchronicity'] === 'sync') {
        // A request's span holds the whole invocation and carries its status.
        assert.ok(trigger.start + trigger.duration >= lambda.start + lambda.duration);
        assert.equal(trigger.meta['http.status_code'], '200');
      } else {
        // A message's span ends where aws.lambda starts, on the trace's own clock (not Date.now(),
        // which can sit milliseconds away): the same instant, but for nanosecond rounding.
        const gap = trigger.start + trigger.duration - lambda.start;
        assert.ok(gap >= -1_000n && gap <= 1_000n, `${gap} ns`);
      }
    });
  }

  it('a synchronous trigger span takes the error of a failing handler; the failure passes through', async () => {
    const failure = new Error('declined');
    const handler: Handler = wrap.withXRayMerge(async (_event: unknown, _context: unknown) => {
      throw failure;
    });
    const context = lambdaContext({ xRayTraceId: `Root=${ROOT};Parent=${PARENT};Sampled=0` });
    await assert.rejects(handler(realFixture('datadog-lambda-js/api-gateway-v1'), context as never), failure);
    const [lambda] = await agent.waitForSpans(
      1,
      'aws.lambda',
      (s) => s.meta.request_id === context.awsRequestId,
    );
    const trigger = agent.traces
      .flat()
      .find((s) => s.name === 'aws.apigateway' && s.meta.request_id === context.awsRequestId);
    assert.equal(trigger?.error, 1);
    assert.equal(trigger?.meta['error.message'], 'declined');
    assert.equal(trigger?.meta['http.status_code'], '502');
    assert.equal(lambda!.parent_id, trigger?.span_id);
  });
});
