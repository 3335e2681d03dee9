import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { sendToAgent } from '../../src/merge/sinks/agent.ts';
import { createStreamHandler, type StreamReport } from '../../src/stream/handler.ts';
import { writeSubscriptionPayload } from '../../src/stream/subscription.ts';
import { type AgentStandIn, startAgent } from '../helpers/agent.ts';
import { generateTraces } from '../helpers/span-records.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/stream/${name}`, import.meta.url), 'utf8');
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const payload = (messages: string[]) =>
  b64(
    writeSubscriptionPayload(
      'aws/spans',
      messages.map((message, i) => ({ id: String(i), timestamp: 0, message })),
    ),
  );
const kinesis = (datas: string[]) => ({
  Records: datas.map((data, i) => ({
    kinesis: { data, sequenceNumber: String(1000 + i), partitionKey: 'k' },
    eventSource: 'aws:kinesis',
  })),
});

describe('the stream handler, against the agent stand-in', () => {
  let agent: AgentStandIn;
  before(async () => {
    agent = await startAgent();
  });
  after(() => agent.close());

  const setup = (url = () => agent.url) => {
    const lines: string[] = [];
    const reports: StreamReport[] = [];
    const handler = createStreamHandler({
      idMode: 'compat',
      send: (traces) => sendToAgent(traces, { url: url() }),
      warn: (line) => lines.push(line),
      onReport: (report) => reports.push(report),
    });
    return { handler, lines, reports };
  };

  it('a direct subscription: the twin fixture payload reaches the agent with the shared id mapping', async () => {
    const { handler, reports } = setup();
    const data = b64(gzipSync(fixture('data-message.json')));
    const before = agent.traces.flat().length;
    assert.deepEqual(await handler({ awslogs: { data } }), { batchItemFailures: [] });
    const spans = agent.traces.flat().slice(before);
    // 1-5759e988-bd862e3fe1be46a994272793, compat: the last 16 hex, top bit cleared.
    assert.deepEqual(
      spans.map((s) => [s.trace_id, s.span_id]),
      [
        [0x46a994272793n | (0xbd862e3fe1ben << 48n), 0xdefdfd9912dc5a56n],
        [0x46a994272793n | (0xbd862e3fe1ben << 48n), 0x53995c3f42cd8ad8n],
      ].map(([t, s]) => [(t as bigint) % 2n ** 63n, s]),
    );
    assert.equal(reports[0]?.spans, 2);
  });

  it('a control message sends nothing and fails nothing', async () => {
    const { handler, reports } = setup();
    const data = b64(gzipSync(fixture('control-message.json')));
    assert.deepEqual(await handler({ Records: [{ kinesis: { data, sequenceNumber: '1' } }] }), {
      batchItemFailures: [],
    });
    assert.equal(reports[0]?.controlMessages, 1);
    assert.equal(reports[0]?.spans, 0);
  });

  it('malformed records are counted and skipped with one line each; the good ones are sent', async () => {
    const { handler, lines, reports } = setup();
    const [trace] = generateTraces(1, { seed: 3, hybridShare: 0 });
    const event = kinesis([
      'not base64!',
      b64(Buffer.from('plain text')),
      payload(['{"not":"a span"}', 'not json', ...(trace?.records ?? [])]),
    ]);
    assert.deepEqual(await handler(event), { batchItemFailures: [] });
    assert.deepEqual(lines, [
      '[xray-dd-merge] stream: record 1000 skipped: data is not base64',
      '[xray-dd-merge] stream: record 1001 skipped: not gzip: incorrect header check',
      '[xray-dd-merge] stream: span record skipped: span record is not JSON',
      '[xray-dd-merge] stream: span record skipped: traceId is not 32 hex digits (or base64 of 16 bytes), or is zero',
    ]);
    assert.equal(reports[0]?.malformedPayloads, 2);
    assert.equal(reports[0]?.skippedSpans, 2);
    assert.equal(reports[0]?.spans, 3);
  });

  it('an agent that cannot be reached: the first record is reported (Kinesis), or the invocation throws (direct)', async () => {
    const { handler, lines } = setup(() => 'http://127.0.0.1:9');
    const [trace] = generateTraces(1, { seed: 4 });
    const data = payload([...(trace?.records ?? [])]);
    assert.deepEqual(await handler(kinesis([data, data])), {
      batchItemFailures: [{ itemIdentifier: '1000' }],
    });
    assert.match(lines[0] ?? '', /the agent did not take the batch; it will be retried/);
    await assert.rejects(handler({ awslogs: { data } }), /cannot reach the agent/);
  });

  it('a retried batch sends the same span ids', async () => {
    const { handler } = setup();
    const traces = generateTraces(5, { seed: 5 });
    const event = kinesis([payload(traces.flatMap((t) => t.records))]);
    const ids = async () => {
      const start = agent.traces.flat().length;
      await handler(event);
      return agent.traces
        .flat()
        .slice(start)
        .map((s) => `${s.trace_id}/${s.span_id}/${s.parent_id}`)
        .sort();
    };
    const first = await ids();
    assert.equal(first.length, traces.flatMap((t) => t.records).length);
    assert.deepEqual(await ids(), first);
  });

  it('an event of another kind is skipped with one line', async () => {
    const { handler, lines } = setup();
    assert.deepEqual(await handler({ detail: {} }), { batchItemFailures: [] });
    assert.equal(lines.length, 1);
  });
});

