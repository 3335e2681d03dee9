/**
 * The re-partitioning stage: the subscription's Kinesis stream spreads a trace's spans over shards
 * (CloudWatch Logs picks the partition key), so this stage puts every span record again on a second
 * stream with its trace id as the partition key. All spans of a trace then reach one shard of that
 * stream, in arrival order, where the tumbling-window consumer (`hold.ts`) can join them.
 *
 * Records keep the subscription payload format (gzip JSON, `DATA_MESSAGE`), one trace per record,
 * split under `maxRecordBytes` (Kinesis takes records up to 1 MiB), so the consumer reads one format
 * whatever feeds it. Malformed payloads are counted and skipped with one line each; when the put
 * fails, the batch's first record is reported and Lambda retries the batch (at-least-once: the
 * consumer sends the same span ids again).
 *
 * @example
 * export const handler = createRepartitionHandler({ put: createKinesisPut(client, 'spans-by-trace') });
 */

import type { KinesisEntry } from '../merge/kinesis-put.ts';
import { readStreamEvent } from './event.ts';
import type { StreamResult } from './handler.ts';
import { traceIdOfRecord } from './spans.ts';
import { readRecordPayload, writeSubscriptionPayload } from './subscription.ts';

export interface RepartitionOptions {
  readonly put: (entries: readonly KinesisEntry[]) => Promise<void>;
  /** Uncompressed span-record characters per output record at most (default 256 KiB). */
  readonly maxRecordBytes?: number;
  readonly warn?: (line: string) => void;
  readonly onReport?: (report: {
    readonly records: number;
    readonly spans: number;
    readonly put: number;
  }) => void;
}

export function createRepartitionHandler(
  options: RepartitionOptions,
): (event: unknown) => Promise<StreamResult> {
  const warn = options.warn ?? ((line: string) => console.warn(line));
  const limit = options.maxRecordBytes ?? 256 * 1024;
  return async (input) => {
    const event = readStreamEvent(input);
    if (event.source === 'unknown') {
      warn('[xray-dd-merge] repartition: the event is not a Kinesis batch; skipped');
      return { batchItemFailures: [] };
    }
    const byTrace = new Map<string, Array<{ id: string; timestamp: number; message: string }>>();
    let spans = 0;
    for (const record of event.records) {
      const payload = readRecordPayload(record.gzip);
      if (payload.kind === 'malformed') {
        warn(`[xray-dd-merge] repartition: record ${record.id} skipped: ${payload.reason}`);
        continue;
      }
      if (payload.kind === 'control') continue;
      for (const [index, message] of payload.messages.entries()) {
        const key = traceIdOfRecord(message) ?? `no-trace-id:${record.id}`;
        const list = byTrace.get(key) ?? [];
        // The id is the source position: the same on a retry, so a duplicate is recognisable.
        list.push({ id: `${record.id}:${index}`, timestamp: 0, message });
        byTrace.set(key, list);
        spans += 1;
      }
    }
    const entries: KinesisEntry[] = [];
    for (const [traceId, events] of byTrace) {
      let chunk: typeof events = [];
      let size = 0;
      const flush = () => {
        if (chunk.length === 0) return;
        entries.push({ partitionKey: traceId, data: writeSubscriptionPayload('aws/spans', chunk) });
        chunk = [];
        size = 0;
      };
      for (const event of events) {
        if (size + event.message.length > limit) flush();
        chunk.push(event);
        size += event.message.length;
      }
      flush();
    }
    try {
      if (entries.length > 0) await options.put(entries);
    } catch (error) {
      if (event.source === 'awslogs') throw error;
      warn(
        `[xray-dd-merge] repartition: the put failed; the batch will be retried: ${(error as Error).message}`,
      );
      const first = event.records[0];
      return {
        batchItemFailures:
          first !== undefined && event.source === 'kinesis' ? [{ itemIdentifier: first.id }] : [],
      };
    }
    options.onReport?.({ records: event.records.length, spans, put: entries.length });
    return { batchItemFailures: [] };
  };
}
