// The scheduled merger: which window a run owns, its settings from the environment, and one run
// end to end against the loopback X-Ray API and agent stand-ins with the real X-Ray client.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { mergerEnvironment } from '../../src/config.ts';
import {
  MERGER_DEFAULTS,
  type MergerSettings,
  resolveMergerSettings,
} from '../../src/merge/merger-config.ts';
import { createProgressReporter } from '../../src/merge/progress.ts';
import type { PullProgress } from '../../src/merge/pull.ts';
import { createMergeHandler, MergeEventError, windowOfEvent } from '../../src/merge/scheduled.ts';
import { scheduledWindow, splitWindow } from '../../src/merge/window.ts';
import { type AgentStandIn, startAgent } from '../helpers/agent.ts';
import { startXRayApi, type XRayApiStandIn } from '../helpers/xray-api.ts';

const MINUTE = 60_000;
const settings: MergerSettings = { ...MERGER_DEFAULTS, intervalMs: 5 * MINUTE, delayMs: 2 * MINUTE };
const at = (iso: string) => Date.parse(iso);

describe('scheduled window', () => {
  it('is the aligned interval that ended before time - delay', () => {
    assert.deepEqual(windowOfEvent({ time: '2024-05-01T12:05:00Z' }, settings, 0), {
      start: at('2024-05-01T11:55:00Z'),
      end: at('2024-05-01T12:00:00Z'),
    });
  });

  it('is the same for every run of one tick, and adjacent for consecutive ticks', () => {
    const ticks = ['2024-05-01T12:05:00Z', '2024-05-01T12:10:00Z', '2024-05-01T12:15:00Z'];
    const windows = ticks.map((time) => windowOfEvent({ time }, settings, 0));
    for (let i = 1; i < windows.length; i += 1) assert.equal(windows[i]?.start, windows[i - 1]?.end);
    // A run late by seconds (scheduler jitter, retry) still owns its tick's window.
    assert.deepEqual(windowOfEvent({ time: '2024-05-01T12:05:41Z' }, settings, 0), windows[0]);
  });

  it('takes an explicit window from the event (ISO or epoch seconds), for backfills split across runs', () => {
    assert.deepEqual(
      windowOfEvent({ window: { start: '2024-05-01T00:00:00Z', end: 1714536000 } }, settings, 0),
      { start: at('2024-05-01T00:00:00Z'), end: at('2024-05-01T04:00:00Z') },
    );
  });

  it('uses the clock when the event has no time (a manual invoke)', () => {
    assert.deepEqual(
      windowOfEvent({}, settings, at('2024-05-01T12:07:00Z')),
      scheduledWindow(at('2024-05-01T12:07:00Z'), 5 * MINUTE, 2 * MINUTE),
    );
  });

  const bad: Array<[string, Parameters<typeof windowOfEvent>[0]]> = [
    ['an end before the start', { window: { start: 20, end: 10 } }],
    ['an unreadable start', { window: { start: 'yesterday-ish', end: 10 } }],
    ['an unreadable time', { time: 'noon' }],
  ];
  for (const [what, event] of bad) {
    it(`rejects ${what}`, () => assert.throws(() => windowOfEvent(event, settings, 0), MergeEventError));
  }

  it('splitWindow keeps pieces at or under six hours and covers the window exactly', () => {
    const pieces = splitWindow({ start: 0, end: 13 * 3_600_000 });
    assert.deepEqual(
      pieces.map((p) => (p.end - p.start) / 3_600_000),
      [6, 6, 1],
    );
    assert.equal(pieces[0]?.start, 0);
    assert.equal(pieces.at(-1)?.end, 13 * 3_600_000);
  });
});

