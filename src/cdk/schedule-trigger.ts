/**
 * What starts the merger: an EventBridge schedule rule every interval. The rule's event carries the
 * tick's `time`, from which the merger derives its window (src/merge/scheduled.ts), and EventBridge
 * keeps that `time` on its retries, so a retried run merges the same window. A tick EventBridge
 * could not deliver goes to the dead-letter queue with its `time`, ready to replay.
 *
 * One trigger per mode: a stream mode (issue 24) adds its own trigger module beside this one.
 */

import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { rateExpression } from './merger-settings.ts';

export interface ScheduleTriggerProps {
  readonly intervalMinutes: number | string;
  readonly deadLetterQueue: sqs.IQueue;
}

export function addScheduleTrigger(
  scope: Construct,
  fn: lambda.IFunction,
  props: ScheduleTriggerProps,
): events.Rule {
  return new events.Rule(scope, 'Schedule', {
    description: 'Starts the xray-dd-merge merger once per window',
    schedule: events.Schedule.expression(rateExpression(props.intervalMinutes)),
    targets: [
      new targets.LambdaFunction(fn, {
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
        deadLetterQueue: props.deadLetterQueue,
      }),
    ],
  });
}
