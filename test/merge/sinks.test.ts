// Sinks and span I/O: NDJSON written and read back exactly (nanoseconds above 2^53 included),
// the Datadog span readers, and the agent sink against the loopback agent stand-in.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { readDatadogSpans } from '../../src/merge/datadog-input.ts';
import { AgentError, sendToAgent } from '../../src/merge/sinks/agent.ts';
import { formatNdjson, writeNdjson } from '../../src/merge/sinks/ndjson.ts';
import type { DatadogSpan } from '../../src/merge/span.ts';
import { formatSpanJson, parseExactJson, spanFromJson } from '../../src/merge/span-json.ts';
import { type AgentStandIn, startAgent } from '../helpers/agent.ts';

const BIG_START = 2n ** 62n + 123_456_789n; // far above 2^53: a JS number would round it
const BIG_DURATION = 2n ** 53n + 1n;

const span: DatadogSpan = {
  trace_id: '18446744073709551615',
  span_id: '10713633173203262661',
  parent_id: '0',
  name: 'aws.lambda.function',
  service: 'checkout-fn',
  resource: 'checkout "fn"\n',
  type: 'serverless',
  start: BIG_START,
  duration: BIG_DURATION,
  error: 1,
  meta: { 'error.message': 'boom ✓', _merge_origin: 'xray' },
  metrics: { _sampling_priority_v1: 2, ratio: 0.25, bad: Number.NaN },
};
const { bad: _bad, ...finiteMetrics } = span.metrics;

describe('NDJSON', () => {
  it('writes start and duration as exact integers and reads them back exactly', () => {
    const line = formatSpanJson(span);
    assert.match(line, new RegExp(`"start":${BIG_START}[,}]`));
    assert.match(line, new RegExp(`"duration":${BIG_DURATION}[,}]`));
    assert.notEqual(BigInt(Number(BIG_START)), BIG_START, 'the value is one a number cannot hold');
    assert.deepEqual(spanFromJson(parseExactJson(line)), { ...span, metrics: finiteMetrics });
  });

  it('is valid JSON with decimal string ids, one span per line', () => {
    const text = formatNdjson([span, { ...span, span_id: '7' }]);
    const lines = text.split('\n');
    assert.equal(lines.length, 3);
    assert.equal(lines[2], '');
    const parsed = JSON.parse(lines[1] as string);
    assert.equal(parsed.trace_id, '18446744073709551615');
    assert.equal(parsed.span_id, '7');
    assert.equal(parsed.resource, 'checkout "fn"\n');
    assert.deepEqual(parsed.metrics, { _sampling_priority_v1: 2, ratio: 0.25 });
  });

  it('streams to a writable', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const count = await writeNdjson([span, span, span], out);
    out.end();
    assert.equal(count, 3);
    assert.equal(Buffer.concat(chunks).toString(), formatNdjson([span, span, span]));
  });
});

