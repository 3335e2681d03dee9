/**
 * The stream path end to end on loopback, shared by the load test (short form) and the bench (full
 * form): seeded `aws/spans` records are written the way a CloudWatch Logs subscription writes them
 * (payloads of several log events, random partition keys, so a trace's spans land in different
 * records, batches and shards, shuffled out of order) into a Kinesis stream of the stand-in; the
 * re-partitioning stage (function processes) re-keys them by trace id onto a second stream; the
 * consumer (other function processes, tumbling window) joins and sends them to the agent stand-in.
 * Both stages are read by the event source mapping driver. One function process of each stage can
 * be killed mid-invocation.
 */

import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { type AgentStandIn, startAgent } from './agent.ts';
import { type ConsumerPool, startConsumerPool } from './consumer-pool.ts';
import { type MappingResult, runEventSourceMapping } from './event-source-mapping.ts';
import { kinesisClientConfig, startKinesis } from './kinesis-api.ts';
import { type GeneratedTrace, generateTraces, seeded, shuffle } from './span-records.ts';

export interface LoadOptions {
  readonly traces: number;
  readonly seed: number;
  readonly hybridShare?: number;
  readonly sourceShards: number;
  readonly targetShards: number;
  /** Function processes per stage. */
  readonly consumers: number;
  readonly batchSize: number;
  readonly eventsPerPayload: number;
  readonly windowSeconds: number;
  /** Kill a function process of each stage during this invocation (1-based); 0: none. */
  readonly killAt: number;
  /** Virtual milliseconds between two source payloads (the arrival clock of the stand-in). */
  readonly payloadSpacingMs?: number;
  /** Real time instead (the bench): arrivals stamped with Date.now, latencies measured. */
  readonly realClock?: boolean;
  /** The target rate of the producer in spans/s (real clock only); default: as fast as it can. */
  readonly spansPerSecond?: number;
}

export interface LoadResult {
  readonly traces: readonly GeneratedTrace[];
  /** Every span the agent received (duplicates included), as `trace/span/parent` decimal. */
  readonly received: readonly string[];
  readonly stage1: MappingResult;
  readonly stage2: MappingResult;
  readonly processesStarted: number;
  readonly elapsedMs: number;
  readonly agent: AgentStandIn;
  /** Real clock only: per span, ms from its payload's put to the agent taking it (first time). */
  readonly latenciesMs: readonly number[];
  /** Per trace id: the source shards and the source records its spans were written in. */
  readonly placement: ReadonlyMap<string, { readonly shards: number; readonly records: number }>;
}

