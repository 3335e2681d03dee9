/**
 * EventBridge: dd-trace puts the context in `detail._datadog` (a text map object; a Step Functions
 * task puts its state machine context there, see message-carrier.ts). The same event
 * arrives as an SQS body when a rule targets a queue; sqs.ts reads it through `eventBridgeContext`.
 *
 * Scheduled events (`source: aws.events`) carry no context; they are their own trigger,
 * `cloudwatch-events`, as datadog-lambda-js names them.
 */

import { type Carried, type CarrierSettings, isRecord, type Note } from '../carrier.ts';
import { fromMessageCarrier } from './message-carrier.ts';
import { arnTag, dig, type EventSource, stringAt } from './types.ts';

export function eventBridgeContext(
  event: unknown,
  settings: CarrierSettings,
  note: Note,
): Carried | undefined {
  const carrier = dig(event, 'detail', '_datadog');
  if (carrier === undefined) return undefined;
  if (!isRecord(carrier)) {
    note('EventBridge detail._datadog is not an object');
    return undefined;
  }
  return fromMessageCarrier(carrier, settings, (p) => note(`EventBridge detail._datadog: ${p}`));
}

export const cloudWatchEvents: EventSource = {
  name: 'cloudwatch-events',
  matches: (event) => event.source === 'aws.events' && event['detail-type'] !== undefined,
  extract: () => undefined,
  tags(event) {
    const arn = Array.isArray(event.resources) ? event.resources[0] : undefined;
    return arnTag(arn);
  },
};

export const eventBridge: EventSource = {
  name: 'eventbridge',
  matches: (event) => event['detail-type'] !== undefined,
  extract(event, { settings, note }) {
    const parent = eventBridgeContext(event, settings, note);
    return { ...(parent ? { parent } : {}), links: [] };
  },
  tags(event) {
    // datadog-lambda-js tags the event's source (e.g. "my.app") here: EventBridge events carry no bus ARN.
    const source = stringAt(event, 'source');
    return arnTag(source);
  },
};