describe('merger settings from the environment', () => {
  it('reads every variable', () => {
    const resolved = resolveMergerSettings(
      mergerEnvironment({
        DD_TRACE_AGENT_URL: 'http://10.0.0.5:8126',
        DD_XRAY_TRACE_ID_MODE: 'FULL128',
        DD_MERGER_INTERVAL: '10m',
        DD_MERGER_DELAY: '30s',
        DD_MERGER_FILTER_EXPRESSION: ' service("a") ',
        DD_MERGER_SINK: 'ndjson',
        DD_MERGER_XRAY_ENDPOINT: 'https://xray.eu-west-1.amazonaws.com',
        DD_MERGER_CONCURRENCY: '8',
        DD_MERGER_INCLUDE_METADATA: 'yes',
      }),
    );
    assert.deepEqual(resolved, {
      agentUrl: 'http://10.0.0.5:8126',
      traceIdMode: 'full128',
      intervalMs: 10 * MINUTE,
      delayMs: 30_000,
      filterExpression: 'service("a")',
      sink: 'ndjson',
      xrayEndpoint: 'https://xray.eu-west-1.amazonaws.com',
      concurrency: 8,
      includeMetadata: true,
    });
  });

  it('builds the agent URL from DD_AGENT_HOST and DD_TRACE_AGENT_PORT', () => {
    assert.equal(
      resolveMergerSettings(mergerEnvironment({ DD_AGENT_HOST: 'agent.local', DD_TRACE_AGENT_PORT: '9126' }))
        .agentUrl,
      'http://agent.local:9126',
    );
  });

  it('falls back to the default for each bad value, with one warning naming the variable', (t) => {
    const warn = t.mock.method(console, 'warn', () => undefined);
    const resolved = resolveMergerSettings(
      mergerEnvironment({
        DD_TRACE_AGENT_URL: 'not a url',
        DD_XRAY_TRACE_ID_MODE: 'wide',
        DD_MERGER_INTERVAL: 'often',
        DD_MERGER_SINK: 'fax',
        DD_MERGER_CONCURRENCY: '0',
        DD_MERGER_XRAY_ENDPOINT: 'ftp://x',
      }),
    );
    const { xrayEndpoint, ...rest } = resolved;
    assert.equal(xrayEndpoint, undefined);
    assert.deepEqual(rest, MERGER_DEFAULTS);
    const warnings = warn.mock.calls.map((call) => String(call.arguments[0]));
    assert.deepEqual(
      warnings.map((w) => /WARN (\w+)=/.exec(w)?.[1]),
      [
        'DD_TRACE_AGENT_URL',
        'DD_XRAY_TRACE_ID_MODE',
        'DD_MERGER_INTERVAL',
        'DD_MERGER_SINK',
        'DD_MERGER_CONCURRENCY',
        'DD_MERGER_XRAY_ENDPOINT',
      ],
    );
    assert.match(warnings[1] ?? '', /DD_XRAY_TRACE_ID_MODE="wide" is not valid; using "compat"/);
  });
});

describe('pull progress on stderr', () => {
  const progress = (windowsDone: number, traces: number): PullProgress => ({
    windowsTotal: 2,
    windowsDone,
    traces,
    summaries: traces,
    throttled: 0,
    unprocessed: [],
  });

  it('draws a bar in place on a terminal and ends its line', () => {
    let text = '';
    let now = 0;
    const reporter = createProgressReporter(
      { isTTY: true, columns: 100, write: (t: string) => (text += t) },
      () => now,
    );
    reporter.update(progress(0, 0));
    now += 10;
    reporter.update(progress(0, 5)); // too soon to redraw
    now += 100;
    reporter.update(progress(1, 7));
    reporter.update(progress(2, 9)); // the last window always draws
    reporter.done();
    assert.equal(
      text,
      '\r[------------------------] 0/2 windows · 0 traces\x1b[K' +
        '\r[############------------] 1/2 windows · 7 traces\x1b[K' +
        '\r[########################] 2/2 windows · 9 traces\x1b[K\n',
    );
  });

  it('writes one plain line per finished window otherwise', () => {
    let text = '';
    const reporter = createProgressReporter({ write: (t: string) => (text += t) });
    for (const p of [progress(0, 0), progress(0, 3), progress(1, 3), progress(1, 4), progress(2, 6)])
      reporter.update(p);
    reporter.done();
    assert.equal(
      text,
      'pull: 2 windows\npull: window 1/2 done · 3 traces\npull: window 2/2 done · 6 traces\n',
    );
  });
});

