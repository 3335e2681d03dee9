/**
 * A CloudWatch Logs subscription payload: base64 of gzip of JSON, as CloudWatch Logs hands it to a
 * Lambda function (`event.awslogs.data`) and writes it into each Kinesis record (`kinesis.data`):
 *
 * ```json
 * {"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"aws/spans","logStream":"default",
 *  "subscriptionFilters":["spans"],"logEvents":[{"id":"…","timestamp":1733450000000,"message":"{…span…}"}]}
 * ```
 *
 * `CONTROL_MESSAGE` is CloudWatch Logs checking that the destination is reachable: it carries no
 * spans. Anything that does not decode is `malformed`, with the reason; nothing here throws.
 * Pure (zlib's synchronous gunzip only).
 *
 * @example
 * const payload = readSubscriptionPayload(Buffer.from(event.awslogs.data, 'base64'));
 * if (payload.kind === 'data') payload.messages; // one aws/spans record (JSON text) each
 */

import { gunzipSync, gzipSync } from 'node:zlib';

export type SubscriptionPayload =
  | { readonly kind: 'data'; readonly logGroup: string; readonly messages: readonly string[] }
  | { readonly kind: 'control' }
  | { readonly kind: 'malformed'; readonly reason: string };

/**
 * One Kinesis record's payload: its gzip bytes when the record's data was base64, else (undefined)
 * malformed, as every stage reports it.
 */
export function readRecordPayload(gzip: Uint8Array | undefined): SubscriptionPayload {
  return gzip === undefined
    ? { kind: 'malformed', reason: 'data is not base64' }
    : readSubscriptionPayload(gzip);
}

/** Reads one payload from its gzip bytes (the base64 already decoded). */
export function readSubscriptionPayload(gzip: Uint8Array): SubscriptionPayload {
  let text: string;
  try {
    text = gunzipSync(gzip).toString('utf8');
  } catch (error) {
    return { kind: 'malformed', reason: `not gzip: ${(error as Error).message}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'malformed', reason: 'gunzipped text is not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'malformed', reason: 'payload is not a JSON object' };
  }
  const payload = value as Record<string, unknown>;
  if (payload.messageType === 'CONTROL_MESSAGE') return { kind: 'control' };
  if (payload.messageType !== 'DATA_MESSAGE') {
    return {
      kind: 'malformed',
      reason: `messageType ${JSON.stringify(payload.messageType)} is not DATA_MESSAGE`,
    };
  }
  if (!Array.isArray(payload.logEvents)) return { kind: 'malformed', reason: 'logEvents is not an array' };
  const messages: string[] = [];
  for (const event of payload.logEvents) {
    const message = (event as { message?: unknown } | null)?.message;
    if (typeof message === 'string') messages.push(message);
  }
  return { kind: 'data', logGroup: typeof payload.logGroup === 'string' ? payload.logGroup : '', messages };
}

/** Writes a `DATA_MESSAGE` payload (gzip bytes): the re-partitioning stage and the tests use it. */
export function writeSubscriptionPayload(
  logGroup: string,
  events: ReadonlyArray<{ readonly id: string; readonly timestamp: number; readonly message: string }>,
): Buffer {
  const payload = {
    messageType: 'DATA_MESSAGE',
    owner: '000000000000',
    logGroup,
    logStream: 'default',
    subscriptionFilters: ['xray-dd-merge'],
    logEvents: events,
  };
  return gzipSync(JSON.stringify(payload));
}
