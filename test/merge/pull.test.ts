// The puller with the real @aws-sdk/client-xray over real HTTP against a loopback X-Ray API
// stand-in; assertions are on the requests the stand-in received and the traces yielded.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { XRayTrace } from '../../src/merge/convert.ts';
import { type PullOptions, type PullProgress, pullTraces } from '../../src/merge/pull.ts';
import { HOUR_MS } from '../../src/merge/window.ts';
import { createXRayApi, type XRayApi } from '../../src/merge/xray-client.ts';
import {
  type StoredTrace,
  standInPullOptions,
  startXRayApi,
  TEST_CREDENTIALS,
  type XRayApiScript,
  type XRayApiStandIn,
} from '../helpers/xray-api.ts';

const T0 = 1_579_584_000; // epoch seconds, a whole hour

function traceAt(n: number, seconds: number, segments = 1): StoredTrace {
  const id = `1-${seconds.toString(16)}-${n.toString(16).padStart(24, '0')}`;
  const documents = Array.from({ length: segments }, (_, i) => ({
    id: (n * 16 + i + 1).toString(16).padStart(16, '0'),
    name: `svc-${n}`,
    trace_id: id,
    start_time: seconds + i / 10,
    end_time: seconds + i / 10 + 0.05,
  }));
  return { id, startTime: seconds, documents };
}

let api: XRayApiStandIn | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

interface Run {
  traces: XRayTrace[];
  sleeps: number[];
  progress: PullProgress[];
}

async function pull(
  script: XRayApiScript,
  options: Partial<PullOptions> & Pick<PullOptions, 'window'>,
): Promise<Run> {
  api = await startXRayApi(script);
  const sleeps: number[] = [];
  const progress: PullProgress[] = [];
  const traces: XRayTrace[] = [];
  for await (const trace of pullTraces({
    ...standInPullOptions(api, sleeps),
    onProgress: (p) => progress.push(p),
    ...options,
  })) {
    traces.push(trace);
  }
  return { traces, sleeps, progress };
}

const hourWindow = { start: T0 * 1000, end: T0 * 1000 + HOUR_MS };

function requestsTo(path: string) {
  return (api as XRayApiStandIn).requests.filter((r) => r.path === path);
}

