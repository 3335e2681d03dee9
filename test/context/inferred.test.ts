// The inferred span of each trigger, worked out from real event samples (test/fixtures/events/real,
// sources in its SOURCE.md): name, service, resource, synchronicity, start, and the upstream span of a
// message SNS or EventBridge put in a queue. The same spans on the wire against datadog-lambda-js's:
// test/context/peer.differential.test.ts.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { detectEventSource } from '../../src/context/extractors/index.ts';
import {
  type InferenceInput,
  parseServiceMapping,
  serviceName,
  triggerSpanPlan,
} from '../../src/context/inferred/index.ts';
import { realFixture } from './fixtures.ts';

function input(overrides: Partial<InferenceInput['naming']> = {}): InferenceInput {
  return {
    naming: {
      mapping: parseServiceMapping(''),
      representation: true,
      removeIntegrationNames: false,
      ...overrides,
    },
    decodeAuthorizerContext: true,
    region: 'eu-west-1',
  };
}

function planOf(sample: string, given = input()) {
  const event = realFixture(sample);
  const source = detectEventSource(event);
  return source ? triggerSpanPlan(source, event, given) : undefined;
}

describe('the trigger span of each real sample', () => {
  // [sample, name, service, resource, synchronous, start (epoch ms), upstream span]
  const cases: Array<[string, string, string, string, boolean, number, string?]> = [
    [
      'datadog-lambda-js/api-gateway-v1-parametrized',
      'aws.apigateway',
      'mcwkra0ya4.execute-api.sa-east-1.amazonaws.com',
      'GET /user/{id}',
      true,
      1710529824520,
    ],
    [
      'datadog-lambda-js/api-gateway-v2-parametrized',
      'aws.httpapi',
      '9vj54we5ih.execute-api.sa-east-1.amazonaws.com',
      'GET /user/{id}',
      true,
      1710529905066,
    ],
    [
      'datadog-lambda-js/api-gateway-wss',
      'aws.apigateway',
      '08se3mvh28.execute-api.eu-west-1.amazonaws.com',
      '08se3mvh28.execute-api.eu-west-1.amazonaws.com $connect',
      true,
      1642607783913,
    ],
    [
      'datadog-lambda-js/lambda-function-urls',
      'aws.lambda.url',
      'a8hyhsshac.lambda-url.eu-south-1.amazonaws.com',
      'GET /',
      true,
      1637169449721,
    ],
    ['datadog-lambda-js/sqs', 'aws.sqs', 'MyQueue', 'MyQueue', false, 1523232000000],
    [
      'datadog-lambda-js/snssqs',
      'aws.sqs',
      'aj-js-library-test-dev-demo-queue',
      'aj-js-library-test-dev-demo-queue',
      false,
      1639777618130,
      'aws.sns',
    ],
    [
      'datadog-lambda-js/eventbridge-sqs',
      'aws.sqs',
      'lambda-eb-sqs-lambda-dev-demo-queue',
      'lambda-eb-sqs-lambda-dev-demo-queue',
      false,
      1691102943638,
      'aws.eventbridge',
    ],
    ['datadog-lambda-js/sns', 'aws.sns', 'ExampleTopic', 'ExampleTopic', false, 1643039127968],
    ['datadog-lambda-js/eventbridge', 'aws.eventbridge', 'my.event', 'my.event', false, 1643040010000],
    ['datadog-lambda-js/kinesis', 'aws.kinesis', 'EXAMPLE', 'EXAMPLE', false, 1642518727248],
    [
      'datadog-lambda-js/dynamodb',
      'aws.dynamodb',
      'ExampleTableWithStream',
      'INSERT ExampleTableWithStream',
      false,
      1428537600000,
    ],
    // Its eventTime is the epoch: 0, which starts the span "now", as dd-trace reads a missing start.
    ['datadog-lambda-js/s3', 'aws.s3', 'example-bucket', 'example-bucket', false, 0],
  ];
  for (const [sample, name, service, resource, synchronous, start, upstream] of cases) {
    it(`${sample}: ${name} ${service}`, () => {
      const plan = planOf(sample);
      assert.ok(plan);
      assert.deepEqual(
        [plan.name, plan.service, plan.resource, plan.synchronous, plan.startMs, plan.upstream?.name],
        [name, service, resource, synchronous, start, upstream],
      );
      assert.equal(plan.tags['_inferred_span.synchronicity'], synchronous ? 'sync' : 'async');
      assert.equal(plan.tags['_inferred_span.tag_source'], 'self');
      assert.equal(plan.tags.resource_names, resource);
      // An upstream span ends when the queue received the message: where the queue's span starts.
      if (plan.upstream) assert.equal(plan.upstream.endMs, plan.startMs);
    });
  }

  for (const sample of [
    'datadog-lambda-js/application-load-balancer',
    'datadog-lambda-js/cloudwatch-events',
    'datadog-lambda-js/states',
  ]) {
    it(`${sample}: no span (datadog-lambda-js infers none either)`, () => {
      assert.equal(planOf(sample), undefined);
    });
  }

  it("the API Gateway span carries the request id X-Ray's stage segment has too", () => {
    const event = realFixture('datadog-lambda-js/api-gateway-v1');
    assert.equal(
      planOf('datadog-lambda-js/api-gateway-v1')?.tags['aws.apigateway.request_id'],
      event.requestContext.requestId,
    );
  });

  it('an API Gateway request sent as an Event invocation is asynchronous', () => {
    const event = realFixture('datadog-lambda-js/api-gateway-v1');
    event.headers['X-Amz-Invocation-Type'] = 'Event';
    const plan = triggerSpanPlan(detectEventSource(event)!, event, input());
    assert.equal(plan?.synchronous, false);
    assert.equal(plan?.tags['_inferred_span.synchronicity'], 'async');
  });

  it('a REST API span after a traced authorizer starts where the authorizer span ends', () => {
    const plan = planOf('api-gateway-traced-authorizer-request-v1');
    const event = realFixture('api-gateway-traced-authorizer-request-v1');
    assert.equal(
      plan?.startMs,
      event.requestContext.requestTimeEpoch + event.requestContext.authorizer.integrationLatency,
    );
  });
});

