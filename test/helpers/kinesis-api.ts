/**
 * A loopback stand-in for the Kinesis Data Streams API, enough for the real `@aws-sdk/client-kinesis`
 * to talk to it over real HTTP/2, as it does by default (AWS JSON 1.1: `POST /`, `X-Amz-Target: Kinesis_20131202.<Operation>`,
 * blobs as base64): CreateStream, ListShards, PutRecord, PutRecords, GetShardIterator, GetRecords.
 *
 * Why not kinesalite (the npm Kinesis implementation): it depends on leveldown, a native module built
 * with node-gyp at install, which breaks `npm ci` on a machine without compilers (issue 19).
 *
 * As the service does: a record goes to the shard whose hash-key range holds the MD5 of its partition
 * key (as a 128-bit integer), shards split the key space evenly; sequence numbers are decimal strings
 * that grow per stream; GetRecords answers at most `Limit` records (default 10,000) after the
 * iterator's position with `NextShardIterator` and `MillisBehindLatest`; PutRecords takes at most 500
 * entries and answers per-entry results. `throttleNextEntries(n)` makes the next n PutRecords entries
 * fail with ProvisionedThroughputExceededException, as a hot shard does. Arrival times come from the
 * `clock` option (epoch ms) so tests that window by arrival time stay deterministic.
 */

import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

export interface StoredRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly data: Buffer;
  /** Epoch milliseconds. */
  readonly arrival: number;
}

interface Shard {
  readonly id: string;
  readonly start: bigint;
  readonly end: bigint;
  readonly records: StoredRecord[];
}

export interface KinesisStandIn {
  readonly url: string;
  /** Emits `put` after records are stored. */
  readonly events: EventEmitter;
  records(stream: string): StoredRecord[];
  throttleNextEntries(count: number): void;
  /** Operation names in call order. */
  readonly calls: string[];
  close(): Promise<void>;
}

const HASH_SPACE = 1n << 128n;

