// The converter over real-shaped X-Ray documents (test/fixtures/segments): one row per segment
// or subsegment kind, then ids against the runtime's own mapping, determinism and skipping.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { xrayParent } from '../../src/context/xray-parent.ts';
import { convertDocuments, convertTraces, secondsToNanos, type XRayTrace } from '../../src/merge/convert.ts';
import { formatNdjson } from '../../src/merge/sinks/ndjson.ts';
import { type DatadogSpan, ORIGIN_TAG } from '../../src/merge/span.ts';
import { readSegmentDocuments } from '../../src/merge/xray-input.ts';
import { parseTraceHeader } from '../../src/xray/header.ts';
import { datadogSpanId, type TraceIdMode } from '../../src/xray/ids.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/segments/${name}`, import.meta.url), 'utf8');
const checkout = JSON.parse(fixture('checkout-trace.json')) as { Traces: XRayTrace[] };
const orders = readSegmentDocuments(fixture('orders-service.ndjson'));

const CHECKOUT_ROOT = '1-5e272390-8c398be037738dc042009320';
const CHECKOUT_TRACE = '3995693151288333088';
const ORDERS_TRACE = (BigInt('0x90abcdef12345678') & ((1n << 63n) - 1n)).toString();

const checkoutSpans = convertTraces(checkout.Traces).spans;
const ordersSpans = convertDocuments(orders.documents).spans;

function bySegment(spans: DatadogSpan[], segmentId: string): DatadogSpan {
  const span = spans.find((s) => s.meta['xray.segment_id'] === segmentId);
  assert.ok(span, `a span for segment ${segmentId}`);
  return span;
}

interface Row {
  readonly what: string;
  readonly spans: DatadogSpan[];
  readonly segment: string;
  readonly expect: Partial<Omit<DatadogSpan, 'meta' | 'metrics'>>;
  readonly meta?: Record<string, string>;
  readonly metrics?: Record<string, number>;
  readonly absent?: readonly string[];
}

