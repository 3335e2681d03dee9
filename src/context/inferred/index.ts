/**
 * The inferred span of an event's trigger, by the event source the extractors detected: the sources
 * datadog-lambda-js infers a span for (API Gateway, Function URLs, SQS, SNS, EventBridge, Kinesis,
 * DynamoDB and S3); none for ALB, scheduled events, Step Functions or unknown events. Pure; a
 * malformed event gives no plan.
 *
 * @example
 * triggerSpanPlan(detectEventSource(sqsEvent), sqsEvent, input)?.name; // 'aws.sqs'
 */

import type { EventRecord, EventSource } from '../extractors/types.ts';
import { apiGatewaySpan } from './api-gateway.ts';
import { dynamodbSpan } from './dynamodb.ts';
import { eventBridgeSpan } from './eventbridge.ts';
import { functionUrlSpan } from './function-url.ts';
import { kinesisSpan } from './kinesis.ts';
import { s3Span } from './s3.ts';
import { snsSpan } from './sns.ts';
import { sqsSpan } from './sqs.ts';
import type { InferenceInput, TriggerSpanPlan } from './types.ts';

export function triggerSpanPlan(
  source: EventSource,
  event: EventRecord,
  input: InferenceInput,
): TriggerSpanPlan | undefined {
  switch (source.name) {
    case 'api-gateway':
      return apiGatewaySpan(event, input);
    case 'lambda-function-url':
      return functionUrlSpan(event, input);
    case 'sqs':
      return sqsSpan(event, input);
    case 'sns':
      return snsSpan(event, input);
    case 'eventbridge':
      return eventBridgeSpan(event, input);
    case 'kinesis':
      return kinesisSpan(event, input);
    case 'dynamodb':
      return dynamodbSpan(event, input);
    case 's3':
      return s3Span(event, input);
    default:
      return undefined;
  }
}

export { parseServiceMapping, serviceName } from './service-name.ts';
export type { InferenceInput, ServiceNaming, TriggerSpanPlan } from './types.ts';
