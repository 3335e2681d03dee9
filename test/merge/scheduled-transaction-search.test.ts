// The scheduled merger in an account with Transaction Search: each run asks
// GetTraceSegmentDestination once and logs, once, that the window holds only the indexed share;
// with the permission missing, one warning naming the action. Real SDK, real HTTP, stand-in API.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, afterEach, before, beforeEach, describe, it, mock } from 'node:test';
import { createMergeHandler } from '../../src/merge/scheduled.ts';
import { startXRayApi, type XRayApiStandIn } from '../helpers/xray-api.ts';

const seconds = Date.parse('2020-01-21T05:27:04Z') / 1000;
const id = `1-${seconds.toString(16)}-000000000000000000000001`;

describe('mergeHandler in a Transaction Search account', () => {
  let api: XRayApiStandIn;
  let warnings: string[];
  before(async () => {
    api = await startXRayApi({
      traces: [
        {
          id,
          startTime: seconds,
          documents: [
            {
              id: '0000000000000001',
              name: 'fn',
              trace_id: id,
              start_time: seconds,
              end_time: seconds + 0.1,
            },
          ],
        },
      ],
      transactionSearch: { destination: 'CloudWatchLogs', indexingPercent: 5 },
    });
  });
  after(() => api.close());
  beforeEach(() => {
    warnings = [];
    mock.method(console, 'warn', (line: string) => warnings.push(line));
  });
  afterEach(() => mock.restoreAll());

  const run = () =>
    createMergeHandler({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      xrayEndpoint: api.url,
      sink: 'ndjson',
      out: new PassThrough(),
      intervalMs: 5 * 60_000,
      delayMs: 2 * 60_000,
    })({ time: '2020-01-21T05:35:00Z' });

  it('logs once that only the indexed share is seen, and still pulls the indexed traces', async () => {
    const before = api.requests.length;
    const summary = await run();
    assert.equal(summary.traces, 1);
    assert.deepEqual(warnings, [
      '[xray-dd-merge] WARN this account sends spans to CloudWatch Logs (Transaction Search); X-Ray indexes 5% of them, and only those are seen by GetTraceSummaries and BatchGetTraces',
      '[xray-dd-merge] WARN no trace ids given: pulling the window with GetTraceSummaries, which lists only the indexed traces (name the traces to retrieve all of their spans)',
    ]);
    const paths = api.requests.slice(before).map((r) => r.path);
    assert.equal(paths.filter((p) => p === '/GetTraceSegmentDestination').length, 1);
  });

  it('without xray:GetTraceSegmentDestination: one warning naming it', async () => {
    api.script.deny = ['/GetTraceSegmentDestination'];
    try {
      const summary = await run();
      assert.equal(summary.traces, 1);
      assert.equal(warnings.length, 1);
      assert.match(
        warnings[0] ?? '',
        /^\[xray-dd-merge\] WARN not allowed to call xray:GetTraceSegmentDestination, /,
      );
    } finally {
      api.script.deny = [];
    }
  });
});