const rows: Row[] = [
  {
    what: 'API Gateway stage segment (the root)',
    spans: checkoutSpans,
    segment: '2d4e1b0f6a8c3e57',
    expect: {
      trace_id: CHECKOUT_TRACE,
      span_id: datadogSpanId('2d4e1b0f6a8c3e57'),
      parent_id: '0',
      name: 'aws.apigateway.stage',
      type: 'web',
      service: 'orders-api/prod',
      resource: 'GET /prod/orders/42',
      start: 1579584424550000000n,
      duration: 550000000n,
      error: 0,
    },
    meta: {
      'http.method': 'GET',
      'http.status_code': '200',
      'http.url': 'https://abc123defg.execute-api.eu-west-1.amazonaws.com/prod/orders/42?expand=items',
      'aws.api_gateway.rest_api_id': 'abc123defg',
      'aws:api_stage': 'prod',
      'xray.origin': 'AWS::ApiGateway::Stage',
      'xray.kind': 'segment',
    },
    metrics: { _sampling_priority_v1: 2 },
    absent: ['metadata.default.request_id'],
  },
  {
    what: "API Gateway's Lambda Invoke subsegment",
    spans: checkoutSpans,
    segment: '7a1c9e3b5d2f4a60',
    expect: {
      parent_id: datadogSpanId('2d4e1b0f6a8c3e57'),
      name: 'aws.request',
      type: 'http',
      service: 'orders-api/prod',
      resource: 'Invoke checkout-fn',
    },
    meta: {
      aws_service: 'Lambda',
      'aws.operation': 'Invoke',
      functionname: 'checkout-fn',
      region: 'eu-west-1',
    },
  },
  {
    what: 'Lambda service segment (AWS::Lambda), not named like the runtime span',
    spans: checkoutSpans,
    segment: '3f6b2a9d1c4e8f05',
    expect: {
      parent_id: datadogSpanId('7a1c9e3b5d2f4a60'),
      name: 'aws.lambda.service',
      type: 'serverless',
      service: 'checkout-fn',
      resource: 'checkout-fn',
    },
    meta: { 'aws.request_id': '0a5d4c8e-6f1b-4e2a-9c3d-7b8e1f2a4c6d', 'http.status_code': '200' },
  },
  {
    what: 'Lambda function segment (AWS::Lambda::Function)',
    spans: checkoutSpans,
    segment: '94ae789b969f1cc5',
    expect: {
      span_id: '10713633173203262661',
      parent_id: datadogSpanId('3f6b2a9d1c4e8f05'),
      name: 'aws.lambda.function',
      type: 'serverless',
      service: 'checkout-fn',
      resource: 'checkout-fn',
      start: 1579584424771000000n,
      duration: 309000000n,
    },
    meta: {
      functionname: 'checkout-fn',
      'aws.function_arn': 'arn:aws:lambda:eu-west-1:123456789012:function:checkout-fn',
      'aws.resource_names': 'checkout-fn',
    },
  },
  {
    what: "the function segment's Invocation subsegment",
    spans: checkoutSpans,
    segment: '4b8d2f6a0c1e3a79',
    expect: {
      parent_id: '10713633173203262661',
      name: 'xray.subsegment',
      type: 'custom',
      resource: 'Invocation',
      service: 'checkout-fn',
      start: 1579584424771500000n,
    },
    metrics: {},
  },
  {
    what: 'DynamoDB subsegment as the X-Ray SDK writes it',
    spans: checkoutSpans,
    segment: '1c3b8f8c3c5a9e21',
    expect: {
      parent_id: datadogSpanId('4b8d2f6a0c1e3a79'),
      name: 'aws.request',
      type: 'db',
      resource: 'GetItem orders',
      service: 'checkout-fn',
      start: 1579584424812345000n,
      duration: 33333000n,
    },
    meta: {
      aws_service: 'DynamoDB',
      'aws.operation': 'GetItem',
      'aws.table_name': 'orders',
      tablename: 'orders',
      'aws.consistent_read': 'false',
      'xray.namespace': 'aws',
      'xray.kind': 'subsegment',
    },
    metrics: { 'aws.retries': 0 },
  },
  {
    what: 'inferred DynamoDB table segment under its subsegment',
    spans: checkoutSpans,
    segment: '0f3a5c7e9b2d4f61',
    expect: {
      parent_id: datadogSpanId('1c3b8f8c3c5a9e21'),
      name: 'aws.dynamodb.table',
      type: 'db',
      resource: 'GetItem orders',
      service: 'DynamoDB',
    },
    meta: { 'xray.inferred': 'true', 'xray.origin': 'AWS::DynamoDB::Table' },
  },
  {
    what: 'standalone S3 subsegment (parent_id), service from the segment it hangs under',
    spans: checkoutSpans,
    segment: '5d2a7c3e9b1f0a44',
    expect: {
      parent_id: '10713633173203262661',
      name: 'aws.request',
      type: 'http',
      resource: 'PutObject receipts',
      service: 'checkout-fn',
    },
    meta: { bucketname: 'receipts', 'aws.key': '2020/01/21/order-42.json', 'aws.xray.sdk_version': '3.5.0' },
  },
  {
    what: 'EC2 segment with a fault, a cause with exceptions, annotations, user and version',
    spans: ordersSpans,
    segment: 'a1b2c3d4e5f60718',
    expect: {
      trace_id: ORDERS_TRACE,
      parent_id: '0',
      name: 'aws.ec2.instance',
      type: 'web',
      resource: 'POST /orders',
      service: 'orders-service',
      start: 1579584432000001000n,
      duration: 499999000n,
      error: 1,
    },
    meta: {
      'error.message': 'upstream payment failed',
      'error.type': 'PaymentError',
      'error.stack':
        'PaymentError: upstream payment failed\n    at createOrder (/srv/orders/app.js:42)\n    at /srv/orders/router.js:7',
      'xray.fault': 'true',
      tenant: 'acme',
      beta: 'true',
      'usr.id': 'customer-7',
      version: '1.4.2',
      'http.useragent': 'curl/8.5.0',
    },
    metrics: { priority: 3, _sampling_priority_v1: 2 },
  },
  {
    what: 'SQL subsegment',
    spans: ordersSpans,
    segment: 'b1c2d3e4f5061728',
    expect: {
      parent_id: datadogSpanId('a1b2c3d4e5f60718'),
      name: 'sql.query',
      type: 'sql',
      resource: 'SELECT * FROM orders WHERE id = $1',
      error: 0,
    },
    meta: {
      'sql.query': 'SELECT * FROM orders WHERE id = $1',
      'db.system': 'postgresql',
      'db.user': 'orders_app',
      'db.url': 'postgresql://db.internal:5432/orders',
    },
  },
  {
    what: 'remote HTTP subsegment whose cause is an exception id from another segment',
    spans: ordersSpans,
    segment: 'c1d2e3f405162738',
    expect: { name: 'http.request', type: 'http', resource: 'POST /v1/charges', error: 1 },
    meta: {
      'error.message': 'upstream payment failed',
      'error.type': 'PaymentError',
      'xray.cause_id': 'e0e1e2e3e4e5e6e7',
      'http.status_code': '503',
    },
  },
  {
    what: 'throttled SQS call',
    spans: ordersSpans,
    segment: 'd1e2f30415263748',
    expect: { name: 'aws.request', type: 'http', resource: 'SendMessage order-events', error: 1 },
    meta: {
      'error.type': 'xray.throttle',
      'error.message': 'X-Ray throttle (HTTP 400)',
      'xray.throttle': 'true',
      queuename: 'order-events',
    },
    metrics: { 'aws.retries': 2 },
  },
  {
    what: 'error flag without a cause',
    spans: ordersSpans,
    segment: 'e1f2031425364758',
    expect: { name: 'xray.subsegment', error: 1 },
    meta: { 'error.type': 'xray.error', 'error.message': 'X-Ray error' },
    absent: ['error.stack'],
  },
  {
    what: 'in-progress segment: duration 0, marked',
    spans: ordersSpans,
    segment: 'f1020314253647a8',
    expect: {
      parent_id: datadogSpanId('a1b2c3d4e5f60718'),
      name: 'aws.ecs.container',
      start: 1579584432600000000n,
      duration: 0n,
      error: 0,
    },
    meta: { 'xray.in_progress': 'true' },
  },
  {
    what: 'a Datadog id carried in X-Ray form (random part starting 00000000)',
    spans: ordersSpans,
    segment: '0a1b2c3d4e5f6071',
    expect: { trace_id: BigInt('0xabcdef0123456789').toString(), name: 'xray.segment', type: 'custom' },
  },
];