describe('Datadog span input', () => {
  it('reads NDJSON spans (decimal ids) as convert writes them', () => {
    const { spans, invalid } = readDatadogSpans(
      formatNdjson([span, { ...span, span_id: '8', parent_id: '10' }]),
    );
    assert.deepEqual(invalid, []);
    assert.deepEqual(spans[0], { ...span, metrics: finiteMetrics });
    assert.equal(spans[1]?.parent_id, '10');
  });

  it("reads dd-trace's log exporter lines: hex ids, 128-bit trace ids, noise ignored", () => {
    const text = [
      'START RequestId: 1 Version: $LATEST',
      '{"traces":[[{"trace_id":"5e2723908c398be037738dc042009320","span_id":"0701db72950f2582","parent_id":"0000000000000000","name":"aws.lambda","resource":"fn","service":"fn","error":0,"meta":{},"metrics":{},"start":1579584424780000123,"duration":290000000}]]}',
      '2020-01-21T05:27:05.070Z\tid\tINFO\t{"traces":[[{"trace_id":"37738dc042009320","span_id":"61422e126069d6f2","parent_id":"0701db72950f2582","name":"user.work","resource":"user.work","service":"fn","error":0,"meta":{"_dd.p.tid":"5e2723908c398be0"},"metrics":{},"start":1579584424800000000,"duration":50000000}]]}',
      'END RequestId: 1',
    ].join('\n');
    const { spans, ignoredLines } = readDatadogSpans(text);
    const lambda = BigInt('0x0701db72950f2582').toString();
    const work = BigInt('0x61422e126069d6f2').toString();
    assert.equal(ignoredLines, 2);
    assert.deepEqual(
      spans.map((s) => [s.trace_id, s.span_id, s.parent_id, s.start, s.meta['_dd.p.tid']]),
      [
        ['3995693151288333088', lambda, '0', 1579584424780000123n, '5e2723908c398be0'],
        ['3995693151288333088', work, lambda, 1579584424800000000n, '5e2723908c398be0'],
      ],
    );
  });

  it('reads a whole-file {"traces":[[…]]} capture with integer or decimal string ids', () => {
    const numeric = `{"traces":[[{"trace_id":18446744073709551615,"span_id":9007199254740993,"parent_id":0,"name":"a","service":"s","resource":"r","start":${BIG_START},"duration":1}]]}`;
    const numericSpan = readDatadogSpans(numeric).spans[0];
    assert.equal(numericSpan?.trace_id, '18446744073709551615');
    assert.equal(numericSpan?.span_id, '9007199254740993');
    assert.equal(numericSpan?.start, BIG_START);

    const decimal = JSON.stringify({
      traces: [
        [{ trace_id: '42', span_id: '1234567890123456', parent_id: '0', name: 'a', start: 1, duration: 1 }],
      ],
    });
    assert.equal(
      readDatadogSpans(decimal).spans[0]?.span_id,
      '1234567890123456',
      'not read as hex: 42 is not hex-shaped',
    );
  });

  it('reports objects that are not spans, without failing the rest', () => {
    const { spans, invalid } = readDatadogSpans(
      [
        '{"trace_id":"1","span_id":"0","name":"zero id","start":1}',
        '{"hello":"world"}',
        formatSpanJson(span),
      ].join('\n'),
    );
    assert.equal(spans.length, 1);
    assert.deepEqual(invalid, ['span_id is 0', 'trace_id is not an id']);
  });
});

describe('agent sink', () => {
  let agent: AgentStandIn;
  before(async () => {
    agent = await startAgent();
  });
  after(() => agent.close());

  it('PUTs /v0.4/traces as msgpack with 64-bit ids and exact nanoseconds', async () => {
    const traces = [
      [span, { ...span, span_id: '2', parent_id: span.span_id, error: 0 as const }],
      [{ ...span, trace_id: '5', span_id: '3' }],
    ];
    const before = agent.requests.length;
    const result = await sendToAgent(traces, { url: agent.url });
    assert.deepEqual(result, { requests: 1, traces: 2, spans: 3 });
    const request = agent.requests[before];
    assert.equal(request?.method, 'PUT');
    assert.equal(request?.path, '/v0.4/traces');
    assert.equal(request?.headers['content-type'], 'application/msgpack');
    assert.equal(request?.headers['x-datadog-trace-count'], '2');

    const [first, second] = agent.traces.slice(-2);
    assert.equal(first?.length, 2);
    const wire = first?.[0];
    assert.equal(wire?.trace_id, 18446744073709551615n);
    assert.equal(wire?.span_id, 10713633173203262661n);
    assert.equal(wire?.parent_id, 0n);
    assert.equal(wire?.start, BIG_START);
    assert.equal(wire?.duration, BIG_DURATION);
    assert.equal(wire?.error, 1);
    assert.equal(wire?.resource, span.resource);
    assert.deepEqual(wire?.meta, span.meta);
    assert.equal(wire?.metrics.ratio, 0.25);
    assert.equal(first?.[1]?.parent_id, 10713633173203262661n);
    assert.equal(second?.[0]?.trace_id, 5n);
  });

  it('splits payloads by span count without splitting a trace', async () => {
    const before = agent.requests.length;
    const trace = (id: string) => [
      { ...span, trace_id: id, span_id: '1' },
      { ...span, trace_id: id, span_id: '2' },
    ];
    const result = await sendToAgent([trace('11'), trace('12'), trace('13')], {
      url: agent.url,
      maxSpansPerPayload: 4,
    });
    assert.equal(result.requests, 2);
    assert.deepEqual(
      agent.requests.slice(before).map((r) => r.headers['x-datadog-trace-count']),
      ['2', '1'],
    );
  });

  it('fails with the status and body when the agent refuses', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(413);
      res.end('payload too large');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await assert.rejects(
        sendToAgent([[span]], { url }),
        (error: unknown) =>
          error instanceof AgentError && error.status === 413 && /413: payload too large/.test(error.message),
      );
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('fails clearly when nothing listens', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise((resolve) => server.close(resolve));
    await assert.rejects(sendToAgent([[span]], { url }), /cannot reach the agent/);
  });
});
