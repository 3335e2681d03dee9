/**
 * A test driver that reads a Kinesis stream the way Lambda's event source mapping does, against the
 * Kinesis stand-in through the real SDK:
 * - one poller per shard, batches of at most `batchSize` records in shard order, one batch in
 *   flight per shard (parallelization factor 1);
 * - a checkpoint per shard (the last sequence number done), kept here, not in the function: a
 *   function process that dies loses nothing but its invocation;
 * - a failed invocation (the function threw, or its process died) is retried with the same batch
 *   (and the same window state) up to `maxRetries`, then the batch goes to `onFailure` (the
 *   on-failure destination) and the shard moves on;
 * - `batchItemFailures` (ReportBatchItemFailures): the checkpoint moves to just before the lowest
 *   failed sequence number and the next batch starts there;
 * - tumbling windows: windows of `tumblingWindowSeconds` by arrival time; a batch never spans two
 *   windows; the state the function returns is handed to the window's next invocation; when a
 *   record of a later window comes, or the shard is drained and the producer is done, the window
 *   gets its final invocation (`isFinalInvokeForWindow`, no records). As Lambda keeps the state, a
 *   retried invocation gets the state its first attempt had.
 * Never sleeps: an empty shard waits for the stand-in's next `put` or the producer's end.
 */

import type { EventEmitter } from 'node:events';
import {
  type _Record,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';

export interface MappingOptions {
  readonly client: KinesisClient;
  readonly stream: string;
  readonly batchSize: number;
  /** Invokes the function; rejects when it threw or its process died. */
  readonly invoke: (event: KinesisEvent, shardId: string) => Promise<unknown>;
  readonly tumblingWindowSeconds?: number;
  readonly maxRetries?: number;
  /** The stand-in's events (`put`) and a promise that resolves when the producer is done. */
  readonly puts: EventEmitter;
  readonly producerDone: Promise<void>;
}

export interface KinesisEvent {
  Records: Array<{
    kinesis: {
      kinesisSchemaVersion: '1.0';
      partitionKey: string;
      sequenceNumber: string;
      data: string;
      approximateArrivalTimestamp: number;
    };
    eventSource: 'aws:kinesis';
    eventID: string;
    eventSourceARN: string;
  }>;
  window?: { start: string; end: string };
  state?: unknown;
  shardId?: string;
  isFinalInvokeForWindow?: boolean;
  isWindowTerminatedEarly?: boolean;
}

export interface MappingResult {
  readonly invocations: number;
  readonly failedInvocations: number;
  readonly partialFailures: number;
  /** Batches given up after `maxRetries` (what the on-failure destination would get). */
  readonly onFailure: KinesisEvent[];
  readonly checkpoints: ReadonlyMap<string, string>;
}

export async function runEventSourceMapping(options: MappingOptions): Promise<MappingResult> {
  const { client, stream } = options;
  const shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  let done = false;
  void options.producerDone.then(() => {
    done = true;
    options.puts.emit('put');
  });
  const tally = { invocations: 0, failedInvocations: 0, partialFailures: 0 };
  const onFailure: KinesisEvent[] = [];
  const checkpoints = new Map<string, string>();
  const arn = `arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`;
  const windowMs = (options.tumblingWindowSeconds ?? 0) * 1000;

  /** One invocation with retries; the function's result, or undefined when given up. */
  const invoke = async (
    event: KinesisEvent,
    shardId: string,
  ): Promise<Record<string, unknown> | undefined> => {
    for (let attempt = 0; attempt <= (options.maxRetries ?? 10); attempt += 1) {
      tally.invocations += 1;
      try {
        return ((await options.invoke(structuredClone(event), shardId)) ?? {}) as Record<string, unknown>;
      } catch {
        tally.failedInvocations += 1;
      }
    }
    onFailure.push(event);
    return undefined;
  };

  const pollShard = async (shardId: string) => {
    let window: { start: number; state: unknown } | undefined;
    const finishWindow = async () => {
      if (window === undefined) return;
      const event: KinesisEvent = {
        Records: [],
        window: windowOf(window.start, windowMs),
        state: window.state,
        shardId,
        isFinalInvokeForWindow: true,
        isWindowTerminatedEarly: false,
      };
      await invoke(event, shardId);
      window = undefined;
    };
    for (;;) {
      const checkpoint = checkpoints.get(shardId);
      const { ShardIterator } = await client.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: shardId,
          ...(checkpoint === undefined
            ? { ShardIteratorType: 'TRIM_HORIZON' }
            : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: checkpoint }),
        }),
      );
      const wasDone = done;
      const page = await client.send(new GetRecordsCommand({ ShardIterator, Limit: options.batchSize }));
      let records = page.Records ?? [];
      if (records.length === 0) {
        if (wasDone) {
          await finishWindow();
          return;
        }
        // Wait for the next put, or the producer's end (which may have come meanwhile).
        await new Promise<void>((resolve) => {
          if (done) resolve();
          else options.puts.once('put', () => resolve());
        });
        continue;
      }
      if (windowMs > 0) {
        const startOf = (r: _Record) =>
          Math.floor((r.ApproximateArrivalTimestamp?.getTime() ?? 0) / windowMs) * windowMs;
        const first = startOf(records[0] as _Record);
        if (window !== undefined && window.start !== first) {
          await finishWindow();
        }
        window ??= { start: first, state: {} };
        records = records.filter((r) => startOf(r) === first);
      }
      const event: KinesisEvent = {
        Records: records.map((r) => ({
          kinesis: {
            kinesisSchemaVersion: '1.0',
            partitionKey: r.PartitionKey ?? '',
            sequenceNumber: r.SequenceNumber ?? '',
            data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
            approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp?.getTime() ?? 0) / 1000,
          },
          eventSource: 'aws:kinesis',
          eventID: `${shardId}:${r.SequenceNumber}`,
          eventSourceARN: arn,
        })),
        ...(window !== undefined
          ? {
              window: windowOf(window.start, windowMs),
              state: window.state,
              shardId,
              isFinalInvokeForWindow: false,
            }
          : {}),
      };
      const result = await invoke(event, shardId);
      const last = records.at(-1)?.SequenceNumber as string;
      if (result === undefined) {
        checkpoints.set(shardId, last);
        continue;
      }
      if (window !== undefined && 'state' in result) window.state = result.state;
      const failures = Array.isArray(result.batchItemFailures)
        ? (result.batchItemFailures as Array<{ itemIdentifier?: string }>)
        : [];
      if (failures.length === 0) {
        checkpoints.set(shardId, last);
        continue;
      }
      tally.partialFailures += 1;
      const lowest = failures.map((f) => BigInt(f.itemIdentifier ?? '0')).reduce((a, b) => (a < b ? a : b));
      const before = records.filter((r) => BigInt(r.SequenceNumber ?? '0') < lowest).at(-1)?.SequenceNumber;
      if (before !== undefined) checkpoints.set(shardId, before);
      // Else the first record failed: the checkpoint stays and the same batch comes again.
      // Lambda retries a partial failure too, up to maxRetries: count it as a failed attempt.
      tally.failedInvocations += 1;
      if (tally.failedInvocations > 10_000) throw new Error(`shard ${shardId} is stuck on ${lowest}`);
    }
  };

  await Promise.all(shards.map((shard) => pollShard(shard.ShardId as string)));
  return { ...tally, onFailure, checkpoints };
}

function windowOf(start: number, windowMs: number) {
  return { start: new Date(start).toISOString(), end: new Date(start + windowMs).toISOString() };
}