export async function startKinesis(options: { clock?: () => number } = {}): Promise<KinesisStandIn> {
  const clock = options.clock ?? Date.now;
  const streams = new Map<string, Shard[]>();
  const events = new EventEmitter();
  const calls: string[] = [];
  let sequence = 0n;
  let throttle = 0;

  const fail = (res: http2.Http2ServerResponse, status: number, type: string, message: string) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type });
    res.end(JSON.stringify({ __type: type, message }));
  };
  const shardsOf = (name: unknown): Shard[] | undefined =>
    typeof name === 'string' ? streams.get(name) : undefined;
  const put = (shards: Shard[], partitionKey: string, data: string) => {
    const hash = BigInt(`0x${createHash('md5').update(partitionKey).digest('hex')}`);
    const shard = shards.find((s) => hash >= s.start && hash <= s.end) as Shard;
    sequence += 1n;
    const record: StoredRecord = {
      shardId: shard.id,
      sequenceNumber: (10n ** 20n + sequence).toString(),
      partitionKey,
      data: Buffer.from(data, 'base64'),
      arrival: clock(),
    };
    shard.records.push(record);
    return { SequenceNumber: record.sequenceNumber, ShardId: shard.id };
  };
  // Iterators: opaque tokens holding the stream, shard and the index of the next record.
  const iterator = (stream: string, shard: string, index: number) =>
    Buffer.from(JSON.stringify([stream, shard, index])).toString('base64');

  const operations: Record<
    string,
    (body: Record<string, unknown>, res: http2.Http2ServerResponse) => unknown
  > = {
    CreateStream(body, res) {
      const count = Number(body.ShardCount ?? 1);
      const name = body.StreamName as string;
      if (streams.has(name)) return fail(res, 400, 'ResourceInUseException', `Stream ${name} already exists`);
      const shards: Shard[] = [];
      for (let i = 0; i < count; i += 1) {
        const start = (HASH_SPACE * BigInt(i)) / BigInt(count);
        const end = (HASH_SPACE * BigInt(i + 1)) / BigInt(count) - 1n;
        shards.push({ id: `shardId-${String(i).padStart(12, '0')}`, start, end, records: [] });
      }
      streams.set(name, shards);
      return {};
    },
    ListShards(body, res) {
      const shards = shardsOf(body.StreamName);
      if (!shards) return fail(res, 400, 'ResourceNotFoundException', 'Stream not found');
      return {
        Shards: shards.map((s) => ({
          ShardId: s.id,
          HashKeyRange: { StartingHashKey: s.start.toString(), EndingHashKey: s.end.toString() },
          SequenceNumberRange: { StartingSequenceNumber: '0' },
        })),
      };
    },
    PutRecord(body, res) {
      const shards = shardsOf(body.StreamName);
      if (!shards) return fail(res, 400, 'ResourceNotFoundException', 'Stream not found');
      const result = put(shards, body.PartitionKey as string, body.Data as string);
      queueMicrotask(() => events.emit('put'));
      return result;
    },
    PutRecords(body, res) {
      const shards = shardsOf(body.StreamName);
      if (!shards) return fail(res, 400, 'ResourceNotFoundException', 'Stream not found');
      const entries = body.Records as Array<{ PartitionKey: string; Data: string }>;
      if (!Array.isArray(entries) || entries.length === 0 || entries.length > 500) {
        return fail(res, 400, 'ValidationException', 'Records must hold 1 to 500 entries');
      }
      let failed = 0;
      const results = entries.map((entry) => {
        if (throttle > 0) {
          throttle -= 1;
          failed += 1;
          return {
            ErrorCode: 'ProvisionedThroughputExceededException',
            ErrorMessage: 'Rate exceeded for shard',
          };
        }
        return put(shards, entry.PartitionKey, entry.Data);
      });
      queueMicrotask(() => events.emit('put'));
      return { FailedRecordCount: failed, Records: results };
    },
    GetShardIterator(body, res) {
      const shards = shardsOf(body.StreamName);
      const shard = shards?.find((s) => s.id === body.ShardId);
      if (!shard) return fail(res, 400, 'ResourceNotFoundException', 'Shard not found');
      const type = body.ShardIteratorType;
      const after =
        typeof body.StartingSequenceNumber === 'string' ? BigInt(body.StartingSequenceNumber) : 0n;
      let index = 0;
      if (type === 'LATEST') index = shard.records.length;
      else if (type === 'AFTER_SEQUENCE_NUMBER' || type === 'AT_SEQUENCE_NUMBER') {
        index = shard.records.findIndex((r) =>
          type === 'AFTER_SEQUENCE_NUMBER'
            ? BigInt(r.sequenceNumber) > after
            : BigInt(r.sequenceNumber) >= after,
        );
        if (index < 0) index = shard.records.length;
      } else if (type !== 'TRIM_HORIZON')
        return fail(res, 400, 'InvalidArgumentException', `bad type ${String(type)}`);
      return { ShardIterator: iterator(body.StreamName as string, shard.id, index) };
    },
    GetRecords(body, res) {
      let parsed: [string, string, number];
      try {
        parsed = JSON.parse(Buffer.from(String(body.ShardIterator), 'base64').toString());
      } catch {
        return fail(res, 400, 'InvalidArgumentException', 'bad iterator');
      }
      const [stream, shardId, index] = parsed;
      const shard = streams.get(stream)?.find((s) => s.id === shardId);
      if (!shard) return fail(res, 400, 'ResourceNotFoundException', 'Shard not found');
      const limit = Math.min(Number(body.Limit ?? 10_000), 10_000);
      const slice = shard.records.slice(index, index + limit);
      const next = index + slice.length;
      const latest = shard.records.at(-1);
      return {
        Records: slice.map((r) => ({
          SequenceNumber: r.sequenceNumber,
          PartitionKey: r.partitionKey,
          Data: r.data.toString('base64'),
          ApproximateArrivalTimestamp: r.arrival / 1000,
        })),
        NextShardIterator: iterator(stream, shardId, next),
        MillisBehindLatest:
          next >= shard.records.length || latest === undefined
            ? 0
            : Math.max(0, clock() - (slice.at(-1)?.arrival ?? clock())),
      };
    },
  };

  // HTTP/2 without TLS (prior knowledge), as the SDK's Kinesis client speaks to an http:// endpoint.
  const server = http2.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const name = target.startsWith('Kinesis_20131202.') ? target.slice('Kinesis_20131202.'.length) : '';
      calls.push(name);
      const operation = operations[name];
      if (req.method !== 'POST' || operation === undefined) {
        return fail(res, 400, 'UnknownOperationException', `unknown operation ${target}`);
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        return fail(res, 400, 'SerializationException', 'body is not JSON');
      }
      const reply = operation(body, res);
      if (res.headersSent) return;
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(reply));
    });
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    events,
    calls,
    records: (stream) => (streams.get(stream) ?? []).flatMap((s) => s.records),
    throttleNextEntries(count) {
      throttle += count;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The SDK client options for the stand-in: fixed credentials, one region, no retries hidden from tests. */
export function kinesisClientConfig(url: string) {
  return {
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'stand-in' },
    maxAttempts: 1,
  };
}
