/**
 * The span of the DynamoDB stream that delivered the batch: `aws.dynamodb`, service the table's name,
 * resource `{event name} {table}`, from the first change to `aws.lambda`'s start. Pure.
 */

import { isRecord } from '../carrier.ts';
import { dig, type EventRecord, firstRecord, stringAt } from '../extractors/types.ts';
import { serviceName } from './service-name.ts';
import { commonTags, type InferenceInput, setIf, type TriggerSpanPlan } from './types.ts';

export function dynamodbSpan(event: EventRecord, input: InferenceInput): TriggerSpanPlan | undefined {
  const record = firstRecord(event);
  if (!isRecord(record)) return undefined;
  const startMs = Number(dig(record, 'dynamodb', 'ApproximateCreationDateTime')) * 1000;
  const arn = stringAt(record, 'eventSourceARN');
  // arn:aws:dynamodb:region:account:table/{table}/stream/{label}
  const table = arn?.split('/')[1];
  const eventName = stringAt(record, 'eventName');
  const resource = `${eventName} ${table ?? ''}`;
  const service = serviceName(input.naming, table ?? '', 'lambda_dynamodb', table, 'aws.dynamodb');
  const tags = commonTags('aws.dynamodb', service, resource, 'async');
  setIf(tags, 'tablename', table);
  setIf(tags, 'event_name', eventName);
  setIf(tags, 'event_version', record.eventVersion);
  setIf(tags, 'event_source_arn', arn);
  setIf(tags, 'event_id', record.eventID);
  setIf(tags, 'stream_view_type', dig(record, 'dynamodb', 'StreamViewType'));
  setIf(tags, 'size_bytes', dig(record, 'dynamodb', 'SizeBytes'));
  return { name: 'aws.dynamodb', service, resource, type: 'web', startMs, synchronous: false, tags };
}
