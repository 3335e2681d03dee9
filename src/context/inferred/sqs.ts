/**
 * The span of the SQS queue that delivered the batch: `aws.sqs`, service and resource the queue's
 * name, from when the first message was sent to `aws.lambda`'s start. A message that SNS or an
 * EventBridge rule (with a Datadog context) put in the queue gets that service's span before it,
 * ending when the queue received the message. Pure.
 */

import { isRecord } from '../carrier.ts';
import { dig, type EventRecord, firstRecord, type InferredSpanPlan, stringAt } from '../extractors/types.ts';
import { eventBridgeUpstreamSpan } from './eventbridge.ts';
import { serviceName } from './service-name.ts';
import { snsUpstreamSpan } from './sns.ts';
import { commonTags, type InferenceInput, setIf, type TriggerSpanPlan } from './types.ts';

/** Bodies this long are not a message from SNS or EventBridge (those are at most 256 KiB) and are not parsed. */
const MAX_UPSTREAM_BODY = 262_144 + 4096;

function upstreamOf(body: unknown, sentMs: number, input: InferenceInput): InferredSpanPlan | undefined {
  if (typeof body !== 'string' || body.length > MAX_UPSTREAM_BODY || body[0] !== '{') return undefined;
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch {
    return undefined; // a plain SQS message
  }
  if (!isRecord(message)) return undefined;
  if (message.TopicArn && message.Timestamp) return snsUpstreamSpan(message, sentMs, input);
  if (dig(message, 'detail', '_datadog')) return eventBridgeUpstreamSpan(message, sentMs, input);
  return undefined;
}

export function sqsSpan(event: EventRecord, input: InferenceInput): TriggerSpanPlan | undefined {
  const record = firstRecord(event);
  if (!isRecord(record)) return undefined;
  const sentMs = Number(dig(record, 'attributes', 'SentTimestamp'));
  if (!Number.isFinite(sentMs)) return undefined;
  const arn = stringAt(record, 'eventSourceARN');
  const queue = arn?.split(':').pop() ?? '';
  const service = serviceName(input.naming, queue, 'lambda_sqs', queue, 'sqs');
  const tags = commonTags('aws.sqs', service, queue, 'async');
  tags.queuename = queue;
  setIf(tags, 'event_source_arn', arn);
  setIf(tags, 'receipt_handle', record.receiptHandle);
  setIf(tags, 'sender_id', dig(record, 'attributes', 'SenderId'));
  const receives = Number(dig(record, 'attributes', 'ApproximateReceiveCount'));
  if (receives > 0) tags.retry_count = receives;
  const upstream = upstreamOf(record.body, sentMs, input);
  const plan: TriggerSpanPlan = {
    name: 'aws.sqs',
    service,
    resource: queue,
    type: 'web',
    startMs: sentMs,
    synchronous: false,
    tags,
  };
  return upstream ? { ...plan, upstream } : plan;
}
