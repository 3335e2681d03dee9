/** S3 notifications: no trace context (S3 does not propagate one); only the trigger tags. */

import { arnTag, type EventSource, firstRecord, stringAt } from './types.ts';

export const s3: EventSource = {
  name: 's3',
  matches: (event) => {
    const record = firstRecord(event);
    return typeof record === 'object' && record !== null && (record as { s3?: unknown }).s3 !== undefined;
  },
  extract: () => undefined,
  tags(event) {
    const arn = stringAt(firstRecord(event), 's3', 'bucket', 'arn');
    return arnTag(arn);
  },
};
