/**
 * `XRayDatadogMerger`: the scheduled merger (`mergeHandler` of `xray-dd-merge/merge`) deployed as a
 * Lambda function with everything around it: the schedule, a role with least privilege, the
 * Datadog extension and API key secret, a dead-letter queue for windows that could not be merged,
 * alarms, and a log group with retention. Its settings are the `DD_MERGER_*` variables, one to one.
 *
 * @example
 * new XRayDatadogMerger(this, 'Merger', {
 *   datadog: { apiKeySecret: secret, site: 'datadoghq.eu', env: 'prod' },
 *   interval: Duration.minutes(5),
 *   filterExpression: 'service("checkout")',
 * });
 */

import { Duration, Token, Tokenization } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { addDatadogExtension, type DatadogExtensionProps } from './datadog-extension.ts';
import { MergerAlarms } from './merger-alarms.ts';
import { type BoundMergerCode, MergerCode } from './merger-code.ts';
import { MERGER_KMS_ACTIONS, MERGER_READ_ACTIONS, type MergerReadPath } from './merger-permissions.ts';
import { mergerVariables } from './merger-settings.ts';
import { suppressNag } from './nag-suppressions.ts';
import { addScheduleTrigger } from './schedule-trigger.ts';
import type { TraceIdMode } from './xray-datadog-merge.ts';

/**
 * How runs start. `schedule`: an EventBridge rule every interval, each run merging the window of
 * its tick. The stream mode (every span of `aws/spans`, in real time) is a different deployment —
 * two functions, Kinesis streams, a subscription filter, no X-Ray reads — so it is its own
 * construct, `XRayDatadogStreamMerger` in `stream-merger.ts`.
 */
export type MergerMode = 'schedule';

export interface XRayDatadogMergerProps {
  /** How runs start. Default `schedule`. */
  readonly mode?: MergerMode;
  /** The Datadog extension the spans go to (127.0.0.1:8126), and its API key secret. */
  readonly datadog: DatadogExtensionProps;
  /** `DD_MERGER_INTERVAL` and the schedule's rate; whole minutes, at most 6 hours. Default 5 minutes. */
  readonly interval?: Duration;
  /** `DD_MERGER_DELAY`: how far behind its tick a window ends, for X-Ray's indexing. Default 2 minutes. */
  readonly delay?: Duration;
  /** `DD_MERGER_FILTER_EXPRESSION`: an X-Ray filter expression. Default none. */
  readonly filterExpression?: string;
  /** `DD_MERGER_SINK`: `agent` (the extension) or `ndjson` (the function's log). Default `agent`. */
  readonly sink?: 'agent' | 'ndjson';
  /** `DD_MERGER_XRAY_ENDPOINT`: an X-Ray API endpoint (a VPC endpoint). Default the SDK's. */
  readonly xrayEndpoint?: string;
  /** `DD_MERGER_CONCURRENCY`: BatchGetTraces calls in flight, 1 to 64. Default 4. */
  readonly concurrency?: number;
  /** `DD_MERGER_INCLUDE_METADATA`: copy segment metadata into span tags. Default false. */
  readonly includeMetadata?: boolean;
  /** `DD_XRAY_TRACE_ID_MODE`; must match the instrumented functions'. Default `compat`. */
  readonly traceIdMode?: TraceIdMode;
  /** The customer-managed key X-Ray encrypts with; `kms:Decrypt` on it is granted only when given. */
  readonly xrayKmsKey?: kms.IKey;
  /** `DD_SERVICE` of the merger's own log lines. Default `xray-dd-merge`. */
  readonly service?: string;
  /** The function's code. Default {@link MergerCode.fromPackage}. */
  readonly code?: MergerCode;
  /** Default arm64. */
  readonly architecture?: lambda.Architecture;
  /** Default 512 MiB. */
  readonly memorySize?: number;
  /** Default the interval, at most 15 minutes: a run slower than the interval is behind anyway. */
  readonly timeout?: Duration;
  /** Default one month. */
  readonly logRetention?: logs.RetentionDays;
  /** Where the alarms notify. Default none (the alarms still exist). */
  readonly alarmTopic?: sns.ITopic;
}

