/**
 * The span of the SNS topic that delivered the message: `aws.sns`, service and resource the topic's
 * name, from the message's publish time to `aws.lambda`'s start (or, for a message SNS delivered to
 * an SQS queue, to when the queue received it). Pure.
 */

import { isRecord } from '../carrier.ts';
import type { InferredSpanPlan } from '../extractors/types.ts';
import { type EventRecord, firstRecord, stringAt } from '../extractors/types.ts';
import { serviceName } from './service-name.ts';
import { commonTags, type InferenceInput, type SpanTags, setIf, type TriggerSpanPlan } from './types.ts';

/** The plan for one SNS message (a Lambda SNS record's `Sns`, or an SQS body), without its end. */
export function snsMessageSpan(
  message: Readonly<Record<string, unknown>>,
  subscriptionArn: string | undefined,
  input: InferenceInput,
):
  | { name: string; service: string; resource: string; type: string; startMs: number; tags: SpanTags }
  | undefined {
  const startMs = Date.parse(String(message.Timestamp));
  const topicArn = stringAt(message, 'TopicArn');
  const topic = topicArn?.split(':').pop() ?? '';
  const service = serviceName(input.naming, topic, 'lambda_sns', topic, 'sns');
  const tags = commonTags('aws.sns', service, topic, 'async');
  setIf(tags, 'type', message.Type);
  setIf(tags, 'subject', message.Subject);
  setIf(tags, 'message_id', message.MessageId);
  tags.topicname = topic;
  setIf(tags, 'topic_arn', topicArn);
  // Not there when SNS delivers to SQS directly.
  if (subscriptionArn) tags.event_subscription_arn = subscriptionArn;
  return { name: 'aws.sns', service, resource: topic, type: 'sns', startMs, tags };
}

export function snsSpan(event: EventRecord, input: InferenceInput): TriggerSpanPlan | undefined {
  const record = firstRecord(event);
  const message = (record as { Sns?: unknown } | undefined)?.Sns;
  if (!isRecord(message)) return undefined;
  const plan = snsMessageSpan(message, stringAt(record, 'EventSubscriptionArn'), input);
  return plan ? { ...plan, synchronous: false } : undefined;
}

/** An SNS message that came through SQS: a finished span, from publish to the queue's receipt. */
export function snsUpstreamSpan(
  message: Readonly<Record<string, unknown>>,
  endMs: number,
  input: InferenceInput,
): InferredSpanPlan | undefined {
  const plan = snsMessageSpan(message, undefined, input);
  return plan ? { ...plan, endMs } : undefined;
}
