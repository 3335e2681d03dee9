/**
 * The merger's alarms. The window a run merges follows from its tick, so the merger falls behind
 * in two ways only, and each has an alarm: windows are missed (a run failed after its retries, or
 * a tick was not delivered: the dead-letter queue is not empty), or runs take longer than the
 * interval (the next tick starts before this one is done and the backlog grows). Plus any error.
 * XRayDatadogMerger makes them; `alarmTopic` there adds an SNS action to each.
 *
 * @example
 * const { errors, windowsMissed, runsBehind } = new XRayDatadogMerger(this, 'Merger', { datadog }).alarms;
 * runsBehind.addAlarmAction(new actions.SnsAction(pager));
 */

import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface MergerAlarmsProps {
  readonly fn: lambda.IFunction;
  readonly deadLetterQueue: sqs.IQueue;
  /** A run slower than this is behind the schedule: the interval, in minutes (may be a token). */
  readonly intervalMinutes: number;
  readonly topic?: sns.ITopic;
}

export class MergerAlarms extends Construct {
  readonly errors: cloudwatch.Alarm;
  readonly windowsMissed: cloudwatch.Alarm;
  readonly runsBehind: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: MergerAlarmsProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    this.errors = props.fn.metricErrors({ period, statistic: 'Sum' }).createAlarm(this, 'Errors', {
      alarmDescription: 'xray-dd-merge merger: a run failed (it is retried; see the function log)',
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.windowsMissed = props.deadLetterQueue
      .metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' })
      .createAlarm(this, 'WindowsMissed', {
        alarmDescription:
          'xray-dd-merge merger: windows were not merged (the dead-letter queue holds their events; replay them to the function)',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    // Duration in minutes (metric math), so a deploy-time interval can be the threshold as it is.
    const runMinutes = new cloudwatch.MathExpression({
      expression: 'duration / 60000',
      usingMetrics: { duration: props.fn.metricDuration({ period, statistic: 'Maximum' }) },
      label: 'longest run (minutes)',
      period,
    });
    this.runsBehind = runMinutes.createAlarm(this, 'RunsBehind', {
      alarmDescription:
        'xray-dd-merge merger: a run took longer than the interval, so runs fall behind the schedule (raise memory or concurrency, or narrow the filter)',
      threshold: props.intervalMinutes,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.topic !== undefined) {
      const action = new actions.SnsAction(props.topic);
      for (const alarm of [this.errors, this.windowsMissed, this.runsBehind]) alarm.addAlarmAction(action);
    }
  }
}