export class XRayDatadogMerger extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly deadLetterQueue: sqs.Queue;
  readonly logGroup: logs.LogGroup;
  readonly alarms: MergerAlarms;
  /** How this merger reads X-Ray (issue 20 adds Transaction Search). */
  readonly readPath: MergerReadPath = 'trace-api';

  constructor(scope: Construct, id: string, props: XRayDatadogMergerProps) {
    super(scope, id);
    const interval = props.interval ?? Duration.minutes(5);
    const intervalMinutes = wholeMinutes(interval, this.node.path);
    const bound: BoundMergerCode = (props.code ?? MergerCode.fromPackage()).bind();

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    suppressNag(this.deadLetterQueue.node.defaultChild as sqs.CfnQueue, [
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is the dead-letter queue: of the schedule rule target and of the function (on-failure destination)',
      },
    ]);

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'xray-dd-merge merger: reads X-Ray traces, writes its own log',
    });
    this.logGroup.grantWrite(this.role);
    const readPolicy = new iam.Policy(this, 'XRayRead', {
      statements: [
        new iam.PolicyStatement({ actions: [...MERGER_READ_ACTIONS[this.readPath]], resources: ['*'] }),
      ],
    });
    readPolicy.attachToRole(this.role);
    suppressNag(readPolicy.node.defaultChild as iam.CfnPolicy, [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'xray:GetTraceSummaries and xray:BatchGetTraces have no resource types (Service Authorization Reference), so they can only be granted on *',
        appliesTo: ['Resource::*'],
      },
    ]);
    if (props.xrayKmsKey !== undefined) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: [...MERGER_KMS_ACTIONS], resources: [props.xrayKmsKey.keyArn] }),
      );
    }

    const isToken = (value: unknown) => Token.isUnresolved(value);
    const asText = (value: number) =>
      Token.isUnresolved(value) ? Tokenization.stringifyNumber(value) : value;
    this.function = new lambda.Function(this, 'Function', {
      description: 'xray-dd-merge merger: X-Ray traces to Datadog spans, one window per run',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: props.architecture ?? lambda.Architecture.ARM_64,
      code: bound.code,
      handler: bound.handler,
      layers: [...bound.layers],
      role: this.role,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? defaultTimeout(interval),
      logGroup: this.logGroup,
      // Not traced itself: the merger's own calls to X-Ray would be traced and merged in turn.
      tracing: lambda.Tracing.DISABLED,
      // Async invocations (the schedule's) retry twice; a window still failing goes to the queue.
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
      environment: {
        ...mergerVariables(
          {
            intervalMinutes: asText(intervalMinutes),
            delaySeconds: asText((props.delay ?? Duration.minutes(2)).toSeconds()),
            ...(props.filterExpression !== undefined ? { filterExpression: props.filterExpression } : {}),
            ...(props.sink !== undefined ? { sink: props.sink } : {}),
            ...(props.xrayEndpoint !== undefined ? { xrayEndpoint: props.xrayEndpoint } : {}),
            ...(props.concurrency !== undefined ? { concurrency: asText(props.concurrency) } : {}),
            ...(props.includeMetadata !== undefined ? { includeMetadata: props.includeMetadata } : {}),
            ...(props.traceIdMode !== undefined ? { traceIdMode: props.traceIdMode } : {}),
          },
          { owner: this.node.path, isToken },
        ),
        DD_SERVICE: props.service ?? 'xray-dd-merge',
        DD_TRACE_AGENT_URL: 'http://127.0.0.1:8126',
      },
    });
    suppressNag(this.function.node.defaultChild as lambda.CfnFunction, [
      {
        id: 'AwsSolutions-L1',
        reason: 'The merger bundle is built and tested for Node.js 22 and 24; it runs on nodejs24.x',
      },
    ]);
    addDatadogExtension(this.function, props.datadog);
    switch (props.mode ?? 'schedule') {
      case 'schedule':
        addScheduleTrigger(this, this.function, {
          intervalMinutes: asText(intervalMinutes),
          deadLetterQueue: this.deadLetterQueue,
        });
        break;
    }
    this.alarms = new MergerAlarms(this, 'Alarms', {
      fn: this.function,
      deadLetterQueue: this.deadLetterQueue,
      intervalMinutes,
      ...(props.alarmTopic !== undefined ? { topic: props.alarmTopic } : {}),
    });
  }
}

function wholeMinutes(interval: Duration, owner: string): number {
  try {
    return interval.toMinutes();
  } catch {
    throw new Error(
      `${owner}: DD_MERGER_INTERVAL=${interval.toHumanString()} is not valid: whole minutes (EventBridge rates count minutes)`,
    );
  }
}

/** The interval, at most Lambda's 15 minutes. */
function defaultTimeout(interval: Duration): Duration {
  const minutes = interval.toMinutes();
  if (Token.isUnresolved(minutes)) return Duration.minutes(5); // a deploy-time interval: pass `timeout`
  return Duration.minutes(Math.min(minutes, 15));
}
