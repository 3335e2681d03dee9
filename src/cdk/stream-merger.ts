/**
 * `XRayDatadogStreamMerger`: the merger at account scale (`xray-dd-merge/stream`) deployed on the
 * CloudWatch Logs group of Transaction Search, `aws/spans`. A different job from the scheduled
 * `XRayDatadogMerger` (no window pulls, no X-Ray read permissions; two functions and streams), so its
 * own construct, as one construct per job.
 *
 * `delivery: 'kinesis'` (default, any size of account):
 * ```
 * aws/spans ──subscription filter──▶ Kinesis "Source" ──▶ λ repartition ──PutRecords(key = trace id)──▶
 *   Kinesis "ByTrace" ──tumbling window (the join hold)──▶ λ consumer + Datadog extension ──▶ Datadog
 * ```
 * `joinWindow: Duration.seconds(0)` leaves out the second stream and the re-partitioning stage: the
 * consumer reads "Source" straight, joining hybrid traces only within a batch.
 *
 * `delivery: 'lambda'` (small accounts): the subscription filter invokes the consumer directly
 * (asynchronous invocation, two retries, then the on-failure queue). No Kinesis, no hold.
 *
 * A log group takes at most two subscription filters. When both are taken, CloudFormation fails the
 * deployment on the filter (LimitExceededException); set `subscribe: false` and feed `sourceStream`
 * from the pipeline that holds the filter, or remove one of the two.
 *
 * @example
 * new XRayDatadogStreamMerger(this, 'Spans', {
 *   datadog: { apiKeySecret: secret, env: 'prod' },
 *   shards: 4,
 *   joinWindow: Duration.seconds(60),
 * });
 */

import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as logDestinations from 'aws-cdk-lib/aws-logs-destinations';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { addDatadogExtension, type DatadogExtensionProps } from './datadog-extension.ts';
import { suppressNag } from './nag-suppressions.ts';
import { StreamCode } from './stream-code.ts';
import type { TraceIdMode } from './xray-datadog-merge.ts';

export interface XRayDatadogStreamMergerProps {
  readonly datadog: DatadogExtensionProps;
  /** `kinesis` (default) or `lambda` (the subscription invokes the consumer; small accounts). */
  readonly delivery?: 'kinesis' | 'lambda';
  /** The log group. Default `aws/spans`. */
  readonly logGroupName?: string;
  /** Whether to create the subscription filter (a log group takes two at most). Default true. */
  readonly subscribe?: boolean;
  /** The subscription's filter pattern. Default every span. */
  readonly filterPattern?: logs.IFilterPattern;
  /** Shards of each stream. Default 2 (a shard takes 1 MB/s or 1,000 records/s in). */
  readonly shards?: number;
  /** The join hold: the consumer's tumbling window, 0 to 900 s; 0 = no re-partitioning stage. Default 30 s. */
  readonly joinWindow?: Duration;
  /** Records per batch of each event source mapping, 1 to 10,000. Default 100. */
  readonly batchSize?: number;
  /** Batches per shard in flight for the re-partitioning stage, 1 to 10. Default 2. */
  readonly parallelizationFactor?: number;
  /** `DD_XRAY_TRACE_ID_MODE`; must match the instrumented functions'. Default `compat`. */
  readonly traceIdMode?: TraceIdMode;
  /** The iterator-age alarm threshold. Default 5 minutes. */
  readonly iteratorAgeThreshold?: Duration;
  /** Default arm64. */
  readonly architecture?: lambda.Architecture;
  /** Default 1024 MiB (CPU grows with memory; conversion is CPU-bound). */
  readonly memorySize?: number;
  /** Default one month. */
  readonly logRetention?: logs.RetentionDays;
  readonly alarmTopic?: sns.ITopic;
  /** The functions' code. Default {@link StreamCode.fromPackage}. */
  readonly code?: StreamCode;
}

const MAX_WINDOW_SECONDS = 900;

