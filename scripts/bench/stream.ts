// The stream path's figures (issue 24), a section of `npm run bench`, also runnable alone:
//   node_modules/node22/bin/node scripts/bench/stream.ts [--quick]
// 1. The handler's own throughput per core: decode (base64, gunzip, JSON) + convert + encode
//    (msgpack for /v0.4/traces), one process, no network.
// 2. The load run in full: two stages on the Kinesis stand-in, function processes per stage, one of
//    each killed mid-run, real clock: spans/s end to end and the put-to-agent latency distribution,
//    with 1 and with 2 function processes per stage.
// 3. Hold time vs traces joined (the real hold, simulated arrivals).
// Writes bench-out/stream.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeTraces } from '../../src/merge/sinks/agent.ts';
import { createStreamHandler } from '../../src/stream/handler.ts';
import { writeSubscriptionPayload } from '../../src/stream/subscription.ts';
import { simulateHold } from '../../test/helpers/hold-simulation.ts';
import { generateTraces } from '../../test/helpers/span-records.ts';
import { runStreamLoad } from '../../test/helpers/stream-load.ts';

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../bench-out');

export interface StreamBench {
  handler: { spans: number; rounds: number; spansPerSecond: number[]; bestSpansPerSecond: number };
  load: Array<{
    consumers: number;
    /** The producer's target rate; absent: unpaced. */
    targetSpansPerSecond?: number;
    spans: number;
    received: number;
    complete: boolean;
    elapsedMs: number;
    spansPerSecond: number;
    latencyMs: { p50: number; p90: number; p99: number; max: number };
  }>;
  hold: Array<{ windowSeconds: number; joinedTracesPct: number; joinedSpansPct: number; meanHoldS: number }>;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

async function handlerThroughput(quick: boolean): Promise<StreamBench['handler']> {
  const traces = generateTraces(quick ? 5_000 : 20_000, { seed: 1 });
  const records = traces.flatMap((t) => t.records);
  // Kinesis batches of 100 records of 50 log events, as CloudWatch Logs fills them.
  const events: unknown[] = [];
  for (let i = 0; i < records.length; i += 5_000) {
    const Records = [];
    for (let j = i; j < Math.min(records.length, i + 5_000); j += 50) {
      const data = writeSubscriptionPayload(
        'aws/spans',
        records.slice(j, j + 50).map((message, k) => ({ id: String(j + k), timestamp: 0, message })),
      );
      Records.push({ kinesis: { data: data.toString('base64'), sequenceNumber: String(j) } });
    }
    events.push({ Records });
  }
  let bytes = 0;
  const handler = createStreamHandler({
    idMode: 'compat',
    send: async (batch) => {
      bytes += encodeTraces(batch).length;
    },
    warn: () => {},
  });
  const rounds = quick ? 3 : 7;
  const rates: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const start = performance.now();
    for (const event of events) await handler(event);
    rates.push(Math.round(records.length / ((performance.now() - start) / 1000)));
  }
  if (bytes === 0) throw new Error('nothing was encoded');
  return { spans: records.length, rounds, spansPerSecond: rates, bestSpansPerSecond: Math.max(...rates) };
}

export async function measureStream(quick = false): Promise<StreamBench> {
  console.log('Stream: handler throughput (decode + convert + encode, one core)');
  const handler = await handlerThroughput(quick);
  console.log(
    `  ${handler.spans.toLocaleString('en')} spans: ${handler.spansPerSecond.map((r) => r.toLocaleString('en')).join(', ')} spans/s`,
  );

  const load: StreamBench['load'] = [];
  // Unpaced (the whole backlog at once: throughput), then paced at a target rate (latency).
  const shapes: Array<{ consumers: number; spansPerSecond?: number }> = [
    { consumers: 1 },
    { consumers: 2 },
    { consumers: 2, spansPerSecond: 1_000 },
  ];
  for (const { consumers, spansPerSecond } of shapes) {
    const traces = quick ? 1_000 : 6_000;
    const run = await runStreamLoad({
      ...(spansPerSecond !== undefined ? { spansPerSecond } : {}),
      traces,
      seed: 24,
      sourceShards: 4,
      targetShards: 4,
      consumers,
      batchSize: 100,
      eventsPerPayload: 20,
      windowSeconds: 1,
      killAt: 5,
      realClock: true,
    });
    const expected = run.traces.reduce((n, t) => n + t.records.length, 0);
    const unique = new Set(run.received.map((r) => r.split('/')[1]));
    const sorted = [...run.latenciesMs].sort((a, b) => a - b);
    load.push({
      consumers,
      ...(spansPerSecond !== undefined ? { targetSpansPerSecond: spansPerSecond } : {}),
      spans: expected,
      received: run.received.length,
      complete: unique.size === expected,
      elapsedMs: Math.round(run.elapsedMs),
      spansPerSecond: Math.round(expected / (run.elapsedMs / 1000)),
      latencyMs: {
        p50: quantile(sorted, 0.5),
        p90: quantile(sorted, 0.9),
        p99: quantile(sorted, 0.99),
        max: sorted.at(-1) ?? 0,
      },
    });
    await run.agent.close();
    const l = load.at(-1) as StreamBench['load'][number];
    console.log(
      `  load run, ${consumers} function process(es) per stage, ${spansPerSecond !== undefined ? `producer paced at ${spansPerSecond} spans/s` : 'unpaced'}, 4+4 shards, one killed: ${l.spans.toLocaleString('en')} spans in ${l.elapsedMs} ms = ${l.spansPerSecond.toLocaleString('en')} spans/s; all arrived: ${l.complete} (${l.received - l.spans} duplicates); latency p50 ${l.latencyMs.p50} ms, p90 ${l.latencyMs.p90}, p99 ${l.latencyMs.p99}, max ${l.latencyMs.max}`,
    );
  }

  const hold: StreamBench['hold'] = [];
  console.log('  hold (tumbling window) vs hybrid traces joined (simulated arrivals, median delay 2 s):');
  for (const windowSeconds of [0, 5, 15, 30, 60, 120, 300, 900]) {
    const r = simulateHold({ traces: 2_000, spansPerTrace: 5, durationS: 3_600, seed: 11, windowSeconds });
    hold.push({
      windowSeconds,
      joinedTracesPct: Math.round((1000 * r.joinedTraces) / 2_000) / 10,
      joinedSpansPct: Math.round((1000 * r.joinedSpans) / r.spans) / 10,
      meanHoldS: Math.round(r.meanHoldS * 10) / 10,
    });
    const h = hold.at(-1) as StreamBench['hold'][number];
    console.log(
      `    ${String(windowSeconds).padStart(4)} s: traces joined ${h.joinedTracesPct}%, spans joined ${h.joinedSpansPct}%`,
    );
  }
  const result = { handler, load, hold };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(
    path.join(OUT, 'stream.json'),
    `${JSON.stringify({ date: new Date().toISOString(), cpus: os.cpus().length, node: process.version, ...result }, null, 2)}\n`,
  );
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await measureStream(process.argv.includes('--quick'));
}
