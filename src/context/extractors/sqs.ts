/**
 * SQS, per record, first usable wins:
 * 1. `messageAttributes._datadog`: a JSON text map, `stringValue`, or `binaryValue` base64 (what SNS
 *    raw delivery produces);
 * 2. the body, when it is an SNS notification (`MessageAttributes._datadog`) or an EventBridge event
 *    (`detail._datadog`) delivered to the queue; bodies that do not mention `_datadog` are not parsed;
 * 3. `attributes.AWSTraceHeader`: dd-trace-java's padded Datadog form is a Datadog context like the
 *    others. A plain X-Ray header (merging on) is the *producer's* X-Ray trace, and it is never the
 *    parent: X-Ray gives this invocation its own trace and only links it to the producer's, and the
 *    function's X-Ray segment sits under the invocation's own header. Parenting the span on the
 *    producer would put `aws.lambda` in one trace and the function's X-Ray segments in another, so
 *    the invocation's own header parents it (as in datadog-lambda-js and -python) and the producer's
 *    context becomes a span link, for the first record as for the others.
 */

import {
  type Carried,
  type CarrierSettings,
  decodeBase64,
  fromXRayHeader,
  isRecord,
  type Note,
  parseJsonCarrier,
} from '../carrier.ts';
import { eventBridgeContext } from './eventbridge.ts';
import { fromMessageCarrier } from './message-carrier.ts';
import { fromRecords, recordsOf } from './records.ts';
import { snsMessageContext } from './sns.ts';
import { arnTag, dig, type EventSource, firstRecord, stringAt } from './types.ts';

function fromMessageAttribute(record: unknown, settings: CarrierSettings, note: Note): Carried | undefined {
  const attribute = dig(record, 'messageAttributes', '_datadog');
  if (attribute === undefined) return undefined;
  let json = stringAt(attribute, 'stringValue');
  if (json === undefined) {
    const binary = stringAt(attribute, 'binaryValue');
    if (binary === undefined) {
      note('messageAttributes._datadog has neither stringValue nor binaryValue');
      return undefined;
    }
    json = decodeBase64(binary);
    if (json === undefined) {
      note('messageAttributes._datadog binaryValue is not base64');
      return undefined;
    }
  }
  const carrier = parseJsonCarrier(json, (p) => note(`messageAttributes._datadog: ${p}`));
  return carrier
    ? fromMessageCarrier(carrier, settings, (p) => note(`messageAttributes._datadog: ${p}`))
    : undefined;
}

/** An SNS notification or EventBridge event delivered to the queue, read only if it mentions `_datadog`. */
function fromEnvelope(record: unknown, settings: CarrierSettings, note: Note): Carried | undefined {
  const body = stringAt(record, 'body');
  if (body === undefined || !body.startsWith('{') || !body.includes('"_datadog"')) return undefined;
  let envelope: unknown;
  try {
    envelope = JSON.parse(body);
  } catch {
    return undefined; // a message body is the user's data, not a carrier: not JSON is not malformed
  }
  if (!isRecord(envelope)) return undefined;
  if (envelope.Type === 'Notification' && typeof envelope.TopicArn === 'string')
    return snsMessageContext(envelope, settings, (p) => note(`body (SNS): ${p}`));
  if (envelope['detail-type'] !== undefined)
    return eventBridgeContext(envelope, settings, (p) => note(`body (EventBridge): ${p}`));
  return undefined;
}

export function sqsRecordContext(
  record: unknown,
  settings: CarrierSettings,
  note: Note,
): Carried | undefined {
  return (
    fromMessageAttribute(record, settings, note) ??
    fromEnvelope(record, settings, note) ??
    fromXRayHeader(dig(record, 'attributes', 'AWSTraceHeader'), settings, (p) =>
      note(`attributes.AWSTraceHeader: ${p}`),
    )
  );
}

export const sqs: EventSource = {
  name: 'sqs',
  matches: (event) => stringAt(firstRecord(event), 'eventSource') === 'aws:sqs',
  extract(event, { settings, note }) {
    const extracted = fromRecords(
      recordsOf(event),
      (record, n) => sqsRecordContext(record, settings, n),
      note,
    );
    // The producer's own X-Ray trace links, never parents (see above).
    if (extracted.parent?.form !== 'xray') return extracted;
    return { links: [extracted.parent, ...extracted.links] };
  },
  tags(event) {
    const arn = stringAt(firstRecord(event), 'eventSourceARN');
    return arnTag(arn);
  },
};
