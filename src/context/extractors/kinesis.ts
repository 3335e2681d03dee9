/**
 * Kinesis: a producer traced by dd-trace puts `_datadog` (a text map) at the top of a JSON record;
 * Lambda hands the data over base64-encoded. Records that are not JSON objects, or do not mention
 * `_datadog`, are the user's data and are not parsed.
 */

import {
  type Carried,
  type CarrierSettings,
  decodeBase64,
  fromTextMap,
  isRecord,
  type Note,
} from '../carrier.ts';
import { fromRecords, recordsOf } from './records.ts';
import { arnTag, type EventSource, firstRecord, stringAt } from './types.ts';

export function kinesisRecordContext(
  record: unknown,
  settings: CarrierSettings,
  note: Note,
): Carried | undefined {
  const data = stringAt(record, 'kinesis', 'data');
  // base64 of text starting with '{' starts with 'e': anything else cannot be a JSON object.
  if (data === undefined || !data.startsWith('e')) return undefined;
  const json = decodeBase64(data);
  if (json === undefined) {
    note('kinesis.data is not base64');
    return undefined;
  }
  if (!json.includes('"_datadog"')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    note('kinesis.data mentions _datadog but is not valid JSON');
    return undefined;
  }
  const carrier = isRecord(parsed) ? parsed._datadog : undefined;
  if (!isRecord(carrier)) {
    note('kinesis.data _datadog is not an object');
    return undefined;
  }
  return fromTextMap(carrier, settings, (p) => note(`kinesis.data _datadog: ${p}`));
}

export const kinesis: EventSource = {
  name: 'kinesis',
  matches: (event) =>
    isRecord(firstRecord(event)) && (firstRecord(event) as { kinesis?: unknown }).kinesis !== undefined,
  extract: (event, { settings, note }) =>
    fromRecords(recordsOf(event), (record, n) => kinesisRecordContext(record, settings, n), note),
  tags(event) {
    const arn = stringAt(firstRecord(event), 'eventSourceARN');
    return arnTag(arn);
  },
};