describe('mergeHandler run', () => {
  let api: XRayApiStandIn;
  let agent: AgentStandIn;
  const tick = '2020-01-21T05:35:00Z'; // window 05:25..05:30 with a 5m interval and 2m delay
  const inWindow = Date.parse('2020-01-21T05:27:04Z') / 1000;

  before(async () => {
    const checkout = JSON.parse(
      readFileSync(new URL('../fixtures/segments/checkout-trace.json', import.meta.url), 'utf8'),
    ) as { Traces: Array<{ Id: string; Segments: Array<{ Document: string }> }> };
    const trace = checkout.Traces[0] as (typeof checkout.Traces)[number];
    api = await startXRayApi({
      traces: [
        {
          id: trace.Id,
          startTime: inWindow,
          documents: trace.Segments.map((s) => JSON.parse(s.Document) as Record<string, unknown>),
        },
      ],
    });
    agent = await startAgent();
  });
  after(async () => {
    await api.close();
    await agent.close();
  });

  const handlerOptions = () => ({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    xrayEndpoint: api.url,
    agentUrl: agent.url,
    intervalMs: 5 * MINUTE,
    delayMs: 2 * MINUTE,
  });

  it('pulls the window of its tick and sends the converted trace to the agent', async () => {
    const before = api.requests.length;
    const summary = await createMergeHandler(handlerOptions())({ time: tick });
    assert.deepEqual(summary.window, { start: '2020-01-21T05:25:00.000Z', end: '2020-01-21T05:30:00.000Z' });
    assert.equal(summary.traces, 1);
    assert.equal(summary.spans, 9);
    assert.equal(summary.skipped, 0);
    const summaries = api.requests.slice(before).filter((r) => r.path === '/TraceSummaries');
    assert.deepEqual(
      summaries.map((r) => [r.body.StartTime, r.body.EndTime]),
      [[Date.parse('2020-01-21T05:25:00Z') / 1000, Date.parse('2020-01-21T05:30:00Z') / 1000]],
    );
    const spans = await agent.waitForSpans(9);
    assert.ok(spans.every((s) => s.trace_id === 3995693151288333088n));
    assert.ok(spans.some((s) => s.name === 'aws.lambda.function' && s.span_id === 10713633173203262661n));
  });

  it('a re-run of the same tick sends identical spans (idempotent windows)', async () => {
    const first = agent.traces.length;
    await createMergeHandler(handlerOptions())({ time: tick });
    await createMergeHandler(handlerOptions())({ time: tick });
    const [a, b] = agent.traces.slice(first);
    assert.ok(a && b);
    assert.deepEqual(b, a);
  });

  it('a tick whose window holds no traces sends nothing', async () => {
    const requests = agent.requests.length;
    const summary = await createMergeHandler(handlerOptions())({ time: '2020-01-21T06:35:00Z' });
    assert.equal(summary.traces, 0);
    assert.equal(agent.requests.length, requests);
  });

  it('writes NDJSON instead when the sink is ndjson', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => {
      text += c.toString();
    });
    const summary = await createMergeHandler({ ...handlerOptions(), sink: 'ndjson', out })({
      window: { start: inWindow - 1, end: inWindow + 1 },
    });
    assert.equal(summary.spans, 9);
    assert.equal(text.trim().split('\n').length, 9);
  });
});

describe('mergeHandler run: an invocation called by a Datadog-traced host (hybrid join)', () => {
  let api: XRayApiStandIn;
  let agent: AgentStandIn;
  const inWindow = Date.parse('2020-01-21T05:27:04Z') / 1000;
  const UPSTREAM = {
    'trace-id': '1311979541735842151',
    'parent-id': '8812930582129472881',
    'sampling-priority': '1',
  };

  before(async () => {
    const checkout = JSON.parse(
      readFileSync(new URL('../fixtures/segments/checkout-trace.json', import.meta.url), 'utf8'),
    ) as { Traces: Array<{ Id: string; Segments: Array<{ Document: string }> }> };
    const trace = checkout.Traces[0] as (typeof checkout.Traces)[number];
    const documents = trace.Segments.map((s) => JSON.parse(s.Document) as Record<string, unknown>);
    // The metadata subsegment as the daemon received it, standalone under the function segment.
    documents.push({
      id: 'c0ffee0000000001',
      name: 'datadog-metadata',
      type: 'subsegment',
      trace_id: trace.Id,
      parent_id: '94ae789b969f1cc5',
      start_time: 1579584425.07,
      end_time: 1579584425.07,
      metadata: { datadog: { trace: UPSTREAM } },
    });
    api = await startXRayApi({ traces: [{ id: trace.Id, startTime: inWindow, documents }] });
    agent = await startAgent();
  });
  after(async () => {
    await api.close();
    await agent.close();
  });

  it('sends the X-Ray spans in the upstream trace, under the upstream span, tagged with DD_ENV', async () => {
    const summary = await createMergeHandler({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      xrayEndpoint: api.url,
      agentUrl: agent.url,
      env: 'prod',
    })({ window: { start: inWindow - 1, end: inWindow + 1 } });
    assert.equal(summary.spans, 10);
    assert.equal(summary.joinedInvocations, 1);
    assert.equal(summary.malformedMetadata, 0);
    const spans = await agent.waitForSpans(10);
    assert.ok(spans.every((s) => s.trace_id === 1311979541735842151n));
    assert.ok(spans.every((s) => s.meta.env === 'prod'));
    const stage = spans.find((s) => s.name === 'aws.apigateway.stage');
    assert.equal(stage?.parent_id, 8812930582129472881n);
  });

  it('DD_ENV is the env setting of the merger', () => {
    assert.equal(resolveMergerSettings(mergerEnvironment({ DD_ENV: ' prod ' })).env, 'prod');
    assert.equal(resolveMergerSettings(mergerEnvironment({})).env, undefined);
  });
});