export class XRayDatadogStreamMerger extends Construct {
  /** The consumer: converts, joins, sends to the Datadog extension. */
  readonly consumer: lambda.Function;
  readonly repartition?: lambda.Function;
  /** The stream the subscription writes to (kinesis delivery). */
  readonly sourceStream?: kinesis.Stream;
  readonly joinStream?: kinesis.Stream;
  /** The on-failure destination: batches given up after their retries. */
  readonly failureQueue: sqs.Queue;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: XRayDatadogStreamMergerProps) {
    super(scope, id);
    const delivery = props.delivery ?? 'kinesis';
    const windowSeconds = (props.joinWindow ?? Duration.seconds(30)).toSeconds();
    const shards = props.shards ?? 2;
    const batchSize = props.batchSize ?? 100;
    const parallelization = props.parallelizationFactor ?? 2;
    check(
      Number.isInteger(windowSeconds) && windowSeconds >= 0 && windowSeconds <= MAX_WINDOW_SECONDS,
      `joinWindow ${windowSeconds} s of ${this.node.path} must be whole seconds from 0 to ${MAX_WINDOW_SECONDS} (Lambda's tumbling window)`,
    );
    check(
      Number.isInteger(shards) && shards >= 1,
      `shards ${shards} of ${this.node.path} must be a whole number >= 1`,
    );
    check(
      Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= 10_000,
      `batchSize ${batchSize} of ${this.node.path} must be 1 to 10,000`,
    );
    check(
      Number.isInteger(parallelization) && parallelization >= 1 && parallelization <= 10,
      `parallelizationFactor ${parallelization} of ${this.node.path} must be 1 to 10`,
    );
    const code = (props.code ?? StreamCode.fromPackage()).bind();

    this.failureQueue = new sqs.Queue(this, 'Failures', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    suppressNag(this.failureQueue.node.defaultChild as sqs.CfnQueue, [
      {
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is the on-failure destination of the stream functions (a dead-letter queue)',
      },
    ]);

    const makeFunction = (name: string, handler: string, description: string) => {
      const logGroup = new logs.LogGroup(this, `${name}Logs`, {
        retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      });
      const role = new iam.Role(this, `${name}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description,
      });
      logGroup.grantWrite(role);
      const fn = new lambda.Function(this, name, {
        description,
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: props.architecture ?? lambda.Architecture.ARM_64,
        code: code.code,
        handler: `index.${handler}`,
        role,
        memorySize: props.memorySize ?? 1024,
        timeout: Duration.minutes(1),
        logGroup,
        // Not traced itself: its own calls would land in aws/spans and come back through the stream.
        tracing: lambda.Tracing.DISABLED,
        environment: {
          DD_TRACE_AGENT_URL: 'http://127.0.0.1:8126',
          ...(props.traceIdMode !== undefined ? { DD_XRAY_TRACE_ID_MODE: props.traceIdMode } : {}),
        },
      });
      suppressNag(fn.node.defaultChild as lambda.CfnFunction, [
        {
          id: 'AwsSolutions-L1',
          reason: 'The stream bundle is built and tested for Node.js 22 and 24; it runs on nodejs24.x',
        },
      ]);
      return fn;
    };

    this.consumer = makeFunction(
      'Consumer',
      'handler',
      'xray-dd-merge stream: aws/spans records to Datadog spans',
    );
    addDatadogExtension(this.consumer, props.datadog);
    const logGroup = logs.LogGroup.fromLogGroupName(this, 'Spans', props.logGroupName ?? 'aws/spans');
    const filterPattern = props.filterPattern ?? logs.FilterPattern.allEvents();

    if (delivery === 'lambda') {
      this.consumer.configureAsyncInvoke({
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
        onFailure: new destinations.SqsDestination(this.failureQueue),
      });
      if (props.subscribe !== false) {
        new logs.SubscriptionFilter(this, 'Subscription', {
          logGroup,
          destination: new logDestinations.LambdaDestination(this.consumer),
          filterPattern,
        });
      }
    } else {
      const stream = (name: string) =>
        new kinesis.Stream(this, name, {
          shardCount: shards,
          retentionPeriod: Duration.hours(24),
          encryption: kinesis.StreamEncryption.MANAGED,
        });
      this.sourceStream = stream('Source');
      if (props.subscribe !== false) {
        new logs.SubscriptionFilter(this, 'Subscription', {
          logGroup,
          destination: new logDestinations.KinesisDestination(this.sourceStream),
          filterPattern,
        });
      }
      const mapping = (extra: Partial<sources.KinesisEventSourceProps>): sources.KinesisEventSourceProps => ({
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: 10,
        maxRecordAge: Duration.hours(6),
        onFailure: new sources.SqsDlq(this.failureQueue),
        ...extra,
      });
      if (windowSeconds === 0) {
        this.consumer.addEventSource(
          new sources.KinesisEventSource(
            this.sourceStream,
            mapping({ parallelizationFactor: parallelization }),
          ),
        );
      } else {
        this.joinStream = stream('ByTrace');
        this.repartition = makeFunction(
          'Repartition',
          'repartitionHandler',
          'xray-dd-merge stream: re-keys aws/spans records by trace id',
        );
        this.repartition.addEnvironment('DD_MERGER_REPARTITION_STREAM', this.joinStream.streamName);
        this.joinStream.grantWrite(this.repartition);
        this.repartition.addEventSource(
          new sources.KinesisEventSource(
            this.sourceStream,
            mapping({ parallelizationFactor: parallelization }),
          ),
        );
        // One batch per shard at a time: the window's state follows the shard's order.
        this.consumer.addEventSource(
          new sources.KinesisEventSource(
            this.joinStream,
            mapping({ tumblingWindow: Duration.seconds(windowSeconds) }),
          ),
        );
      }
    }

    // Alarms: functions failing, batches given up, and consumers falling behind their streams.
    const period = Duration.minutes(5);
    const alarm = (name: string, metric: cloudwatch.IMetric, threshold: number, description: string) => {
      const created = new cloudwatch.Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      if (props.alarmTopic !== undefined) created.addAlarmAction(new actions.SnsAction(props.alarmTopic));
      this.alarms.push(created);
    };
    alarm(
      'FailuresQueued',
      this.failureQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      1,
      'xray-dd-merge stream: batches were given up after their retries (the queue holds where they were; replay them with `xray-dd-merge stream`)',
    );
    const ageMs = (props.iteratorAgeThreshold ?? Duration.minutes(5)).toMilliseconds();
    for (const fn of [this.consumer, this.repartition]) {
      if (fn === undefined) continue;
      const name = fn === this.consumer ? 'Consumer' : 'Repartition';
      alarm(
        `${name}Errors`,
        fn.metricErrors({ period, statistic: 'Sum' }),
        1,
        `xray-dd-merge stream: the ${name.toLowerCase()} function failed (its batches are retried)`,
      );
      if (delivery === 'kinesis') {
        alarm(
          `${name}IteratorAge`,
          fn.metric('IteratorAge', { period, statistic: 'Maximum' }),
          ageMs,
          `xray-dd-merge stream: the ${name.toLowerCase()} function is behind its stream by more than ${ageMs / 60_000} minutes (add shards or memory; records older than 24 h are lost)`,
        );
      }
    }
  }
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}
