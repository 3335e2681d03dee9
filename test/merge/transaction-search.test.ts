// pull in an account with CloudWatch Transaction Search: the real @aws-sdk/client-xray over real
// HTTP against the loopback X-Ray API stand-in (shapes from the X-Ray API reference). Assertions
// are on the requests the stand-in received, the spans the sink got, and the exact lines a user
// reads (the CLI prefixes each with "pull: ").
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, describe, it } from 'node:test';
import { type AccountPullOptions, describeBatch, pullAccount } from '../../src/merge/pull-account.ts';
import type { TraceSink } from '../../src/merge/sinks/sink.ts';
import type { DatadogSpan } from '../../src/merge/span.ts';
import {
  oneSegmentTrace,
  type StoredTrace,
  standInPullOptions,
  startXRayApi,
  type XRayApiScript,
  type XRayApiStandIn,
} from '../helpers/xray-api.ts';

const T0 = 1_579_584_000;
const WINDOW = { start: T0 * 1000, end: (T0 + 3600) * 1000 };

const traceAt = (n: number) => oneSegmentTrace(n, T0);

/** The twin fixture (test/fixtures/otel/twin): one trace stored in both formats. */
function twinTrace(): StoredTrace {
  const dir = new URL('../fixtures/otel/twin/', import.meta.url);
  const xray = JSON.parse(readFileSync(new URL('xray.json', dir), 'utf8')) as {
    Traces: Array<{ Id: string; Segments: Array<{ Document: string }> }>;
  };
  const trace = xray.Traces[0] as (typeof xray.Traces)[number];
  return {
    id: trace.Id,
    startTime: 1461096053,
    documents: trace.Segments.map((s) => JSON.parse(s.Document) as Record<string, unknown>),
    otelDocuments: readFileSync(new URL('otel.ndjson', dir), 'utf8').trim().split('\n'),
  };
}

let api: XRayApiStandIn | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

interface Run {
  notices: string[];
  spans: DatadogSpan[];
  sleeps: number[];
  summary: Awaited<ReturnType<typeof pullAccount>>;
  paths: string[];
}

async function run(script: XRayApiScript, options: Partial<AccountPullOptions> = {}): Promise<Run> {
  api = await startXRayApi(script);
  const notices: string[] = [];
  const spans: DatadogSpan[] = [];
  const sleeps: number[] = [];
  const sink: TraceSink = {
    write: async (trace) => {
      spans.push(...trace);
    },
    close: async () => {},
  };
  const summary = await pullAccount(
    {
      window: WINDOW,
      ...standInPullOptions(api, sleeps),
      onNotice: (line) => notices.push(line),
      onBatch: (batch) => {
        const line = describeBatch(batch);
        if (line !== undefined) notices.push(line);
      },
      ...options,
    },
    sink,
  );
  return { notices, spans, sleeps, summary, paths: api.requests.map((r) => `${r.status} ${r.path}`) };
}

const CLOUDWATCH_LINE =
  'this account sends spans to CloudWatch Logs (Transaction Search); X-Ray indexes 1% of them, ' +
  'and only those are seen by GetTraceSummaries and BatchGetTraces';

describe('pull: where the account sends spans', () => {
  it('XRay: no notice, the classic calls, GetIndexingRules not asked', async () => {
    const r = await run({ traces: [traceAt(1), traceAt(2)], transactionSearch: { destination: 'XRay' } });
    assert.deepEqual(r.notices, []);
    assert.equal(r.summary.path, 'classic');
    assert.equal(r.summary.destination, 'XRay');
    assert.deepEqual(r.paths, ['200 /GetTraceSegmentDestination', '200 /TraceSummaries', '200 /Traces']);
    assert.equal(r.spans.length, 2);
  });

  it('CloudWatchLogs without trace ids: says so with the indexed share, then the classic calls', async () => {
    const r = await run({
      traces: [traceAt(1)],
      transactionSearch: { destination: 'CloudWatchLogs', indexingPercent: 1 },
    });
    assert.deepEqual(r.notices, [
      CLOUDWATCH_LINE,
      'no trace ids given: pulling the window with GetTraceSummaries, which lists only the indexed traces ' +
        '(name the traces to retrieve all of their spans)',
    ]);
    assert.deepEqual(r.paths, [
      '200 /GetTraceSegmentDestination',
      '200 /GetIndexingRules',
      '200 /TraceSummaries',
      '200 /Traces',
    ]);
  });

  it('a pending change of destination and a fractional share are both said', async () => {
    const r = await run({
      traces: [],
      transactionSearch: { destination: 'CloudWatchLogs', status: 'PENDING', indexingPercent: 2.5 },
    });
    assert.equal(
      r.notices[0],
      'this account sends spans to CloudWatch Logs (Transaction Search, change pending); X-Ray indexes 2.5% of them, ' +
        'and only those are seen by GetTraceSummaries and BatchGetTraces',
    );
  });
});

