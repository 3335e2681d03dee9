/**
 * DynamoDB Streams: a stream record is a change to an item, written by whoever wrote the item; it
 * carries no trace context (dd-trace does not inject into items), so none is read. Only the trigger
 * tags come from it.
 */

import { arnTag, type EventSource, firstRecord, stringAt } from './types.ts';

export const dynamodb: EventSource = {
  name: 'dynamodb',
  matches: (event) => {
    const record = firstRecord(event);
    return (
      typeof record === 'object' &&
      record !== null &&
      (record as { dynamodb?: unknown }).dynamodb !== undefined
    );
  },
  extract: () => undefined,
  tags(event) {
    const arn = stringAt(firstRecord(event), 'eventSourceARN');
    return arnTag(arn);
  },
};
