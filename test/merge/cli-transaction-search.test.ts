// The CLI with Transaction Search and OpenTelemetry input, as users run it: a real child process
// (Node's type stripping runs src/cli.ts); pull talks to the loopback X-Ray API stand-in over HTTP.
// Assertions are on the exact stderr lines, stdout and exit codes.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { convertDocuments } from '../../src/merge/convert.ts';
import { formatNdjson } from '../../src/merge/sinks/ndjson.ts';
import { formatSpanJson } from '../../src/merge/span-json.ts';
import { datadogSpanId, datadogTraceId } from '../../src/xray/ids.ts';
import { AWS_TEST_ENV, root, runCli } from '../helpers/cli.ts';
import { oneSegmentTrace, type StoredTrace, startXRayApi, type XRayApiStandIn } from '../helpers/xray-api.ts';

const FIXTURES = path.join(root, 'test/fixtures/otel');

const cli = (args: string[]) => runCli(args, { env: AWS_TEST_ENV });

const T0 = 1_579_584_000;
const traceAt = (n: number) => oneSegmentTrace(n, T0);

describe('xray-dd-merge pull in a Transaction Search account', () => {
  let api: XRayApiStandIn;
  const traces = [traceAt(1), traceAt(2)];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xdm-ts-'));
  before(async () => {
    api = await startXRayApi({
      traces,
      transactionSearch: { destination: 'CloudWatchLogs', indexingPercent: 1, pollsBeforeDone: 1 },
    });
  });
  after(() => api.close());

  it('--trace-id: says where spans go, retrieves the traces, writes the spans the classic path would', async () => {
    const before = api.requests.length;
    const [a, b] = traces as [StoredTrace, StoredTrace];
    const run = await cli([
      'pull',
      '--trace-id',
      a.id,
      '--trace-id',
      b.id.replace(/^1-|-/g, ''),
      '--endpoint',
      api.url,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const windowEnd = new Date((T0 + 2 + 900) * 1000).toISOString();
    assert.deepEqual(run.stderr.split('\n'), [
      'pull: this account sends spans to CloudWatch Logs (Transaction Search); X-Ray indexes 1% of them, and only those are seen by GetTraceSummaries and BatchGetTraces',
      'pull: retrieving 2 traces by id with StartTraceRetrieval (XRAY format)',
      `pull: ${new Date((T0 + 1) * 1000).toISOString()} .. ${windowEnd}: 2 traces, 2 spans; 0 documents skipped; 0 traces unprocessed; 0 trace ids not found`,
      '',
    ]);
    const start = api.requests.slice(before).find((r) => r.path === '/StartTraceRetrieval');
    assert.deepEqual(start?.body, { TraceIds: [a.id, b.id], StartTime: T0 + 1, EndTime: T0 + 2 + 900 });
    const expected = convertDocuments(traces.flatMap((t) => t.documents)).spans;
    assert.equal(run.stdout, formatNdjson(expected));
  });

  it('--datadog: X-Ray ids from the aws.xray.trace_id tag; a compat trace without it is named as not reversible', async () => {
    const [a] = traces as [StoredTrace];
    const file = path.join(dir, 'function.ndjson');
    const tagged = {
      trace_id: datadogTraceId(a.id, 'compat').traceId,
      span_id: '11',
      parent_id: '0',
      name: 'aws.lambda',
      service: 'checkout-fn',
      resource: 'checkout-fn',
      type: 'serverless',
      start: 1n,
      duration: 1n,
      error: 0 as const,
      meta: { 'aws.xray.trace_id': a.id },
      metrics: {},
    };
    const untagged = { ...tagged, trace_id: '42', span_id: '12', meta: {} };
    writeFileSync(file, `${formatSpanJson(tagged)}\n${formatSpanJson(untagged)}\n`);
    const run = await cli(['pull', '--datadog', file, '--endpoint', api.url]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stderr.split('\n')[0],
      `pull: ${file}: 1 X-Ray trace id (1 from aws.xray.trace_id tags, 0 from full128 trace ids); 1 Datadog trace ` +
        'without either: a compat-mode trace id cannot be mapped back to X-Ray (it keeps only the last 63 bits)',
    );
    assert.match(run.stderr, /retrieving 1 trace by id with StartTraceRetrieval \(XRAY format\)/);
    assert.equal(run.stdout.trim().split('\n').length, 1);
  });

  it('a trace id that is not one is a usage error', async () => {
    const run = await cli([
      'pull',
      '--trace-id',
      'Root=1-5e272390-8c398be037738dc042009320',
      '--endpoint',
      api.url,
    ]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--trace-id must be an X-Ray \(1-…-…\) or W3C \(32 hex\) trace id, not Root=1-/);
  });

  it('--format otel asks ListRetrievedTraces for OTEL documents', async () => {
    const before = api.requests.length;
    const run = await cli([
      'pull',
      '--trace-id',
      (traces[0] as StoredTrace).id,
      '--format',
      'otel',
      '--endpoint',
      api.url,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const lists = api.requests.slice(before).filter((r) => r.path === '/ListRetrievedTraces');
    assert.deepEqual(new Set(lists.map((r) => r.body.TraceFormat)), new Set(['OTEL']));
    assert.match(run.stderr, /\(OTEL format\)/);
  });
});

describe('xray-dd-merge convert and merge with OpenTelemetry input', () => {
  it('convert reads an OTLP/JSON export (OTel .NET SDK through the collector)', async () => {
    const run = await cli(['convert', path.join(FIXTURES, 'otlp-dotnet-collector.json')]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, 'convert: 1 documents -> 2 spans; 0 skipped\n');
    const names = run.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { name: string; service: string }).name);
    assert.deepEqual(names, ['server.request', 'client.request']);
  });

  it('merge joins OTel spans of a function with its Datadog spans, as it does X-Ray segments', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'xdm-otel-'));
    const datadog = path.join(dir, 'dd.ndjson');
    // A dd-trace span inside the function, child of the OTel server span (the function segment).
    const child = {
      trace_id: datadogTraceId('1-5759e988-bd862e3fe1be46a994272793', 'compat').traceId,
      span_id: '77',
      parent_id: datadogSpanId('defdfd9912dc5a56'),
      name: 'aws.lambda',
      service: 'Scorekeep',
      resource: 'Scorekeep',
      type: 'serverless',
      start: 1_461_096_053_376_000_000n,
      duration: 20_000_000n,
      error: 0 as const,
      meta: {},
      metrics: {},
    };
    writeFileSync(datadog, `${formatSpanJson(child)}\n`);
    const run = await cli(['merge', '--xray', path.join(FIXTURES, 'twin/otel.ndjson'), '--datadog', datadog]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /^merge: 3 X-Ray documents -> 3 spans \(0 skipped\); 1 Datadog spans/);
    assert.match(run.stderr, /merge: 1 traces, 4 spans; 0 orphans/);
    const spans = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { trace_id: string; span_id: string });
    assert.equal(new Set(spans.map((s) => s.trace_id)).size, 1);
    assert.ok(spans.some((s) => s.span_id === '77'));
  });
});
