// XRayDatadogMerger synthesized twice (defaults; every setting given): the function and its
// variables, least-privilege IAM, the schedule, the dead-letter queue on both failure paths, the
// alarms, the log group, cdk-nag; and the settings refused at synth time, naming the variable.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { XRayDatadogMerger, type XRayDatadogMergerProps } from '../../src/cdk/index.ts';
import { awsSolutionsFindings } from './nag.ts';
import { asList, policyStatements, propertiesOf } from './template-values.ts';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:dd-api-key-AbCdEf';
const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function mergerStack(props: Partial<XRayDatadogMergerProps> = {}, withExtras = false) {
  const stack = new Stack(new App(), 'Merger', { env: { account: '111122223333', region: 'eu-west-1' } });
  const apiKeySecret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Key', SECRET);
  const merger = new XRayDatadogMerger(stack, 'Merger', {
    datadog: { apiKeySecret, site: 'datadoghq.eu', env: 'prod' },
    ...(withExtras
      ? {
          xrayKmsKey: kms.Key.fromKeyArn(stack, 'XRayKey', KEY),
          alarmTopic: sns.Topic.fromTopicArn(stack, 'Topic', 'arn:aws:sns:eu-west-1:111122223333:oncall'),
        }
      : {}),
    ...props,
  });
  return { stack, merger, template: Template.fromStack(stack) };
}