describe('convert: one span per segment and subsegment', () => {
  for (const row of rows) {
    it(row.what, () => {
      const span = bySegment(row.spans, row.segment);
      for (const [key, value] of Object.entries(row.expect)) {
        assert.deepEqual(span[key as keyof DatadogSpan], value, key);
      }
      for (const [key, value] of Object.entries(row.meta ?? {}))
        assert.equal(span.meta[key], value, `meta ${key}`);
      if (row.metrics) {
        for (const [key, value] of Object.entries(row.metrics)) assert.equal(span.metrics[key], value, key);
        if (Object.keys(row.metrics).length === 0) assert.deepEqual(span.metrics, {});
      }
      for (const key of row.absent ?? []) assert.equal(span.meta[key], undefined, `no meta ${key}`);
      assert.equal(span.meta[ORIGIN_TAG], 'xray');
      assert.equal(span.meta['xray.segment_id'], row.segment);
      assert.ok(span.meta['xray.trace_id']?.startsWith('1-'));
    });
  }

  it('converts every valid segment and subsegment, and nothing else', () => {
    assert.equal(checkoutSpans.length, 9);
    assert.equal(ordersSpans.length, 7);
  });
});

describe('convert: the same trace id as the runtime for the same header', () => {
  for (const mode of ['compat', 'full128'] as TraceIdMode[]) {
    it(`${mode}: the aws.lambda parent is the function segment's span`, () => {
      const header = parseTraceHeader(`Root=${CHECKOUT_ROOT};Parent=94ae789b969f1cc5;Sampled=1`);
      const context = xrayParent(header, { traceIdMode: mode, sampling: 'keep-only' });
      assert.ok(context);
      const spans = convertTraces(checkout.Traces, { idMode: mode }).spans;
      const fn = bySegment(spans, '94ae789b969f1cc5');
      for (const span of spans) {
        assert.equal(span.trace_id, context.traceId);
        assert.equal(span.meta['_dd.p.tid'], context.tid);
      }
      // The runtime parents aws.lambda on context.parentId: that is the function segment's span id.
      assert.equal(context.parentId, fn.span_id);
      if (mode === 'full128') {
        assert.equal(context.tid, '5e2723908c398be0');
        assert.equal(fn.trace_id, BigInt('0x37738dc042009320').toString());
      } else {
        assert.equal(fn.trace_id, CHECKOUT_TRACE);
        assert.equal(fn.meta['_dd.p.tid'], undefined);
      }
    });
  }
});

