/**
 * The span of the Kinesis stream that delivered the batch: `aws.kinesis`, service and resource the
 * stream's name, from the first record's arrival to `aws.lambda`'s start. Pure.
 */

import { isRecord } from '../carrier.ts';
import { dig, type EventRecord, firstRecord, stringAt } from '../extractors/types.ts';
import { serviceName } from './service-name.ts';
import { commonTags, type InferenceInput, setIf, type TriggerSpanPlan } from './types.ts';

export function kinesisSpan(event: EventRecord, input: InferenceInput): TriggerSpanPlan | undefined {
  const record = firstRecord(event);
  if (!isRecord(record)) return undefined;
  const startMs = Number(dig(record, 'kinesis', 'approximateArrivalTimestamp')) * 1000;
  const arn = stringAt(record, 'eventSourceARN');
  const stream = (arn?.split(':').pop() ?? '').replace(/^stream\//, '');
  const service = serviceName(input.naming, stream, 'lambda_kinesis', stream, 'kinesis');
  const tags = commonTags('aws.kinesis', service, stream, 'async');
  tags.streamname = stream;
  setIf(tags, 'event_id', record.eventID);
  setIf(tags, 'event_name', record.eventName);
  setIf(tags, 'event_source_arn', arn);
  setIf(tags, 'event_version', record.eventVersion);
  setIf(tags, 'partition_key', dig(record, 'kinesis', 'partitionKey'));
  setIf(tags, 'shardid', stringAt(record, 'eventID')?.split(':').pop());
  return { name: 'aws.kinesis', service, resource: stream, type: 'web', startMs, synchronous: false, tags };
}