describe('pull: retrieval from Transaction Search', () => {
  const cwl = { destination: 'CloudWatchLogs' as const };

  it('takes several polls: SCHEDULED, RUNNING, then COMPLETE, waiting longer each time', async () => {
    const traces = [traceAt(1), traceAt(2)];
    const r = await run(
      { traces, transactionSearch: { ...cwl, pollsBeforeDone: 2 } },
      { traceIds: traces.map((t) => t.id) },
    );
    assert.deepEqual(r.notices, [
      CLOUDWATCH_LINE,
      'retrieving 2 traces by id with StartTraceRetrieval (XRAY format)',
    ]);
    assert.deepEqual(r.paths, [
      '200 /GetTraceSegmentDestination',
      '200 /GetIndexingRules',
      '200 /StartTraceRetrieval',
      '200 /ListRetrievedTraces',
      '200 /ListRetrievedTraces',
      '200 /ListRetrievedTraces',
    ]);
    assert.deepEqual(r.sleeps, [1000, 2000]);
    assert.equal(r.summary.path, 'retrieval');
    assert.deepEqual(
      r.summary.batches.map((b) => [b.status, b.polls, b.traces]),
      [['COMPLETE', 3, 2]],
    );
    const start = api?.requests.find((q) => q.path === '/StartTraceRetrieval');
    assert.deepEqual(start?.body, { TraceIds: traces.map((t) => t.id), StartTime: T0, EndTime: T0 + 3600 });
    assert.equal(r.spans.length, 2);
    assert.deepEqual(r.summary.missing, []);
  });

  it('pages with NextToken, and a rerun sends the same spans', async () => {
    const traces = [traceAt(1), traceAt(2), traceAt(3)];
    const script = { traces, transactionSearch: { ...cwl, tracesPageSize: 1 } };
    const first = await run(script, { traceIds: traces.map((t) => t.id) });
    const lists = api?.requests.filter((q) => q.path === '/ListRetrievedTraces') ?? [];
    assert.deepEqual(
      lists.map((q) => q.body.NextToken !== undefined),
      [false, true, true],
    );
    assert.equal(first.spans.length, 3);
    await api?.close();
    const second = await run(script, { traceIds: traces.map((t) => t.id) });
    assert.deepEqual(second.spans, first.spans);
  });

  it('the spans are the ones the classic path gives for the same traces', async () => {
    const traces = [traceAt(1), traceAt(2)];
    const retrieved = await run({ traces, transactionSearch: cwl }, { traceIds: traces.map((t) => t.id) });
    await api?.close();
    const classic = await run({ traces, transactionSearch: { destination: 'XRay' } });
    assert.deepEqual(retrieved.spans, classic.spans);
  });

  it('batches of 100 ids; a FAILED batch is reported and what it returned is kept', async () => {
    const traces = Array.from({ length: 150 }, (_, i) => traceAt(i + 1));
    const r = await run(
      { traces, transactionSearch: { ...cwl, endStatus: { 1: 'FAILED' } } },
      { traceIds: traces.map((t) => t.id) },
    );
    const starts = api?.requests.filter((q) => q.path === '/StartTraceRetrieval') ?? [];
    assert.deepEqual(
      starts.map((q) => (q.body.TraceIds as string[]).length),
      [100, 50],
    );
    assert.deepEqual(
      r.summary.batches.map((b) => [b.status, b.traces]),
      [
        ['COMPLETE', 100],
        ['FAILED', 1],
      ],
    );
    assert.equal(
      r.notices.at(-1),
      'warning: retrieval of 50 trace ids ended FAILED after 1 poll; kept the 1 trace it returned',
    );
    assert.equal(r.summary.traces, 101);
    assert.equal(r.summary.missing.length, 49);
  });

  it('a retrieval still running after maxPolls is given up and said', async () => {
    const traces = [traceAt(1)];
    const r = await run(
      { traces, transactionSearch: { ...cwl, pollsBeforeDone: 10 } },
      { traceIds: [traces[0]?.id as string], retrieval: { maxPolls: 3 } },
    );
    assert.equal(
      r.notices.at(-1),
      'warning: retrieval of 1 trace id was still RUNNING after 3 polls; kept the 0 traces it returned',
    );
    assert.deepEqual(r.summary.missing, [traces[0]?.id]);
  });

  it('waits out throttling (429 ThrottledException) on every call', async () => {
    const traces = [traceAt(1)];
    const r = await run(
      {
        traces,
        transactionSearch: cwl,
        throttle: { '/StartTraceRetrieval': 2, '/ListRetrievedTraces': 1 },
      },
      { traceIds: [traces[0]?.id as string] },
    );
    assert.deepEqual(
      r.paths.filter((p) => p.endsWith('/StartTraceRetrieval') || p.endsWith('/ListRetrievedTraces')),
      [
        '429 /StartTraceRetrieval',
        '429 /StartTraceRetrieval',
        '200 /StartTraceRetrieval',
        '429 /ListRetrievedTraces',
        '200 /ListRetrievedTraces',
      ],
    );
    assert.equal(r.summary.throttled, 3);
    assert.equal(r.spans.length, 1);
  });

  it('a trace of more than 100 spans comes as several entries and is converted whole', async () => {
    const big = traceAt(7);
    const id = big.id;
    const documents = Array.from({ length: 150 }, (_, i) => ({
      id: (0x1000 + i).toString(16).padStart(16, '0'),
      name: 'svc-7',
      trace_id: id,
      start_time: T0 + 7 + i / 1000,
      end_time: T0 + 7 + i / 1000 + 0.0005,
    }));
    const r = await run({ traces: [{ ...big, documents }], transactionSearch: cwl }, { traceIds: [id] });
    assert.equal(r.spans.length, 150);
    assert.deepEqual(
      r.summary.batches.map((b) => b.traces),
      [1],
    );
    assert.equal(r.summary.traces, 1);
  });

  it('waits out throttling of the account check too', async () => {
    const r = await run({
      traces: [],
      transactionSearch: cwl,
      throttle: { '/GetTraceSegmentDestination': 2, '/GetIndexingRules': 1 },
    });
    assert.deepEqual(r.paths.slice(0, 5), [
      '429 /GetTraceSegmentDestination',
      '429 /GetTraceSegmentDestination',
      '200 /GetTraceSegmentDestination',
      '429 /GetIndexingRules',
      '200 /GetIndexingRules',
    ]);
    assert.equal(r.notices[0], CLOUDWATCH_LINE);
    assert.equal(r.sleeps.length, 3);
  });

  it('OTEL format: the twin trace gives the same ids, parents, times and errors as XRAY format', async () => {
    const twin = twinTrace();
    const window = { start: 1461096000 * 1000, end: 1461097000 * 1000 };
    const otel = await run(
      { traces: [twin], transactionSearch: cwl },
      { traceIds: [twin.id], format: 'OTEL', window },
    );
    assert.equal(otel.notices[1], 'retrieving 1 trace by id with StartTraceRetrieval (OTEL format)');
    assert.equal(api?.requests.find((q) => q.path === '/ListRetrievedTraces')?.body.TraceFormat, 'OTEL');
    await api?.close();
    const xray = await run({ traces: [twin], transactionSearch: cwl }, { traceIds: [twin.id], window });
    const key = (s: DatadogSpan) => [
      s.trace_id,
      s.span_id,
      s.parent_id,
      s.service,
      s.start,
      s.duration,
      s.error,
    ];
    assert.equal(otel.spans.length, 3);
    assert.deepEqual(otel.spans.map(key), xray.spans.map(key));
  });
});

