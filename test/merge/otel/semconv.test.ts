// Semantic conventions -> Datadog names, resources, types and tags, one row per convention, as the
// Datadog agent's OTLP ingest maps them (pkg/trace/traceutil/otel_util.go, operation name and
// resource "V2", span type), plus the tag names the X-Ray converter also writes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Attributes, OtelKind, OtelSpan } from '../../../src/merge/otel/otel-span.ts';
import { convertOtelSpans, NO_SERVICE } from '../../../src/merge/otel/to-datadog.ts';

function span(kind: OtelKind, attributes: Attributes, extra: Partial<OtelSpan> = {}): OtelSpan {
  return {
    traceId: '5759e988bd862e3fe1be46a994272793',
    spanId: '53995c3f42cd8ad8',
    parentSpanId: 'defdfd9912dc5a56',
    name: 'the span name',
    kind,
    start: 1_461_096_053_380_000_000n,
    end: 1_461_096_053_390_000_000n,
    attributes,
    resource: { 'service.name': 'checkout-fn' },
    status: { code: 'unset' },
    events: [],
    ...extra,
  };
}

interface Row {
  readonly what: string;
  readonly span: OtelSpan;
  readonly name: string;
  readonly resource: string;
  readonly type: string;
  readonly meta?: Record<string, string>;
  readonly error?: 0 | 1;
}

const ROWS: Row[] = [
  {
    what: 'HTTP server, current names, with route',
    span: span('server', {
      'http.request.method': 'GET',
      'http.route': '/orders/{id}',
      'http.response.status_code': 200,
      'url.full': 'https://x.example/orders/42',
    }),
    name: 'http.server.request',
    resource: 'GET /orders/{id}',
    type: 'web',
    meta: { 'http.method': 'GET', 'http.status_code': '200', 'http.url': 'https://x.example/orders/42' },
  },
  {
    what: 'HTTP client, older names: no route in the resource',
    span: span('client', {
      'http.method': 'post',
      'http.route': '/x',
      'http.status_code': 503,
      'http.url': 'https://api.example/x',
    }),
    name: 'http.client.request',
    resource: 'post',
    type: 'http',
    meta: { 'http.method': 'POST', 'http.status_code': '503' },
  },
  {
    what: 'HTTP _OTHER method',
    span: span('server', { 'http.request.method': '_OTHER' }),
    name: 'http.server.request',
    resource: 'HTTP',
    type: 'web',
  },
  {
    what: 'PostgreSQL client',
    span: span('client', {
      'db.system': 'postgresql',
      'db.statement': 'SELECT * FROM orders WHERE id = ?',
      'db.name': 'shop',
    }),
    name: 'postgresql.query',
    resource: 'SELECT * FROM orders WHERE id = ?',
    type: 'sql',
    meta: {
      'db.system': 'postgresql',
      'sql.query': 'SELECT * FROM orders WHERE id = ?',
      'db.instance': 'shop',
    },
  },
  {
    what: 'Redis client (db.system.name, db.query.text)',
    span: span('client', { 'db.system.name': 'redis', 'db.query.text': 'GET cart:42' }),
    name: 'redis.query',
    resource: 'GET cart:42',
    type: 'cache',
  },
  {
    what: 'SQS consumer',
    span: span('consumer', {
      'messaging.system': 'aws_sqs',
      'messaging.operation.type': 'receive',
      'messaging.destination.name': 'orders',
    }),
    name: 'aws_sqs.receive',
    resource: 'receive orders',
    type: 'custom',
    meta: { 'messaging.system': 'aws_sqs', queuename: 'orders' },
  },
  {
    what: 'AWS SDK DynamoDB call',
    span: span('client', {
      'rpc.system': 'aws-api',
      'rpc.service': 'DynamoDB',
      'rpc.method': 'GetItem',
      'aws.dynamodb.table_names': ['orders'],
      'cloud.region': 'eu-west-1',
    }),
    name: 'aws.dynamodb.request',
    resource: 'GetItem DynamoDB',
    type: 'http',
    meta: { 'aws.operation': 'GetItem', aws_service: 'DynamoDB', tablename: 'orders', region: 'eu-west-1' },
  },
  {
    what: 'AWS SDK S3 and SQS targets',
    span: span('client', {
      'rpc.system': 'aws-api',
      'rpc.service': 'S3',
      'rpc.method': 'PutObject',
      'aws.s3.bucket': 'receipts',
    }),
    name: 'aws.s3.request',
    resource: 'PutObject S3',
    type: 'http',
    meta: { bucketname: 'receipts' },
  },
  {
    what: 'AWS SDK call without a service',
    span: span('client', { 'rpc.system': 'aws-api' }),
    name: 'aws.client.request',
    resource: 'the span name',
    type: 'http',
  },
  {
    what: 'gRPC server',
    span: span('server', { 'rpc.system': 'grpc', 'rpc.service': 'orders.Orders', 'rpc.method': 'Get' }),
    name: 'grpc.server.request',
    resource: 'Get orders.Orders',
    type: 'web',
  },
  {
    what: 'Lambda invoked by another function (faas client)',
    span: span('client', { 'faas.invoked_provider': 'aws', 'faas.invoked_name': 'checkout-fn' }),
    name: 'aws.checkout-fn.invoke',
    resource: 'the span name',
    type: 'http',
    meta: { functionname: 'checkout-fn' },
  },
  {
    what: 'Lambda function span (ADOT: faas.trigger, faas.invocation_id, cold start)',
    span: span(
      'server',
      {
        'faas.trigger': 'http',
        'faas.invocation_id': 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
        'faas.coldstart': true,
      },
      {
        resource: { 'service.name': 'checkout-fn', 'faas.name': 'checkout-fn', 'cloud.region': 'eu-west-1' },
      },
    ),
    name: 'http.invoke',
    resource: 'the span name',
    type: 'web',
    meta: {
      functionname: 'checkout-fn',
      request_id: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      cold_start: 'true',
      region: 'eu-west-1',
    },
  },
  {
    what: 'GraphQL',
    span: span('server', { 'graphql.operation.type': 'query', 'graphql.operation.name': 'GetOrder' }),
    name: 'graphql.server.request',
    resource: 'query GetOrder',
    type: 'web',
  },
  {
    what: 'a server with only a protocol',
    span: span('server', { 'network.protocol.name': 'amqp' }),
    name: 'amqp.server.request',
    resource: 'the span name',
    type: 'web',
  },
  {
    what: 'an internal span',
    span: span('internal', {}),
    name: 'Internal',
    resource: 'the span name',
    type: 'custom',
  },
  {
    what: 'an unspecified kind is Internal',
    span: span('unspecified', {}),
    name: 'Internal',
    resource: 'the span name',
    type: 'custom',
  },
  {
    what: 'operation.name, resource.name and span.type override',
    span: span('server', {
      'operation.name': 'Checkout.Handle',
      'resource.name': 'POST /checkout',
      'span.type': 'serverless',
      'http.request.method': 'POST',
    }),
    name: 'checkout.handle',
    resource: 'POST /checkout',
    type: 'serverless',
  },
  {
    what: 'ERROR status with an exception event',
    span: span(
      'internal',
      {},
      {
        status: { code: 'error', message: 'failed' },
        events: [
          {
            name: 'exception',
            attributes: {
              'exception.type': 'TypeError',
              'exception.message': 'x is undefined',
              'exception.stacktrace': 'TypeError: x is undefined\n    at handler (index.js:3:5)',
            },
          },
        ],
      },
    ),
    name: 'Internal',
    resource: 'the span name',
    type: 'custom',
    error: 1,
    meta: {
      'error.type': 'TypeError',
      'error.message': 'x is undefined',
      'error.stack': 'TypeError: x is undefined\n    at handler (index.js:3:5)',
      'otel.status_code': 'Error',
      'otel.status_description': 'failed',
    },
  },
  {
    what: 'ERROR status alone: the status message',
    span: span('internal', {}, { status: { code: 'error', message: 'deadline exceeded' } }),
    name: 'Internal',
    resource: 'the span name',
    type: 'custom',
    error: 1,
    meta: { 'error.message': 'deadline exceeded' },
  },
  {
    what: 'an exception event with OK status is not an error',
    span: span(
      'internal',
      {},
      {
        status: { code: 'ok' },
        events: [{ name: 'exception', attributes: { 'exception.message': 'handled' } }],
      },
    ),
    name: 'Internal',
    resource: 'the span name',
    type: 'custom',
    error: 0,
    meta: { 'otel.status_code': 'Ok' },
  },
];

