// The load run, short form: two stages on the Kinesis stand-in, several shards, two function
// processes per stage, one of each killed mid-invocation. Every span reaches the agent at least
// once with the ids a single-process run gives, and every hybrid trace comes out as one trace.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sendToAgent } from '../../src/merge/sinks/agent.ts';
import { createStreamHandler } from '../../src/stream/handler.ts';
import { writeSubscriptionPayload } from '../../src/stream/subscription.ts';
import { type AgentStandIn, startAgent } from '../helpers/agent.ts';
import { type LoadResult, runStreamLoad } from '../helpers/stream-load.ts';

describe('stream load run (short form)', () => {
  let run: LoadResult;
  let single: AgentStandIn;
  before(async () => {
    run = await runStreamLoad({
      traces: 150,
      seed: 24,
      sourceShards: 3,
      targetShards: 2,
      consumers: 2,
      batchSize: 8,
      eventsPerPayload: 6,
      windowSeconds: 3600,
      killAt: 4,
    });
    // The single-process reference: every record in one batch of one window, in one process.
    single = await startAgent();
    const handler = createStreamHandler({
      idMode: 'compat',
      send: (traces) => sendToAgent(traces, { url: single.url }),
      warn: () => {},
    });
    const data = Buffer.from(
      writeSubscriptionPayload(
        'aws/spans',
        run.traces.flatMap((t) => t.records).map((message, i) => ({ id: String(i), timestamp: 0, message })),
      ),
    ).toString('base64');
    const window = { start: '2026-12-06T00:00:00Z', end: '2026-12-06T01:00:00Z' };
    const { state } = await handler({
      Records: [{ kinesis: { data, sequenceNumber: '1' } }],
      window,
      state: {},
    });
    await handler({ Records: [], window, state, isFinalInvokeForWindow: true });
  });
  after(async () => {
    await run?.agent.close();
    await single?.close();
  });

  it('killed a function process of each stage, and Lambda-style retries took over', () => {
    assert.equal(run.processesStarted, 6, '2 + 2 processes, and one replacement per stage');
    assert.ok(run.stage1.failedInvocations >= 1 && run.stage2.failedInvocations >= 1);
    assert.deepEqual([run.stage1.onFailure.length, run.stage2.onFailure.length], [0, 0]);
  });

  it('every span reached the agent at least once, with the same ids as a single-process run', () => {
    const expected = new Set(single.traces.flat().map((s) => `${s.trace_id}/${s.span_id}/${s.parent_id}`));
    assert.equal(expected.size, run.traces.flatMap((t) => t.records).length);
    assert.deepEqual(new Set(run.received), expected);
  });

  it('every hybrid trace, spread over batches and shards, came out as one trace: the upstream one', () => {
    const hybrid = run.traces.filter((t) => t.upstream !== undefined);
    assert.ok(hybrid.length > 30);
    // The subscription spread them: most hybrid traces span several source shards and records.
    const spread = hybrid.filter((t) => {
      const placed = run.placement.get(t.traceId);
      return placed !== undefined && placed.shards >= 2 && placed.records >= 3;
    });
    assert.ok(spread.length >= hybrid.length * 0.6, `${spread.length} of ${hybrid.length} spread`);
    const spans = run.agent.traces.flat();
    for (const trace of hybrid) {
      const own = spans.filter(
        (s) => s.meta['xray.trace_id'] === `1-${trace.traceId.slice(0, 8)}-${trace.traceId.slice(8)}`,
      );
      assert.ok(own.length >= trace.records.length);
      assert.deepEqual(new Set(own.map((s) => s.trace_id.toString())), new Set([trace.upstream?.traceId]));
      const fn = own.find((s) => s.span_id === BigInt(`0x${trace.functionSpanId}`));
      assert.equal(fn?.parent_id.toString(), trace.upstream?.parentId);
    }
  });
});