describe('pull: missing IAM permissions', () => {
  const cwl = { destination: 'CloudWatchLogs' as const };

  it('xray:GetTraceSegmentDestination denied: one warning, the classic path', async () => {
    const traces = [traceAt(1)];
    const r = await run(
      { traces, transactionSearch: cwl, deny: ['/GetTraceSegmentDestination'] },
      { traceIds: [traces[0]?.id as string] },
    );
    assert.deepEqual(r.notices, [
      'warning: not allowed to call xray:GetTraceSegmentDestination, so whether this account uses Transaction Search ' +
        'is unknown; pulling with GetTraceSummaries and BatchGetTraces, which see only indexed traces if it does ' +
        '(allow xray:GetTraceSegmentDestination to check)',
    ]);
    assert.deepEqual(r.paths, ['403 /GetTraceSegmentDestination', '200 /Traces']);
    assert.equal(r.summary.path, 'classic');
    assert.equal(r.spans.length, 1);
  });

  it('xray:GetIndexingRules denied: one warning, the share unknown, retrieval goes on', async () => {
    const traces = [traceAt(1)];
    const r = await run(
      { traces, transactionSearch: cwl, deny: ['/GetIndexingRules'] },
      { traceIds: [traces[0]?.id as string] },
    );
    assert.deepEqual(r.notices, [
      'warning: not allowed to call xray:GetIndexingRules, so the indexed share is unknown',
      'this account sends spans to CloudWatch Logs (Transaction Search); X-Ray indexes an unknown share of them, ' +
        'and only those are seen by GetTraceSummaries and BatchGetTraces',
      'retrieving 1 trace by id with StartTraceRetrieval (XRAY format)',
    ]);
    assert.equal(r.summary.path, 'retrieval');
  });

  it('xray:StartTraceRetrieval denied: one warning naming it, BatchGetTraces of the ids', async () => {
    const traces = [traceAt(1), traceAt(2)];
    const r = await run(
      { traces, transactionSearch: cwl, deny: ['/StartTraceRetrieval'] },
      { traceIds: traces.map((t) => t.id) },
    );
    assert.equal(
      r.notices.at(-1),
      'warning: not allowed to call xray:StartTraceRetrieval; falling back to BatchGetTraces, which sees only the ' +
        'indexed traces (allow xray:StartTraceRetrieval to retrieve every trace)',
    );
    assert.deepEqual(r.paths.slice(2), ['403 /StartTraceRetrieval', '200 /Traces']);
    assert.equal(r.summary.path, 'classic');
    assert.equal(r.spans.length, 2);
  });

  it('xray:ListRetrievedTraces denied: one warning naming it', async () => {
    const traces = [traceAt(1)];
    const r = await run(
      { traces, transactionSearch: cwl, deny: ['/ListRetrievedTraces'] },
      { traceIds: [traces[0]?.id as string] },
    );
    assert.match(
      r.notices.at(-1) ?? '',
      /^warning: not allowed to call xray:ListRetrievedTraces; falling back to BatchGetTraces/,
    );
    assert.equal(r.spans.length, 1);
  });
});

describe('pull: retrieval ranges from the ids', () => {
  it('windowFromIds: ids sorted by their epoch, each batch retrieved over its own ids (start .. last + 15 min)', async () => {
    const early = Array.from({ length: 100 }, (_, i) => traceAt(i + 1));
    // A day later: a second batch, with a range of its own instead of one 24-hour retrieval.
    const late = traceAt(86_400);
    const r = await run(
      { traces: [...early, late], transactionSearch: { destination: 'CloudWatchLogs' } },
      { traceIds: [late.id, ...early.map((t) => t.id)], windowFromIds: true, window: { start: 0, end: 1 } },
    );
    const starts = api?.requests.filter((q) => q.path === '/StartTraceRetrieval') ?? [];
    assert.deepEqual(
      starts.map((q) => [(q.body.TraceIds as string[]).length, q.body.StartTime, q.body.EndTime]),
      [
        [100, T0 + 1, T0 + 100 + 900],
        [1, T0 + 86_400, T0 + 86_400 + 900],
      ],
    );
    assert.equal(r.spans.length, 101);
  });
});
