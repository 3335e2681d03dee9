/**
 * Span pointers for the S3 and DynamoDB stream triggers, so the write that caused the event and the
 * invocation it triggered are linked in Datadog (DD_TRACE_AWS_ADD_SPAN_POINTERS, on by default, as in
 * datadog-lambda-js). The hashes are the ones Datadog documents (github.com/DataDog/dd-span-pointer-rules):
 * SHA-256 of the components joined by `|`, the first 32 hex digits, and match what dd-trace's AWS SDK
 * plugin records on the writer's side:
 *
 * - S3 object created: `aws.s3.object`, components bucket, key, ETag without its quotes;
 * - DynamoDB stream record (INSERT, MODIFY, REMOVE): `aws.dynamodb.item`, components table, then the
 *   key name and value, or with two keys both sorted by name (one key: two empty components).
 *   Values as the event carries them (`S`, `N`; `B` as its base64 text, as datadog-lambda-js hashes it).
 *
 * Direction `u`: the pointed-at write happened upstream. Pure; malformed records give no pointer.
 *
 * @example
 * spanPointers('s3', s3Event); // [{ kind: 'aws.s3.object', direction: 'u', hash: '…32 hex…' }]
 */

import { isRecord } from './carrier.ts';
import type { EventRecord, EventSourceName } from './extractors/types.ts';

export interface SpanPointer {
  readonly kind: 'aws.s3.object' | 'aws.dynamodb.item';
  readonly direction: 'u';
  readonly hash: string;
}

export function pointerHash(components: readonly string[]): string {
  // Loaded on first use: a static import of node:crypto costs every cold start (it makes dd-trace
  // load its crypto instrumentation, and the ESM entry pull in more builtins).
  return process
    .getBuiltinModule('node:crypto')
    .createHash('sha256')
    .update(components.join('|'))
    .digest('hex')
    .slice(0, 32);
}

function recordsOf(event: EventRecord): unknown[] {
  return Array.isArray(event.Records) ? event.Records : [];
}

function s3Pointers(event: EventRecord): SpanPointer[] {
  const pointers: SpanPointer[] = [];
  for (const record of recordsOf(event)) {
    if (
      !isRecord(record) ||
      typeof record.eventName !== 'string' ||
      !record.eventName.startsWith('ObjectCreated')
    )
      continue;
    const s3 = record.s3;
    const bucket = isRecord(s3) && isRecord(s3.bucket) ? s3.bucket.name : undefined;
    const object = isRecord(s3) && isRecord(s3.object) ? s3.object : undefined;
    let eTag = object?.eTag;
    if (typeof bucket !== 'string' || !bucket || typeof object?.key !== 'string' || !object.key) continue;
    if (typeof eTag !== 'string' || !eTag) continue;
    if (eTag.length >= 2 && eTag.startsWith('"') && eTag.endsWith('"')) eTag = eTag.slice(1, -1);
    pointers.push({
      kind: 'aws.s3.object',
      direction: 'u',
      hash: pointerHash([bucket, object.key, eTag as string]),
    });
  }
  return pointers;
}

/** An attribute value as text (`{ S }`, `{ N }`, `{ B }`), or undefined. */
function keyValue(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  const type = Object.keys(value)[0];
  const inner = type === undefined ? undefined : value[type];
  if ((type === 'S' || type === 'B') && typeof inner === 'string') return inner;
  if (type === 'N' && (typeof inner === 'string' || typeof inner === 'number')) return String(inner);
  return undefined;
}

function dynamodbPointers(event: EventRecord): SpanPointer[] {
  const pointers: SpanPointer[] = [];
  for (const record of recordsOf(event)) {
    if (!isRecord(record) || !['INSERT', 'MODIFY', 'REMOVE'].includes(record.eventName as string)) continue;
    const arn = record.eventSourceARN;
    const table = typeof arn === 'string' ? /table\/([^/]*)/.exec(arn)?.[1] : undefined;
    const keys = isRecord(record.dynamodb) ? record.dynamodb.Keys : undefined;
    if (!table || !isRecord(keys)) continue;
    const names = Object.keys(keys);
    let components: string[] | undefined;
    if (names.length === 1) {
      const value = keyValue(keys[names[0] as string]);
      if (value) components = [names[0] as string, value, '', ''];
    } else if (names.length > 1) {
      const [first, second] = names.sort() as [string, string];
      const a = keyValue(keys[first]);
      const b = keyValue(keys[second]);
      if (a && b) components = [first, a, second, b];
    }
    if (components)
      pointers.push({ kind: 'aws.dynamodb.item', direction: 'u', hash: pointerHash([table, ...components]) });
  }
  return pointers;
}

export function spanPointers(source: EventSourceName, event: EventRecord): SpanPointer[] {
  if (source === 's3') return s3Pointers(event);
  if (source === 'dynamodb') return dynamodbPointers(event);
  return [];
}
