import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventTrigger, httpStatusCode } from '../../src/context/trigger.ts';
import { fixture } from './fixtures.ts';

const CONTEXT = { invokedFunctionArn: 'arn:aws:lambda:us-east-2:123456789012:function:checkout-fn:live' };

describe('trigger tags per event source (the values datadog-lambda-js uses)', () => {
  const cases: Array<[string, boolean, Record<string, string>]> = [
    [
      'api-gateway-rest',
      true,
      {
        'function_trigger.event_source': 'api-gateway',
        'function_trigger.event_source_arn': 'arn:aws:apigateway:us-east-2::/restapis/r3pmxmplak/stages/prod',
        'http.method': 'GET',
        'http.url': 'https://r3pmxmplak.execute-api.us-east-2.amazonaws.com/prod/orders/42',
        'http.url_details.path': '/prod/orders/42',
        'http.route': '/orders/{id}',
      },
    ],
    [
      'api-gateway-http',
      true,
      {
        'function_trigger.event_source': 'api-gateway',
        'function_trigger.event_source_arn':
          'arn:aws:apigateway:us-east-2::/restapis/p3qxmpl8i2/stages/$default',
        'http.method': 'GET',
        'http.url': 'https://p3qxmpl8i2.execute-api.us-east-2.amazonaws.com/orders/42',
        'http.url_details.path': '/orders/42',
        'http.route': '/orders/{id}',
      },
    ],
    [
      'api-gateway-websocket',
      true,
      {
        'function_trigger.event_source': 'api-gateway',
        'function_trigger.event_source_arn':
          'arn:aws:apigateway:us-east-2::/restapis/ws1xmpl23/stages/production',
      },
    ],
    [
      'alb',
      true,
      {
        'function_trigger.event_source': 'application-load-balancer',
        'function_trigger.event_source_arn':
          'arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/lambda-279XGJDqGZ5rsrHC2Fjr/49e9d65c45c6791a',
        'http.method': 'POST',
        'http.url_details.path': '/checkout',
      },
    ],
    [
      'function-url',
      true,
      {
        'function_trigger.event_source': 'lambda-function-url',
        'http.method': 'POST',
        'http.url': 'https://abcdefg1234567.lambda-url.us-west-2.on.aws/my/path',
        'http.url_details.path': '/my/path',
      },
    ],
    [
      'sqs',
      false,
      {
        'function_trigger.event_source': 'sqs',
        'function_trigger.event_source_arn': 'arn:aws:sqs:us-east-2:123456789012:orders',
      },
    ],
    [
      'sns-sqs',
      false,
      {
        'function_trigger.event_source': 'sqs',
        'function_trigger.event_source_arn': 'arn:aws:sqs:us-east-2:123456789012:orders-from-sns',
      },
    ],
    [
      'sns',
      false,
      {
        'function_trigger.event_source': 'sns',
        'function_trigger.event_source_arn': 'arn:aws:sns:us-east-1:123456789012:orders-topic',
      },
    ],
    [
      'eventbridge',
      false,
      {
        'function_trigger.event_source': 'eventbridge',
        'function_trigger.event_source_arn': 'com.example.orders',
      },
    ],
    [
      'kinesis',
      false,
      {
        'function_trigger.event_source': 'kinesis',
        'function_trigger.event_source_arn': 'arn:aws:kinesis:us-east-2:123456789012:stream/orders-stream',
      },
    ],
    [
      'dynamodb',
      false,
      {
        'function_trigger.event_source': 'dynamodb',
        'function_trigger.event_source_arn':
          'arn:aws:dynamodb:us-west-2:123456789012:table/Orders/stream/2024-03-14T00:00:00.000',
      },
    ],
    [
      's3',
      false,
      {
        'function_trigger.event_source': 's3',
        'function_trigger.event_source_arn': 'arn:aws:s3:::orders-bucket',
      },
    ],
    [
      'step-functions-root',
      false,
      {
        'function_trigger.event_source': 'states',
        'function_trigger.event_source_arn': 'arn:aws:states:sa-east-1:123456789012:stateMachine:OrderFlow',
      },
    ],
  ];
  for (const [name, http, tags] of cases) {
    it(name, () => assert.deepEqual(eventTrigger(fixture(name), CONTEXT), { tags, http }));
  }

  it('a scheduled event is cloudwatch-events, tagged with its rule', () => {
    const scheduled = {
      version: '0',
      id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time: '2024-03-14T10:00:00Z',
      region: 'us-east-2',
      resources: ['arn:aws:events:us-east-2:123456789012:rule/nightly'],
      detail: {},
    };
    assert.deepEqual(eventTrigger(scheduled, CONTEXT).tags, {
      'function_trigger.event_source': 'cloudwatch-events',
      'function_trigger.event_source_arn': 'arn:aws:events:us-east-2:123456789012:rule/nightly',
    });
  });

  it('no payload and no header reaches the tags', () => {
    for (const name of ['api-gateway-rest', 'alb', 'sqs', 'sns', 'kinesis', 'eventbridge']) {
      const text = JSON.stringify(eventTrigger(fixture(name), CONTEXT).tags);
      for (const secret of [
        'x-datadog',
        'traceparent',
        'Mozilla',
        '_datadog',
        'Hello',
        'cart',
        'expand',
        '205.255.255.176',
      ])
        assert.ok(!text.includes(secret), `${name} tags mention ${secret}: ${text}`);
    }
  });

  it('no source, no tags; a hostile event does not throw', () => {
    assert.deepEqual(eventTrigger({}, CONTEXT), { tags: {}, http: false });
    const hostile = new Proxy({}, { get: () => assert.fail('read') });
    assert.deepEqual(eventTrigger(hostile, CONTEXT), { tags: {}, http: false });
  });
});

describe('httpStatusCode', () => {
  const cases: Array<[string, Parameters<typeof httpStatusCode>[0], string]> = [
    ['the response statusCode', { failed: false, response: { value: { statusCode: 201 } } }, '201'],
    ['a string statusCode', { failed: false, response: { value: { statusCode: '404' } } }, '404'],
    ['a response without statusCode', { failed: false, response: { value: 'ok' } }, '200'],
    ['a null response', { failed: false, response: { value: null } }, '200'],
    [
      'no response value (undefined): what API Gateway answers, 502',
      { failed: false, response: { value: undefined } },
      '502',
    ],
    ['a failed invocation', { failed: true }, '502'],
    ['a streamed response (no value seen)', { failed: false }, '200'],
  ];
  for (const [name, outcome, expected] of cases)
    it(name, () => assert.equal(httpStatusCode(outcome), expected));
});