export async function runStreamLoad(options: LoadOptions): Promise<LoadResult> {
  let now = 1_765_000_000_000;
  const kinesis = await startKinesis({ clock: options.realClock ? Date.now : () => now });
  const putAt = new Map<string, number>();
  const sentAt = new Map<string, number>();
  const onSent = options.realClock
    ? (ids: readonly string[], at: number) => {
        for (const id of ids) if (!sentAt.has(id)) sentAt.set(id, at);
      }
    : undefined;
  const agent = await startAgent();
  const client = new KinesisClient(kinesisClientConfig(kinesis.url));
  await client.send(new CreateStreamCommand({ StreamName: 'spans', ShardCount: options.sourceShards }));
  await client.send(
    new CreateStreamCommand({ StreamName: 'spans-by-trace', ShardCount: options.targetShards }),
  );
  const pools: ConsumerPool[] = [];
  try {
    const repartition = await startConsumerPool(options.consumers, {
      CONSUMER_MODE: 'repartition',
      KINESIS_URL: kinesis.url,
      TARGET_STREAM: 'spans-by-trace',
    });
    pools.push(repartition);
    const consume = await startConsumerPool(
      options.consumers,
      { CONSUMER_MODE: 'consume', AGENT_URL: agent.url },
      onSent,
    );
    pools.push(consume);

    const traces = generateTraces(options.traces, {
      seed: options.seed,
      hybridShare: options.hybridShare ?? 0.5,
    });
    const random = seeded(options.seed + 1);
    const records = shuffle(
      traces.flatMap((t) => t.records),
      random,
    );
    const { writeSubscriptionPayload } = await import('../../src/stream/subscription.ts');

    const started = performance.now();
    let producerDone!: () => void;
    const produced = new Promise<void>((resolve) => {
      producerDone = resolve;
    });
    let stage1Done!: () => void;
    const stage1Finished = new Promise<void>((resolve) => {
      stage1Done = resolve;
    });
    const counting = (pool: ConsumerPool) => {
      let calls = 0;
      return (event: unknown) => {
        calls += 1;
        return calls === options.killAt ? pool.invokeAndKill(event) : pool.invoke(event);
      };
    };
    const stage1 = runEventSourceMapping({
      client,
      stream: 'spans',
      batchSize: options.batchSize,
      invoke: counting(repartition),
      puts: kinesis.events,
      producerDone: produced,
    }).finally(() => stage1Done());
    const stage2 = runEventSourceMapping({
      client,
      stream: 'spans-by-trace',
      batchSize: options.batchSize,
      tumblingWindowSeconds: options.windowSeconds,
      invoke: counting(consume),
      puts: kinesis.events,
      producerDone: stage1Finished,
    });

    for (let i = 0; i < records.length; i += options.eventsPerPayload * 10) {
      const entries = [];
      for (
        let j = i;
        j < Math.min(records.length, i + options.eventsPerPayload * 10);
        j += options.eventsPerPayload
      ) {
        const events = records
          .slice(j, j + options.eventsPerPayload)
          .map((message, k) => ({ id: String(j + k), timestamp: now, message }));
        entries.push({
          PartitionKey: String(Math.floor(random() * 1e9)),
          Data: writeSubscriptionPayload('aws/spans', events),
        });
      }
      if (options.realClock && options.spansPerSecond !== undefined) {
        // Hold the target rate: wait until this chunk is due (the producer's pacing, not a test wait).
        const due = started + (i / options.spansPerSecond) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      if (options.realClock) {
        const at = Date.now();
        for (const message of records.slice(i, i + options.eventsPerPayload * 10)) {
          const spanId = /"spanId":"([0-9a-f]{16})"/.exec(message)?.[1] as string;
          putAt.set(BigInt(`0x${spanId}`).toString(), at);
        }
      }
      await client.send(new PutRecordsCommand({ StreamName: 'spans', Records: entries }));
      now += (options.payloadSpacingMs ?? 100) * entries.length;
    }
    producerDone();
    const [first, second] = await Promise.all([stage1, stage2]);
    const { readSubscriptionPayload } = await import('../../src/stream/subscription.ts');
    const where = new Map<string, { shards: Set<string>; records: Set<string> }>();
    for (const record of kinesis.records('spans')) {
      const payload = readSubscriptionPayload(record.data);
      if (payload.kind !== 'data') continue;
      for (const message of payload.messages) {
        const traceId = /"traceId":"([0-9a-f]{32})"/.exec(message)?.[1] as string;
        const entry = where.get(traceId) ?? { shards: new Set(), records: new Set() };
        entry.shards.add(record.shardId);
        entry.records.add(record.sequenceNumber);
        where.set(traceId, entry);
      }
    }
    const placement = new Map(
      [...where].map(([id, e]) => [id, { shards: e.shards.size, records: e.records.size }]),
    );
    const elapsedMs = performance.now() - started;
    return {
      traces,
      received: agent.traces.flat().map((s) => `${s.trace_id}/${s.span_id}/${s.parent_id}`),
      stage1: first,
      stage2: second,
      processesStarted: repartition.started() + consume.started(),
      elapsedMs,
      agent,
      placement,
      latenciesMs: [...sentAt].map(([id, at]) => at - (putAt.get(id) ?? at)),
    };
  } finally {
    await Promise.all(pools.map((pool) => pool.close()));
    client.destroy();
    await kinesis.close();
  }
}