describe('service names', () => {
  // [case, naming, specific key, generic key, extracted, fallback, expected]
  const cases: Array<
    [string, Partial<InferenceInput['naming']>, string, string, string | undefined, string, string]
  > = [
    ['the resource by default', {}, 'orders', 'lambda_sqs', 'orders', 'sqs', 'orders'],
    [
      'a mapping for the resource',
      { mapping: parseServiceMapping('orders:order-queue') },
      'orders',
      'lambda_sqs',
      'orders',
      'sqs',
      'order-queue',
    ],
    [
      'a mapping for the kind',
      { mapping: parseServiceMapping(' lambda_sqs : queues ') },
      'orders',
      'lambda_sqs',
      'orders',
      'sqs',
      'queues',
    ],
    [
      'the resource mapping before the kind',
      { mapping: parseServiceMapping('lambda_sqs:queues,orders:o') },
      'orders',
      'lambda_sqs',
      'orders',
      'sqs',
      'o',
    ],
    [
      'malformed entries skipped',
      { mapping: parseServiceMapping('orders,a:b:c,x:x,:y') },
      'orders',
      'lambda_sqs',
      'orders',
      'sqs',
      'orders',
    ],
    [
      'representation off: the generic name',
      { representation: false },
      'orders',
      'lambda_sqs',
      'orders',
      'sqs',
      'sqs',
    ],
    [
      'integration names removed: DD_SERVICE',
      { removeIntegrationNames: true, service: 'checkout' },
      'orders',
      'lambda_sqs',
      'orders',
      'sqs',
      'checkout',
    ],
    [
      'integration names removed without DD_SERVICE: the resource',
      { removeIntegrationNames: true },
      'orders',
      'lambda_sqs',
      'orders',
      'sqs',
      'orders',
    ],
    ['an empty resource: the generic name', {}, '', 'lambda_sqs', ' ', 'sqs', 'sqs'],
  ];
  for (const [label, naming, specific, generic, extracted, fallback, expected] of cases) {
    it(label, () => {
      assert.equal(serviceName(input(naming).naming, specific, generic, extracted, fallback), expected);
    });
  }

  it('DD_SERVICE_MAPPING names the SQS span and its SNS upstream', () => {
    const plan = planOf(
      'datadog-lambda-js/snssqs',
      input({ mapping: parseServiceMapping('lambda_sqs:queues,lambda_sns:topics') }),
    );
    assert.deepEqual([plan?.service, plan?.upstream?.service], ['queues', 'topics']);
  });
});

describe('malformed events give no span or a span without the missing parts, never a throw', () => {
  const events: Array<[string, unknown]> = [
    ['SQS with no attributes', { Records: [{ eventSource: 'aws:sqs' }] }],
    ['SNS with a non-object Sns', { Records: [{ Sns: 'x' }] }],
    ['Kinesis without kinesis', { Records: [{ eventSource: 'aws:kinesis', kinesis: null }] }],
  ];
  for (const [label, event] of events) {
    it(label, () => {
      const source = detectEventSource(event);
      assert.ok(source, 'the event is recognised');
      assert.doesNotThrow(() => triggerSpanPlan(source, event as Record<string, unknown>, input()));
    });
  }
});

describe('every real sample, and each with one field of it replaced by a value of another type', () => {
  const REAL = new URL('../fixtures/events/real/', import.meta.url);
  const names: string[] = [];
  for (const entry of readdirSync(REAL, { withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.json')) names.push(entry.name.slice(0, -5));
    if (entry.isDirectory())
      for (const file of readdirSync(new URL(`${entry.name}/`, REAL)))
        if (file.endsWith('.json')) names.push(`${entry.name}/${file.slice(0, -5)}`);
  }
  const replacements: unknown[] = [null, 0, 'x', [], {}, true];

  /** The paths of the event's fields down to three levels (the first record's included). */
  function paths(value: unknown, prefix: string[] = [], depth = 0): string[][] {
    if (depth === 3 || typeof value !== 'object' || value === null) return [];
    const out: string[][] = [];
    for (const key of Object.keys(value)) {
      const path = [...prefix, key];
      out.push(path, ...paths((value as Record<string, unknown>)[key], path, depth + 1));
    }
    return out;
  }

  it(`never throws (${names.length} samples)`, () => {
    assert.ok(names.length >= 175);
    let planned = 0;
    let tried = 0;
    for (const name of names) {
      const original = realFixture(name);
      const source = detectEventSource(original);
      if (!source) continue;
      if (triggerSpanPlan(source, original, input())) planned += 1;
      for (const path of paths(original)) {
        for (const replacement of replacements) {
          const event = realFixture(name);
          let target = event as Record<string, unknown>;
          for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
          target[path.at(-1) as string] = replacement;
          const mutated = detectEventSource(event);
          if (!mutated) continue;
          tried += 1;
          assert.doesNotThrow(() => triggerSpanPlan(mutated, event, input()), `${name} ${path.join('.')}`);
        }
      }
    }
    assert.ok(planned >= 100, `${planned} samples planned`);
    assert.ok(tried > 1000, `${tried} mutations tried`);
  });
});