describe('pullTraces over the real X-Ray client', () => {
  it('paginates GetTraceSummaries with NextToken and asks BatchGetTraces in batches of 5', async () => {
    const stored = Array.from({ length: 12 }, (_, n) => traceAt(n + 1, T0 + 60 + n, 2));
    const { traces } = await pull(
      { traces: stored, summariesPageSize: 7 },
      { window: hourWindow, filterExpression: 'service("checkout-fn")' },
    );

    const summaries = requestsTo('/TraceSummaries');
    assert.equal(summaries.length, 2);
    assert.equal(summaries[0]?.body.NextToken, undefined);
    assert.equal(typeof summaries[1]?.body.NextToken, 'string');
    for (const request of summaries) {
      assert.equal(request.body.StartTime, T0);
      assert.equal(request.body.EndTime, T0 + 3600);
      assert.equal(request.body.FilterExpression, 'service("checkout-fn")');
      assert.match(String(request.headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//);
    }

    const batches = requestsTo('/Traces').map((r) => r.body.TraceIds as string[]);
    assert.deepEqual(
      batches.map((ids) => ids.length),
      [5, 2, 5],
    );
    assert.deepEqual(
      batches.flat(),
      stored.map((t) => t.id),
    );
    assert.deepEqual(
      traces.map((t) => t.Id),
      stored.map((t) => t.id),
    );
    for (const [i, trace] of traces.entries()) {
      assert.deepEqual(
        trace.Segments?.map((s) => JSON.parse(s.Document as string)),
        stored[i]?.documents,
      );
    }
  });

  it('splits a 13-hour window into 6 h + 6 h + 1 h and fetches a boundary trace once', async () => {
    const boundary = traceAt(2, T0 + 6 * 3600);
    const stored = [
      traceAt(1, T0 + 100),
      boundary,
      traceAt(3, T0 + 7 * 3600),
      traceAt(4, T0 + 12 * 3600 + 5),
    ];
    const { traces, progress } = await pull(
      { traces: stored },
      { window: { start: T0 * 1000, end: T0 * 1000 + 13 * HOUR_MS } },
    );

    assert.deepEqual(
      requestsTo('/TraceSummaries').map((r) => [r.body.StartTime, r.body.EndTime]),
      [
        [T0, T0 + 6 * 3600],
        [T0 + 6 * 3600, T0 + 12 * 3600],
        [T0 + 12 * 3600, T0 + 13 * 3600],
      ],
    );
    // The stand-in lists the boundary trace in both of the first two windows.
    const asked = requestsTo('/Traces').flatMap((r) => r.body.TraceIds as string[]);
    assert.deepEqual(
      asked,
      stored.map((t) => t.id),
    );
    assert.deepEqual(
      traces.map((t) => t.Id),
      stored.map((t) => t.id),
    );
    const last = progress.at(-1);
    assert.equal(last?.windowsTotal, 3);
    assert.equal(last?.windowsDone, 3);
    assert.equal(last?.traces, 4);
  });

  it('asks UnprocessedTraceIds again, alone, after a back-off', async () => {
    const stored = Array.from({ length: 5 }, (_, n) => traceAt(n + 1, T0 + 10 + n));
    const slow = stored[3] as StoredTrace;
    const { traces, sleeps } = await pull(
      { traces: stored, unprocessed: { [slow.id]: 2 } },
      { window: hourWindow, baseDelayMs: 100 },
    );

    assert.deepEqual(
      requestsTo('/Traces').map((r) => r.body.TraceIds),
      [stored.map((t) => t.id), [slow.id], [slow.id]],
    );
    assert.deepEqual(sleeps, [50, 100], 'full jitter: random 0.5 x 100 ms, then x 200 ms');
    assert.deepEqual(
      traces.map((t) => t.Id),
      stored.map((t) => t.id),
    );
  });

  it('reports ids still unprocessed after every attempt, and yields the rest', async () => {
    const stored = [traceAt(1, T0 + 10), traceAt(2, T0 + 11)];
    const lost = (stored[1] as StoredTrace).id;
    const { traces, progress } = await pull(
      { traces: stored, unprocessed: { [lost]: 99 } },
      { window: hourWindow, maxAttempts: 3 },
    );
    assert.equal(requestsTo('/Traces').length, 3);
    assert.deepEqual(
      traces.map((t) => t.Id),
      [(stored[0] as StoredTrace).id],
    );
    assert.deepEqual(progress.at(-1)?.unprocessed, [lost]);
  });

  it('backs off on ThrottledException (HTTP 429) and then succeeds', async () => {
    const stored = [traceAt(1, T0 + 10), traceAt(2, T0 + 20)];
    const { traces, sleeps, progress } = await pull(
      { traces: stored, throttle: { '/TraceSummaries': 2, '/Traces': 1 } },
      { window: hourWindow, baseDelayMs: 200, random: () => 0.25 },
    );
    assert.deepEqual(
      requestsTo('/TraceSummaries').map((r) => r.status),
      [429, 429, 200],
    );
    assert.deepEqual(
      requestsTo('/Traces').map((r) => r.status),
      [429, 200],
    );
    assert.deepEqual(sleeps, [50, 100, 50]);
    assert.equal(progress.at(-1)?.throttled, 3);
    assert.deepEqual(
      traces.map((t) => t.Id),
      stored.map((t) => t.id),
    );
  });

  it('gives up with the ThrottledException after maxAttempts', async () => {
    await assert.rejects(
      pull(
        { traces: [traceAt(1, T0 + 10)], throttle: { '/TraceSummaries': 10 } },
        { window: hourWindow, maxAttempts: 3 },
      ),
      (error: Error) => error.name === 'ThrottledException' && /Rate exceeded/.test(error.message),
    );
    assert.equal(requestsTo('/TraceSummaries').length, 3);
  });

  it('follows BatchGetTraces pagination and assembles each trace from its pages', async () => {
    const stored = [traceAt(1, T0 + 10, 4), traceAt(2, T0 + 11, 3)];
    const { traces } = await pull({ traces: stored, segmentsPageSize: 3 }, { window: hourWindow });
    const pages = requestsTo('/Traces');
    assert.equal(pages.length, 3);
    assert.deepEqual(
      pages.map((r) => r.body.TraceIds),
      [stored.map((t) => t.id), stored.map((t) => t.id), stored.map((t) => t.id)],
    );
    assert.deepEqual(
      traces.map((t) => t.Segments?.length),
      [4, 3],
    );
  });

  it('keeps at most `concurrency` batches in flight and does not run ahead of its reader', async () => {
    const stored = Array.from({ length: 30 }, (_, n) => traceAt(n + 1, T0 + 10 + n));
    api = await startXRayApi({ traces: stored });
    const real = createXRayApi({ region: 'eu-west-1', endpoint: api.url, credentials: TEST_CREDENTIALS });
    let inFlight = 0;
    let maxInFlight = 0;
    let started = 0;
    const counting: XRayApi = {
      getTraceSummaries: (input) => real.getTraceSummaries(input),
      async batchGetTraces(input) {
        started += 1;
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          return await real.batchGetTraces(input);
        } finally {
          inFlight -= 1;
        }
      },
      destroy: () => real.destroy(),
    };
    const stream = pullTraces({ window: hourWindow, api: counting, concurrency: 2 });
    const first = await stream.next();
    assert.equal(first.done, false);
    assert.equal(started, 3, 'two launched, then one more as the first completed');
    let count = 1;
    for await (const _ of stream) count += 1;
    real.destroy();
    assert.equal(count, 30);
    assert.equal(started, 6);
    assert.equal(maxInFlight, 2);
  });
});
