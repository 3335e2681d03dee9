// XRayDatadogStreamMerger synthesized in its three shapes (Kinesis with the join stage, Kinesis
// without it, direct Lambda subscription): the subscription filter on aws/spans, streams, event
// source mappings with their settings, the on-failure queue, alarms on iterator age, IAM, cdk-nag.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  StreamCode,
  XRayDatadogStreamMerger,
  type XRayDatadogStreamMergerProps,
} from '../../src/cdk/index.ts';
import { awsSolutionsFindings } from './nag.ts';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:dd-api-key-AbCdEf';
const CODE = StreamCode.fromCode(
  lambda.Code.fromInline('exports.handler = exports.repartitionHandler = async () => ({});'),
);

function synth(props: Partial<XRayDatadogStreamMergerProps> = {}) {
  const stack = new Stack(new App(), 'Stream', { env: { account: '111122223333', region: 'eu-west-1' } });
  const apiKeySecret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Key', SECRET);
  const merger = new XRayDatadogStreamMerger(stack, 'Spans', {
    datadog: { apiKeySecret, env: 'prod' },
    code: CODE,
    ...props,
  });
  return { stack, merger, template: Template.fromStack(stack) };
}

const resources = (template: Template, type: string) =>
  Object.values(template.findResources(type)) as Array<{ Properties: Record<string, any> }>;

describe('XRayDatadogStreamMerger, Kinesis with the join stage (default)', () => {
  const { stack, merger, template } = synth({ shards: 4, joinWindow: Duration.seconds(60) });

  it('one subscription filter on aws/spans, every event, into the source stream', () => {
    const [filter] = resources(template, 'AWS::Logs::SubscriptionFilter');
    assert.equal(resources(template, 'AWS::Logs::SubscriptionFilter').length, 1);
    assert.equal(filter?.Properties.LogGroupName, 'aws/spans');
    assert.equal(filter?.Properties.FilterPattern, '');
    assert.ok(JSON.stringify(filter?.Properties.DestinationArn).includes('SpansSource'));
    assert.ok(filter?.Properties.RoleArn, 'CloudWatch Logs writes with its own role');
  });

  it('two encrypted streams of 4 shards', () => {
    const streams = resources(template, 'AWS::Kinesis::Stream');
    assert.equal(streams.length, 2);
    for (const s of streams) {
      assert.equal(s.Properties.ShardCount, 4);
      assert.equal(s.Properties.StreamEncryption.EncryptionType, 'KMS');
    }
  });

  it('event source mappings: re-partitioning with parallelization, the consumer with the tumbling window; both report item failures, bisect, and go to the queue', () => {
    const mappings = resources(template, 'AWS::Lambda::EventSourceMapping');
    assert.equal(mappings.length, 2);
    const windowed = mappings.find((m) => m.Properties.TumblingWindowInSeconds !== undefined);
    const other = mappings.find((m) => m.Properties.TumblingWindowInSeconds === undefined);
    assert.equal(windowed?.Properties.TumblingWindowInSeconds, 60);
    assert.equal(windowed?.Properties.ParallelizationFactor, undefined);
    assert.equal(other?.Properties.ParallelizationFactor, 2);
    for (const m of mappings) {
      assert.deepEqual(m.Properties.FunctionResponseTypes, ['ReportBatchItemFailures']);
      assert.equal(m.Properties.BisectBatchOnFunctionError, true);
      assert.equal(m.Properties.BatchSize, 100);
      assert.equal(m.Properties.StartingPosition, 'TRIM_HORIZON');
      assert.ok(
        JSON.stringify(m.Properties.DestinationConfig.OnFailure.Destination).includes('SpansFailures'),
      );
    }
  });

  it('the re-partitioning function knows its target; only the consumer has the Datadog extension', () => {
    const fns = resources(template, 'AWS::Lambda::Function');
    const repartition = fns.find((f) => f.Properties.Handler === 'index.repartitionHandler');
    const consumer = fns.find((f) => f.Properties.Handler === 'index.handler');
    assert.ok(
      JSON.stringify(repartition?.Properties.Environment.Variables.DD_MERGER_REPARTITION_STREAM).includes(
        'SpansByTrace',
      ),
    );
    assert.equal(repartition?.Properties.Layers, undefined);
    assert.match(JSON.stringify(consumer?.Properties.Layers), /Datadog-Extension-ARM/);
    assert.equal(consumer?.Properties.Runtime, 'nodejs24.x');
  });

  it('alarms: iterator age of both functions, their errors, the failure queue', () => {
    const alarms = resources(template, 'AWS::CloudWatch::Alarm');
    const ages = alarms.filter((a) => a.Properties.MetricName === 'IteratorAge');
    assert.equal(ages.length, 2);
    for (const a of ages) assert.equal(a.Properties.Threshold, 300_000);
    assert.equal(merger.alarms.length, 5);
  });

  it('cdk-nag (AwsSolutions) finds nothing', () => {
    assert.deepEqual(awsSolutionsFindings(stack), []);
  });
});

describe('XRayDatadogStreamMerger, other shapes', () => {
  it('joinWindow 0: one stream, the consumer reads it straight', () => {
    const { stack, template, merger } = synth({ joinWindow: Duration.seconds(0) });
    assert.equal(resources(template, 'AWS::Kinesis::Stream').length, 1);
    const [mapping] = resources(template, 'AWS::Lambda::EventSourceMapping');
    assert.equal(mapping?.Properties.TumblingWindowInSeconds, undefined);
    assert.equal(merger.repartition, undefined);
    assert.deepEqual(awsSolutionsFindings(stack), []);
  });

  it("delivery 'lambda': the subscription invokes the consumer; two async retries then the queue; no Kinesis", () => {
    const { stack, template } = synth({ delivery: 'lambda' });
    assert.equal(resources(template, 'AWS::Kinesis::Stream').length, 0);
    const [filter] = resources(template, 'AWS::Logs::SubscriptionFilter');
    assert.ok(JSON.stringify(filter?.Properties.DestinationArn).includes('SpansConsumer'));
    const [permission] = resources(template, 'AWS::Lambda::Permission');
    assert.equal(permission?.Properties.Principal, 'logs.amazonaws.com');
    const [config] = resources(template, 'AWS::Lambda::EventInvokeConfig');
    assert.equal(config?.Properties.MaximumRetryAttempts, 2);
    assert.equal(
      resources(template, 'AWS::CloudWatch::Alarm').filter((a) => a.Properties.MetricName === 'IteratorAge')
        .length,
      0,
    );
    assert.deepEqual(awsSolutionsFindings(stack), []);
  });

  it('subscribe false: no filter (both of the log group may be taken)', () => {
    const { template } = synth({ subscribe: false });
    assert.equal(resources(template, 'AWS::Logs::SubscriptionFilter').length, 0);
  });

  const refused: Array<[string, Partial<XRayDatadogStreamMergerProps>, RegExp]> = [
    [
      'a window over 900 s',
      { joinWindow: Duration.seconds(901) },
      /joinWindow 901 s of Stream\/Spans must be whole seconds from 0 to 900/,
    ],
    ['no shards', { shards: 0 }, /shards 0 of Stream\/Spans/],
    ['a batch over 10,000', { batchSize: 10_001 }, /batchSize 10001 of Stream\/Spans/],
    ['parallelization 11', { parallelizationFactor: 11 }, /parallelizationFactor 11 of Stream\/Spans/],
  ];
  for (const [name, props, message] of refused)
    it(`refuses ${name}, naming the construct`, () => assert.throws(() => synth(props), message));
});