describe('convert: deterministic and tolerant', () => {
  it('gives identical output for the same documents in any order', () => {
    const documents = checkout.Traces.flatMap((t) => (t.Segments ?? []).map((s) => s.Document));
    const once = formatNdjson(convertDocuments(documents).spans);
    const reversed = formatNdjson(convertDocuments([...documents].reverse()).spans);
    const again = formatNdjson(convertDocuments(documents).spans);
    assert.equal(reversed, once);
    assert.equal(again, once);
  });

  it('skips, counts and reports documents that fail the schema', () => {
    const result = convertDocuments(orders.documents);
    assert.equal(orders.badLines, 1);
    assert.equal(result.documents, 5);
    assert.deepEqual(
      result.skipped.map((s) => [s.id, s.reason]),
      [
        ['not-hex', 'id: invalid_format (regex)'],
        ['0102030405060708', 'neither end_time nor in_progress'],
      ],
    );
  });

  it('drops only a bad nested subsegment (and its children), keeping its segment', () => {
    const result = convertDocuments([
      {
        id: '1111111111111111',
        name: 'svc',
        trace_id: CHECKOUT_ROOT,
        start_time: 10,
        end_time: 11,
        subsegments: [
          { id: '2222222222222222', name: 'ok', start_time: 10.1, end_time: 10.2 },
          { id: '3333333333333333', name: 'bad', start_time: 'soon', end_time: 10.2, subsegments: [{}] },
        ],
      },
      'not json at all',
      { name: 'no id', trace_id: CHECKOUT_ROOT, start_time: 1, end_time: 2 },
    ]);
    assert.deepEqual(
      result.spans.map((s) => s.meta['xray.segment_id']),
      ['1111111111111111', '2222222222222222'],
    );
    assert.equal(result.documents, 3);
    assert.deepEqual(
      result.skipped.map((s) => s.id ?? '-'),
      ['3333333333333333', '-', '-'],
    );
    assert.match(result.skipped[0]?.reason ?? '', /start_time: expected number/);
    assert.match(result.skipped[1]?.reason ?? '', /^not JSON/);
  });

  it('copies metadata only when asked', () => {
    const documents = checkout.Traces.flatMap((t) => (t.Segments ?? []).map((s) => s.Document));
    const withMetadata = bySegment(
      convertDocuments(documents, { includeMetadata: true }).spans,
      '2d4e1b0f6a8c3e57',
    );
    assert.equal(withMetadata.meta['metadata.default.request_id'], 'b3b6d1a5-5d77-4c4f-9e0e-2f1b3c7d9a11');
    const app = bySegment(
      convertDocuments(orders.documents, { includeMetadata: true }).spans,
      'a1b2c3d4e5f60718',
    );
    assert.equal(app.meta['metadata.orders.cart'], '{"items":2}');
  });

  it("the converter's own tags win over an annotation of the same name", () => {
    const [span] = convertDocuments([
      {
        id: '1111111111111111',
        name: 'svc',
        trace_id: CHECKOUT_ROOT,
        start_time: 10,
        end_time: 11,
        annotations: { [ORIGIN_TAG]: 'datadog', 'xray.segment_id': 'x', team: 'core' },
      },
    ]).spans;
    assert.equal(span?.meta[ORIGIN_TAG], 'xray');
    assert.equal(span?.meta['xray.segment_id'], '1111111111111111');
    assert.equal(span?.meta.team, 'core');
  });
});

describe('convert: calls share nothing', () => {
  it('a call that throws half-way through a span leaves no tags to the next call', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const base = { name: 'fn', trace_id: CHECKOUT_ROOT, start_time: 1579584424.5, end_time: 1579584425 };
    assert.throws(() =>
      convertDocuments(
        [{ ...base, id: '1111111111111111', annotations: { team: 'core' }, metadata: { app: { cyclic } } }],
        { includeMetadata: true },
      ),
    );
    const [span] = convertDocuments([{ ...base, id: '2222222222222222' }]).spans;
    assert.equal(span?.meta.team, undefined);
    assert.deepEqual(Object.keys(span?.meta ?? {}), [
      ORIGIN_TAG,
      'xray.kind',
      'xray.name',
      'xray.segment_id',
      'xray.trace_id',
    ]);
  });

  it("a document's parent_id maps to the same span id whether or not its parent is in the call", () => {
    const parent = {
      id: '3333333333333333',
      name: 'svc',
      trace_id: CHECKOUT_ROOT,
      start_time: 1579584424.5,
      end_time: 1579584425,
    };
    const child = { ...parent, id: '4444444444444444', parent_id: parent.id };
    const together = convertDocuments([parent, child]).spans.find(
      (s) => s.span_id === datadogSpanId(child.id),
    );
    const alone = convertDocuments([child]).spans[0];
    assert.equal(together?.parent_id, datadogSpanId(parent.id));
    assert.equal(alone?.parent_id, datadogSpanId(parent.id));
  });
});

describe('secondsToNanos: decimal, not binary float arithmetic', () => {
  const table: Array<[number, bigint]> = [
    [1579584424.771, 1579584424771000000n],
    [1579584424.812345, 1579584424812345000n],
    [1700000000.123456, 1700000000123456000n],
    [0.1 + 0.2, 300000000n],
    [1.5e-7, 150n],
    [5e-10, 1n],
    [4e-10, 0n],
    [1579584424, 1579584424000000000n],
    [1e21, 10n ** 30n],
  ];
  for (const [seconds, nanos] of table) {
    it(`${seconds} s -> ${nanos} ns`, () => assert.equal(secondsToNanos(seconds), nanos));
  }
});
