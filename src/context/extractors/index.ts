/**
 * The event sources, in the order their shapes are tested (the order datadog-lambda-js uses, so an
 * event is named the same way by both). At most one source matches an event.
 *
 * @example
 * detectEventSource(sqsEvent)?.name; // 'sqs'
 */

import { isRecord } from '../carrier.ts';
import { applicationLoadBalancer } from './alb.ts';
import { apiGateway } from './api-gateway.ts';
import { appSync } from './appsync.ts';
import { dynamodb } from './dynamodb.ts';
import { cloudWatchEvents, eventBridge } from './eventbridge.ts';
import { functionUrl } from './function-url.ts';
import { headersOnly } from './headers.ts';
import { kinesis } from './kinesis.ts';
import { s3 } from './s3.ts';
import { sns } from './sns.ts';
import { sqs } from './sqs.ts';
import { stepFunctions } from './step-functions.ts';
import type { EventRecord, EventSource, UntaggedCarrier } from './types.ts';

export const EVENT_SOURCES: readonly EventSource[] = [
  functionUrl,
  apiGateway,
  applicationLoadBalancer,
  cloudWatchEvents,
  dynamodb,
  kinesis,
  s3,
  sns,
  sqs,
  eventBridge,
  stepFunctions,
];

/**
 * Whether the event has one of the keys some source's shape starts from: `requestContext` (function
 * URLs, API Gateway, ALB), `detail-type` (EventBridge, CloudWatch Events), `Records` (DynamoDB,
 * Kinesis, S3, SNS, SQS), and `Execution`, `State`, `Payload` or `_datadog` (Step Functions). An
 * event with none of them (a direct invoke, a custom payload) matches no source, which these seven
 * reads tell faster than every source's test does.
 */
function mayHaveSource(event: EventRecord): boolean {
  return (
    event.requestContext !== undefined ||
    event['detail-type'] !== undefined ||
    event.Records !== undefined ||
    event.Execution !== undefined ||
    event.State !== undefined ||
    event.Payload !== undefined ||
    event._datadog !== undefined
  );
}

/** The source whose shape the event has, or undefined (anything that is not a plain object matches none). */
export function detectEventSource(event: unknown): EventSource | undefined {
  if (!isRecord(event)) return undefined;
  const record = event as EventRecord;
  if (!mayHaveSource(record)) return undefined;
  return EVENT_SOURCES.find((source) => source.matches(record));
}

/**
 * Carriers of events that match no source, tried in this order: a request's bare headers (custom
 * callers, proxies), then an AppSync resolver's request headers.
 */
export const UNTAGGED_CARRIERS: readonly UntaggedCarrier[] = [headersOnly, appSync];

/** The untagged carrier whose shape an event of no known source has, or undefined. */
export function detectUntaggedCarrier(event: unknown): UntaggedCarrier | undefined {
  if (!isRecord(event)) return undefined;
  const record = event as EventRecord;
  return UNTAGGED_CARRIERS.find((carrier) => carrier.matches(record));
}

export type {
  EventSource,
  EventSourceName,
  Extracted,
  ExtractionSettings,
  InferredSpanPlan,
  TriggerTags,
  UntaggedCarrier,
} from './types.ts';