/** Statements of the merger's role, with logical ids of resources reduced to their prefix. */
function roleStatements(template: Template) {
  return policyStatements(template).map(({ statement }) => ({
    actions: asList(statement.Action).sort(),
    resources: asList(statement.Resource).map((r) => JSON.stringify(r).replace(/[0-9A-F]{8}"/g, '"')),
  }));
}

describe('XRayDatadogMerger with defaults', () => {
  let stack: Stack;
  let template: Template;
  before(() => {
    ({ stack, template } = mergerStack());
  });

  it('a Node.js 24 arm64 function from the package bundle, with the Datadog extension', () => {
    const props = propertiesOf(template, 'AWS::Lambda::Function', 'MergerFunction');
    assert.equal(props.Runtime, 'nodejs24.x');
    assert.deepEqual(props.Architectures, ['arm64']);
    assert.equal(props.Handler, 'index.handler');
    assert.ok(props.Code.S3Key.endsWith('.zip'), 'an asset');
    assert.equal(props.MemorySize, 512);
    assert.equal(props.Timeout, 300);
    assert.equal(props.TracingConfig, undefined);
    assert.deepEqual(props.Layers, ['arn:aws:lambda:eu-west-1:464622532012:layer:Datadog-Extension-ARM:99']);
  });

  it('its settings as the DD_MERGER_* variables, defaults spelled out', () => {
    const props = propertiesOf(template, 'AWS::Lambda::Function', 'MergerFunction');
    assert.deepEqual(props.Environment.Variables, {
      DD_MERGER_INTERVAL: '5m',
      DD_MERGER_DELAY: '120s',
      DD_MERGER_SINK: 'agent',
      DD_MERGER_CONCURRENCY: '4',
      DD_MERGER_INCLUDE_METADATA: 'false',
      DD_XRAY_TRACE_ID_MODE: 'compat',
      DD_SERVICE: 'xray-dd-merge',
      DD_TRACE_AGENT_URL: 'http://127.0.0.1:8126',
      DD_API_KEY_SECRET_ARN: SECRET,
      DD_SITE: 'datadoghq.eu',
      DD_ENV: 'prod',
    });
  });

  it('least privilege: X-Ray reads on * (no resource types), everything else on its own resource', () => {
    assert.deepEqual(roleStatements(template), [
      {
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: ['{"Fn::GetAtt":["MergerLogs","Arn"]}'],
      },
      {
        actions: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        resources: ['{"Fn::GetAtt":["MergerDeadLetters","Arn"]}'],
      },
      {
        actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        resources: [JSON.stringify(SECRET)],
      },
      {
        actions: [
          'xray:BatchGetTraces',
          'xray:GetIndexingRules',
          'xray:GetTraceSegmentDestination',
          'xray:GetTraceSummaries',
        ],
        resources: ['"*"'],
      },
    ]);
    const role = propertiesOf(template, 'AWS::IAM::Role', 'MergerRole');
    assert.equal(role.ManagedPolicyArns, undefined, 'no managed policy');
  });

  it('a schedule at the interval, retried, undeliverable ticks to the dead-letter queue', () => {
    const rule = propertiesOf(template, 'AWS::Events::Rule', 'MergerSchedule');
    assert.equal(rule.ScheduleExpression, 'rate(5 minutes)');
    assert.equal(rule.Targets.length, 1);
    assert.deepEqual(rule.Targets[0].RetryPolicy, {
      MaximumEventAgeInSeconds: 3600,
      MaximumRetryAttempts: 2,
    });
    assert.match(JSON.stringify(rule.Targets[0].DeadLetterConfig), /MergerDeadLetters/);
  });

  it('failed runs go to the same queue after two retries', () => {
    const config = propertiesOf(template, 'AWS::Lambda::EventInvokeConfig', 'MergerFunction');
    assert.equal(config.MaximumRetryAttempts, 2);
    assert.match(JSON.stringify(config.DestinationConfig.OnFailure), /MergerDeadLetters/);
    const queue = propertiesOf(template, 'AWS::SQS::Queue', 'MergerDeadLetters');
    assert.equal(queue.SqsManagedSseEnabled, true);
    assert.equal(queue.MessageRetentionPeriod, 14 * 86_400);
  });

  it('three alarms, no actions without a topic', () => {
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    assert.deepEqual(
      Object.keys(alarms)
        .map((id) => id.replace(/[0-9A-F]{8}$/, ''))
        .sort(),
      ['MergerAlarmsErrors', 'MergerAlarmsRunsBehind', 'MergerAlarmsWindowsMissed'],
    );
    const behind = propertiesOf(template, 'AWS::CloudWatch::Alarm', 'MergerAlarmsRunsBehind');
    assert.equal(behind.Threshold, 5, 'minutes: the interval');
    assert.equal(behind.Metrics[0].Expression, 'duration / 60000');
    const missed = propertiesOf(template, 'AWS::CloudWatch::Alarm', 'MergerAlarmsWindowsMissed');
    assert.equal(missed.MetricName, 'ApproximateNumberOfMessagesVisible');
    for (const alarm of Object.values(alarms)) assert.equal(alarm.Properties.AlarmActions, undefined);
  });

  it('a log group with one month of retention', () => {
    assert.equal(propertiesOf(template, 'AWS::Logs::LogGroup', 'MergerLogs').RetentionInDays, 30);
  });

  it('cdk-nag AwsSolutions: no unacknowledged finding', () => {
    assert.deepEqual(awsSolutionsFindings(stack), []);
  });
});

describe('XRayDatadogMerger with every setting', () => {
  let stack: Stack;
  let template: Template;
  before(() => {
    ({ stack, template } = mergerStack(
      {
        interval: Duration.minutes(15),
        delay: Duration.seconds(90),
        filterExpression: 'service("checkout") AND fault',
        sink: 'ndjson',
        xrayEndpoint: 'https://vpce-0123.xray.eu-west-1.vpce.amazonaws.com',
        concurrency: 8,
        includeMetadata: true,
        traceIdMode: 'full128',
        service: 'merger',
        architecture: lambda.Architecture.X86_64,
        memorySize: 1024,
        logRetention: logs.RetentionDays.ONE_WEEK,
      },
      true,
    ));
  });

  it('every setting reaches its variable', () => {
    const props = propertiesOf(template, 'AWS::Lambda::Function', 'MergerFunction');
    assert.deepEqual(props.Environment.Variables, {
      DD_MERGER_INTERVAL: '15m',
      DD_MERGER_DELAY: '90s',
      DD_MERGER_SINK: 'ndjson',
      DD_MERGER_CONCURRENCY: '8',
      DD_MERGER_INCLUDE_METADATA: 'true',
      DD_XRAY_TRACE_ID_MODE: 'full128',
      DD_MERGER_FILTER_EXPRESSION: 'service("checkout") AND fault',
      DD_MERGER_XRAY_ENDPOINT: 'https://vpce-0123.xray.eu-west-1.vpce.amazonaws.com',
      DD_SERVICE: 'merger',
      DD_TRACE_AGENT_URL: 'http://127.0.0.1:8126',
      DD_API_KEY_SECRET_ARN: SECRET,
      DD_SITE: 'datadoghq.eu',
      DD_ENV: 'prod',
    });
    assert.deepEqual(props.Architectures, ['x86_64']);
    assert.deepEqual(props.Layers, ['arn:aws:lambda:eu-west-1:464622532012:layer:Datadog-Extension:99']);
    assert.equal(props.Timeout, 900, 'the interval, at most 15 minutes');
    assert.equal(
      propertiesOf(template, 'AWS::Events::Rule', 'MergerSchedule').ScheduleExpression,
      'rate(15 minutes)',
    );
    assert.equal(propertiesOf(template, 'AWS::Logs::LogGroup', 'MergerLogs').RetentionInDays, 7);
  });

  it('kms:Decrypt on the given key only', () => {
    const decrypts = policyStatements(template).filter(({ statement }) =>
      asList(statement.Action).includes('kms:Decrypt'),
    );
    assert.deepEqual(
      decrypts.map(({ statement }) => [statement.Action, statement.Resource]),
      [['kms:Decrypt', KEY]],
    );
  });

  it('the alarms notify the topic', () => {
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      assert.deepEqual(alarm.Properties.AlarmActions, ['arn:aws:sns:eu-west-1:111122223333:oncall']);
    }
  });

  it('cdk-nag AwsSolutions: no unacknowledged finding', () => {
    assert.deepEqual(awsSolutionsFindings(stack), []);
  });
});

describe('XRayDatadogMerger: settings refused at synth time, naming the variable', () => {
  const cases: Array<[string, Partial<XRayDatadogMergerProps>, RegExp]> = [
    [
      'an interval of 90 seconds',
      { interval: Duration.seconds(90) },
      /Merger\/Merger: DD_MERGER_INTERVAL=1 minute 30 seconds is not valid: whole minutes/,
    ],
    [
      'an interval over 6 hours',
      { interval: Duration.hours(7) },
      /Merger\/Merger: DD_MERGER_INTERVAL=420 is not valid: a whole number from 1 to 360/,
    ],
    [
      'concurrency 0',
      { concurrency: 0 },
      /DD_MERGER_CONCURRENCY=0 is not valid: a whole number from 1 to 64/,
    ],
    ['concurrency 2.5', { concurrency: 2.5 }, /DD_MERGER_CONCURRENCY=2\.5 is not valid/],
    [
      'an ftp endpoint',
      { xrayEndpoint: 'ftp://xray' },
      /DD_MERGER_XRAY_ENDPOINT="ftp:\/\/xray" is not valid: an http\(s\) URL/,
    ],
    [
      'an unknown id mode',
      { traceIdMode: 'full64' as 'compat' },
      /DD_XRAY_TRACE_ID_MODE="full64" is not valid: compat or full128/,
    ],
    [
      'an unknown sink',
      { sink: 'stdout' as 'agent' },
      /DD_MERGER_SINK="stdout" is not valid: agent or ndjson/,
    ],
  ];
  for (const [name, props, error] of cases) {
    it(name, () => assert.throws(() => mergerStack(props), error));
  }
});
