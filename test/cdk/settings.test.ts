// The pure parts of the constructs, table-driven: the DD_MERGER_* variables from the merger's
// settings (and what is refused), the schedule's rate expression, the layer ARNs per partition,
// region and architecture, and the merger's IAM actions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  datadogExtensionArn,
  MERGER_KMS_ACTIONS,
  MERGER_READ_ACTIONS,
  mergeLayerArn,
  mergerVariables,
  rateExpression,
} from '../../src/cdk/index.ts';
import { parseDuration } from '../../src/merge/window.ts';

const context = {
  owner: 'App/Merger',
  isToken: (v: unknown) => typeof v === 'string' && v.startsWith('<token '),
};

describe('mergerVariables', () => {
  const accepted: Array<[string, Parameters<typeof mergerVariables>[0], Record<string, string>]> = [
    [
      'the defaults',
      { intervalMinutes: 5, delaySeconds: 120 },
      {
        DD_MERGER_INTERVAL: '5m',
        DD_MERGER_DELAY: '120s',
        DD_MERGER_SINK: 'agent',
        DD_MERGER_CONCURRENCY: '4',
        DD_MERGER_INCLUDE_METADATA: 'false',
        DD_XRAY_TRACE_ID_MODE: 'compat',
      },
    ],
    [
      'every setting',
      {
        intervalMinutes: 360,
        delaySeconds: 0,
        filterExpression: 'fault',
        sink: 'ndjson',
        xrayEndpoint: 'http://127.0.0.1:4000',
        concurrency: 64,
        includeMetadata: true,
        traceIdMode: 'full128',
      },
      {
        DD_MERGER_INTERVAL: '360m',
        DD_MERGER_DELAY: '0s',
        DD_MERGER_SINK: 'ndjson',
        DD_MERGER_CONCURRENCY: '64',
        DD_MERGER_INCLUDE_METADATA: 'true',
        DD_XRAY_TRACE_ID_MODE: 'full128',
        DD_MERGER_FILTER_EXPRESSION: 'fault',
        DD_MERGER_XRAY_ENDPOINT: 'http://127.0.0.1:4000',
      },
    ],
    [
      'deploy-time values pass through unchecked',
      {
        intervalMinutes: '<token A>',
        delaySeconds: '<token B>',
        concurrency: '<token C>',
        includeMetadata: '<token D>',
        traceIdMode: '<token E>',
        xrayEndpoint: '<token F>',
      },
      {
        DD_MERGER_INTERVAL: '<token A>m',
        DD_MERGER_DELAY: '<token B>s',
        DD_MERGER_SINK: 'agent',
        DD_MERGER_CONCURRENCY: '<token C>',
        DD_MERGER_INCLUDE_METADATA: '<token D>',
        DD_XRAY_TRACE_ID_MODE: '<token E>',
        DD_MERGER_XRAY_ENDPOINT: '<token F>',
      },
    ],
  ];
  for (const [name, input, expected] of accepted) {
    it(`accepts ${name}`, () => assert.deepEqual(mergerVariables(input, context), expected));
  }

  it('writes durations the merger reads back as the same milliseconds', () => {
    const variables = mergerVariables({ intervalMinutes: 15, delaySeconds: 90 }, context);
    assert.equal(parseDuration(variables.DD_MERGER_INTERVAL!), 15 * 60_000);
    assert.equal(parseDuration(variables.DD_MERGER_DELAY!), 90_000);
  });

  const refused: Array<[Partial<Parameters<typeof mergerVariables>[0]>, RegExp]> = [
    [{ intervalMinutes: 0 }, /App\/Merger: DD_MERGER_INTERVAL=0 is not valid: a whole number from 1 to 360$/],
    [{ intervalMinutes: 361 }, /DD_MERGER_INTERVAL=361/],
    [{ delaySeconds: -1 }, /DD_MERGER_DELAY=-1 is not valid: a whole number from 0 to 86400/],
    [{ concurrency: 65 }, /DD_MERGER_CONCURRENCY=65/],
    [{ concurrency: 'four' }, /DD_MERGER_CONCURRENCY="four"/],
    [{ includeMetadata: 'yes' }, /DD_MERGER_INCLUDE_METADATA="yes" is not valid: true or false/],
    [{ traceIdMode: 'FULL128' }, /DD_XRAY_TRACE_ID_MODE="FULL128"/],
    [
      { xrayEndpoint: 'xray.eu-west-1.amazonaws.com' },
      /DD_MERGER_XRAY_ENDPOINT="xray\.eu-west-1\.amazonaws\.com"/,
    ],
  ];
  for (const [input, error] of refused) {
    it(`refuses ${JSON.stringify(input)}`, () =>
      assert.throws(
        () => mergerVariables({ intervalMinutes: 5, delaySeconds: 120, ...input }, context),
        error,
      ));
  }
});

describe('rateExpression', () => {
  for (const [minutes, expected] of [
    [1, 'rate(1 minute)'],
    [5, 'rate(5 minutes)'],
    ['<token A>', 'rate(<token A> minutes)'],
  ] as const) {
    it(`${minutes} -> ${expected}`, () => assert.equal(rateExpression(minutes), expected));
  }
});

describe('layer ARNs', () => {
  const cases: Array<[string, string, string]> = [
    [
      'extension, x86_64',
      datadogExtensionArn({ partition: 'aws', region: 'eu-west-1', architecture: 'x86_64', version: 99 }),
      'arn:aws:lambda:eu-west-1:464622532012:layer:Datadog-Extension:99',
    ],
    [
      'extension, arm64',
      datadogExtensionArn({ partition: 'aws', region: 'us-east-1', architecture: 'arm64', version: 88 }),
      'arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension-ARM:88',
    ],
    [
      'extension, GovCloud',
      datadogExtensionArn({
        partition: 'aws-us-gov',
        region: 'us-gov-west-1',
        architecture: 'x86_64',
        version: 99,
      }),
      'arn:aws-us-gov:lambda:us-gov-west-1:002406178527:layer:Datadog-Extension:99',
    ],
    [
      'this layer, arm64',
      mergeLayerArn({
        partition: 'aws',
        region: 'eu-west-1',
        architecture: 'arm64',
        version: 3,
        account: '123456789012',
      }),
      'arn:aws:lambda:eu-west-1:123456789012:layer:xray-dd-merge-arm64:3',
    ],
    [
      'this layer under another name',
      mergeLayerArn({
        partition: 'aws',
        region: 'eu-west-1',
        architecture: 'x86_64',
        version: 1,
        account: '123456789012',
        layerName: 'tracing',
      }),
      'arn:aws:lambda:eu-west-1:123456789012:layer:tracing-x86_64:1',
    ],
  ];
  for (const [name, actual, expected] of cases) it(name, () => assert.equal(actual, expected));
});

describe('merger IAM actions', () => {
  it('reads X-Ray only; decrypts only', () => {
    assert.deepEqual(MERGER_READ_ACTIONS['trace-api'], [
      'xray:GetTraceSummaries',
      'xray:BatchGetTraces',
      'xray:GetTraceSegmentDestination',
      'xray:GetIndexingRules',
    ]);
    assert.deepEqual(MERGER_KMS_ACTIONS, ['kms:Decrypt']);
  });
});
