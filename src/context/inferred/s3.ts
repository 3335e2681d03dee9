/**
 * The span of the S3 bucket whose notification triggered the function: `aws.s3`, service and resource
 * the bucket's name, from the event's time to `aws.lambda`'s start. Pure.
 */

import { isRecord } from '../carrier.ts';
import { dig, type EventRecord, firstRecord, stringAt } from '../extractors/types.ts';
import { serviceName } from './service-name.ts';
import { commonTags, type InferenceInput, setIf, type TriggerSpanPlan } from './types.ts';

export function s3Span(event: EventRecord, input: InferenceInput): TriggerSpanPlan | undefined {
  const record = firstRecord(event);
  if (!isRecord(record)) return undefined;
  const startMs = Date.parse(String(record.eventTime));
  const bucket = stringAt(record, 's3', 'bucket', 'name') ?? '';
  const service = serviceName(input.naming, bucket, 'lambda_s3', bucket, 's3');
  const tags = commonTags('aws.s3', service, bucket, 'async');
  tags.bucketname = bucket;
  setIf(tags, 'bucket_arn', dig(record, 's3', 'bucket', 'arn'));
  setIf(tags, 'event_name', record.eventName);
  setIf(tags, 'object_key', dig(record, 's3', 'object', 'key'));
  setIf(tags, 'object_size', dig(record, 's3', 'object', 'size'));
  setIf(tags, 'object_etag', dig(record, 's3', 'object', 'eTag'));
  return { name: 'aws.s3', service, resource: bucket, type: 'web', startMs, synchronous: false, tags };
}
