/**
 * SNS: the context is in the message attribute `_datadog`, a JSON text map, `String` as it is or
 * `Binary` base64-encoded. The same message shape arrives inside an SQS body when SNS delivers to a
 * queue, so sqs.ts reads it through `snsMessageContext` too.
 */

import {
  type Carried,
  type CarrierSettings,
  decodeBase64,
  isRecord,
  type Note,
  parseJsonCarrier,
} from '../carrier.ts';
import { fromMessageCarrier } from './message-carrier.ts';
import { fromRecords, recordsOf } from './records.ts';
import { arnTag, dig, type EventSource, firstRecord, stringAt } from './types.ts';

/** Reads `MessageAttributes._datadog` of an SNS message (a Lambda SNS record's `Sns`, or an SQS body). */
export function snsMessageContext(
  message: unknown,
  settings: CarrierSettings,
  note: Note,
): Carried | undefined {
  const attribute = dig(message, 'MessageAttributes', '_datadog');
  if (attribute === undefined) return undefined;
  const type = stringAt(attribute, 'Type');
  const value = stringAt(attribute, 'Value');
  if (value === undefined) {
    note('SNS MessageAttributes._datadog has no Value');
    return undefined;
  }
  let json: string | undefined = value;
  if (type !== 'String') {
    json = decodeBase64(value);
    if (json === undefined) {
      note('SNS MessageAttributes._datadog Binary value is not base64');
      return undefined;
    }
  }
  const carrier = parseJsonCarrier(json, (p) => note(`SNS MessageAttributes._datadog: ${p}`));
  return carrier ? fromMessageCarrier(carrier, settings, note) : undefined;
}

export const sns: EventSource = {
  name: 'sns',
  matches: (event) =>
    isRecord(firstRecord(event)) && (firstRecord(event) as { Sns?: unknown }).Sns !== undefined,
  extract: (event, { settings, note }) =>
    fromRecords(recordsOf(event), (record, n) => snsMessageContext(dig(record, 'Sns'), settings, n), note),
  tags(event) {
    const arn = stringAt(firstRecord(event), 'Sns', 'TopicArn');
    return arnTag(arn);
  },
};