describe('the stream handler in a tumbling window', () => {
  it("the window's final invocation fails when the agent is down, and its retry with the same state sends every held span", async () => {
    const agent = await startAgent();
    let url = 'http://127.0.0.1:9';
    const handler = createStreamHandler({
      idMode: 'compat',
      send: (traces) => sendToAgent(traces, { url }),
      warn: () => {},
    });
    const traces = generateTraces(3, { seed: 8, hybridShare: 0 });
    const data = b64(
      writeSubscriptionPayload(
        'aws/spans',
        traces.flatMap((t) => t.records).map((message, i) => ({ id: String(i), timestamp: 0, message })),
      ),
    );
    const window = { start: '2026-12-06T01:00:00Z', end: '2026-12-06T01:01:00Z' };
    const first = await handler({ Records: [{ kinesis: { data, sequenceNumber: '1' } }], window, state: {} });
    assert.deepEqual(first.batchItemFailures, [], 'serverless-first spans are held, nothing sent yet');
    const final = { Records: [], window, state: first.state, isFinalInvokeForWindow: true };
    await assert.rejects(handler(final), /cannot reach the agent/);
    url = agent.url;
    assert.deepEqual(await handler(final), {
      batchItemFailures: [],
      state: { meta: {}, held: {}, heldBytes: 0 },
    });
    assert.equal(agent.traces.flat().length, traces.flatMap((t) => t.records).length);
    await agent.close();
  });
});

describe('the stream handler when the window state is full', () => {
  it('sends the oldest held traces at once and says so in one line', async () => {
    const agent = await startAgent();
    const lines: string[] = [];
    const reports: StreamReport[] = [];
    const handler = createStreamHandler({
      idMode: 'compat',
      holdCapBytes: 2_000,
      send: (traces) => sendToAgent(traces, { url: agent.url }),
      warn: (line) => lines.push(line),
      onReport: (report) => reports.push(report),
    });
    const traces = generateTraces(4, { seed: 21, hybridShare: 0 });
    const data = b64(
      writeSubscriptionPayload(
        'aws/spans',
        traces.flatMap((t) => t.records).map((message, i) => ({ id: String(i), timestamp: 0, message })),
      ),
    );
    const window = { start: '2026-12-06T01:00:00Z', end: '2026-12-06T01:01:00Z' };
    const result = await handler({
      Records: [{ kinesis: { data, sequenceNumber: '1' } }],
      window,
      state: {},
    });
    assert.deepEqual(result.batchItemFailures, []);
    const early = reports[0]?.releasedEarly ?? 0;
    assert.ok(early > 0 && early < traces.flatMap((t) => t.records).length, `released early: ${early}`);
    assert.equal(agent.traces.flat().length, early);
    assert.equal(lines.length, 1);
    assert.match(
      lines[0] ?? '',
      /held span records sent without waiting .* \(the window state reached 2000 bytes\); add shards/,
    );
    assert.ok(((result.state as { heldBytes: number }).heldBytes ?? 0) <= 2_000);
    await agent.close();
  });
});