describe('semantic conventions -> Datadog span', () => {
  for (const row of ROWS) {
    it(row.what, () => {
      const [out] = convertOtelSpans([row.span]);
      assert.ok(out);
      assert.deepEqual([out.name, out.resource, out.type], [row.name, row.resource, row.type]);
      assert.equal(out.error, row.error ?? 0);
      for (const [key, value] of Object.entries(row.meta ?? {})) assert.equal(out.meta[key], value, key);
      if (row.error !== 1) assert.equal(out.meta['error.message'], undefined);
    });
  }

  it("environment, version and service from the resource; no service.name gives Datadog's placeholder", () => {
    const [tagged] = convertOtelSpans([
      span(
        'server',
        {},
        {
          resource: {
            'service.name': 'shop',
            'service.version': '1.4.2',
            'deployment.environment.name': 'prod',
          },
        },
      ),
    ]);
    assert.deepEqual([tagged?.service, tagged?.meta.version, tagged?.meta.env], ['shop', '1.4.2', 'prod']);
    const [anonymous] = convertOtelSpans([span('server', {}, { resource: {} })]);
    assert.equal(anonymous?.service, NO_SERVICE);
  });

  it('an in-progress span has duration 0 and xray.in_progress, as an in-progress X-Ray segment', () => {
    const { end: _end, ...open } = span('server', {});
    const [out] = convertOtelSpans([open]);
    assert.deepEqual([out?.duration, out?.meta['xray.in_progress']], [0n, 'true']);
  });

  it('entry spans keep priority 2 (server, consumer, roots); others have none', () => {
    const kinds: Array<[OtelKind, boolean, number | undefined]> = [
      ['server', true, 2],
      ['consumer', true, 2],
      ['client', true, undefined],
      ['internal', false, 2],
    ];
    for (const [kind, hasParent, priority] of kinds) {
      const base = span(kind, {});
      const { parentSpanId: _p, ...root } = base;
      const [out] = convertOtelSpans([hasParent ? base : root]);
      assert.equal(out?.metrics._sampling_priority_v1, priority, kind);
    }
  });
});

describe('Transaction Search snapshots', () => {
  it('an in-progress snapshot and the finished span with the same id give one span, the finished one', () => {
    const finished = span('server', {});
    const { end: _end, ...snapshot } = finished;
    for (const order of [
      [snapshot, finished],
      [finished, snapshot],
    ]) {
      const out = convertOtelSpans(order);
      assert.equal(out.length, 1);
      assert.equal(out[0]?.duration, 10_000_000n);
      assert.equal(out[0]?.meta['xray.in_progress'], undefined);
    }
  });

  it('a snapshot alone is kept, in progress', () => {
    const { end: _end, ...snapshot } = span('server', {});
    assert.equal(convertOtelSpans([snapshot, snapshot]).length, 1);
  });
});
