/**
 * The two Lambda events that carry `aws/spans` subscription payloads:
 * - a CloudWatch Logs subscription straight to the function: `{"awslogs":{"data":"<base64 gzip>"}}`;
 * - a Kinesis event source mapping: `{"Records":[{"kinesis":{"data","sequenceNumber",…},…}]}`, each
 *   record one payload (CloudWatch Logs writes one per record; so does the re-partitioning stage),
 *   plus, with tumbling windows, `window`, `state`, `isFinalInvokeForWindow`.
 * Pure: reads the shape, decodes base64; the payloads are read by `subscription.ts`.
 */

export interface PayloadRecord {
  /** The Kinesis sequence number (what `batchItemFailures` names), or `awslogs`. */
  readonly id: string;
  /** The gzip bytes, or undefined when the record's data is not base64 text. */
  readonly gzip: Uint8Array | undefined;
}

export interface TumblingWindow {
  /** The state the previous invocation of this window returned (empty at a window's start). */
  readonly state: Readonly<Record<string, unknown>>;
  readonly isFinal: boolean;
}

export type StreamEvent =
  | { readonly source: 'awslogs'; readonly records: readonly PayloadRecord[] }
  | {
      readonly source: 'kinesis';
      readonly records: readonly PayloadRecord[];
      readonly window?: TumblingWindow;
    }
  | { readonly source: 'unknown' };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function readStreamEvent(event: unknown): StreamEvent {
  if (typeof event !== 'object' || event === null) return { source: 'unknown' };
  const value = event as Record<string, unknown>;
  const awslogs = value.awslogs as { data?: unknown } | undefined;
  if (typeof awslogs === 'object' && awslogs !== null) {
    return { source: 'awslogs', records: [{ id: 'awslogs', gzip: bytesOf(awslogs.data) }] };
  }
  if (!Array.isArray(value.Records)) return { source: 'unknown' };
  const records: PayloadRecord[] = [];
  for (const [index, record] of value.Records.entries()) {
    const kinesis = (record as { kinesis?: { data?: unknown; sequenceNumber?: unknown } } | null)?.kinesis;
    const id = typeof kinesis?.sequenceNumber === 'string' ? kinesis.sequenceNumber : `#${index}`;
    records.push({ id, gzip: bytesOf(kinesis?.data) });
  }
  const state = value.state;
  const windowed = typeof value.window === 'object' && value.window !== null;
  return {
    source: 'kinesis',
    records,
    ...(windowed
      ? {
          window: {
            state: typeof state === 'object' && state !== null ? (state as Record<string, unknown>) : {},
            isFinal: value.isFinalInvokeForWindow === true,
          },
        }
      : {}),
  };
}

function bytesOf(data: unknown): Uint8Array | undefined {
  if (typeof data !== 'string' || !BASE64.test(data) || data.length % 4 !== 0) return undefined;
  return Buffer.from(data, 'base64');
}
