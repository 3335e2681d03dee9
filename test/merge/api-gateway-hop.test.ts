// No hop twice (README: "No hop twice"): X-Ray's AWS::ApiGateway::Stage segment and the inferred
// aws.apigateway span of the same request are one span in a merged trace. Units on the converted
// checkout trace (test/fixtures/segments/checkout-trace.json, its stage segment's request id
// b3b6d1a5-…); then end to end: the real wrapper over real dd-trace, given a real API Gateway event
// (datadog-lambda-js's event sample) for that request and the trace's X-Ray header, its spans taken
// from the loopback agent, and `xray-dd-merge merge` run as a child process on both inputs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MERGED_HOP_TAG, removeDuplicateHops } from '../../src/merge/api-gateway-hop.ts';
import { convertTraces, type XRayTrace } from '../../src/merge/convert.ts';
import { readDatadogSpans } from '../../src/merge/datadog-input.ts';
import { joinSpans } from '../../src/merge/join.ts';
import { formatNdjson } from '../../src/merge/sinks/ndjson.ts';
import type { DatadogSpan } from '../../src/merge/span.ts';
import { realFixture } from '../context/fixtures.ts';
import type { AgentStandIn, WireSpan } from '../helpers/agent.ts';
import { lambdaContext, lambdaProcess } from '../helpers/lambda-env.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const CHECKOUT = path.join(root, 'test/fixtures/segments/checkout-trace.json');
const checkout = JSON.parse(readFileSync(CHECKOUT, 'utf8')) as { Traces: XRayTrace[] };
const TRACE = '3995693151288333088'; // the checkout trace's Datadog id
const FUNCTION_SPAN = '10713633173203262661'; // its function segment 94ae789b969f1cc5
const REQUEST_ID = 'b3b6d1a5-5d77-4c4f-9e0e-2f1b3c7d9a11';
const HEADER = 'Root=1-5e272390-8c398be037738dc042009320;Parent=94ae789b969f1cc5;Sampled=1';

const xraySpans = () => convertTraces(checkout.Traces).spans;
const stageOf = (spans: DatadogSpan[]) =>
  spans.find((s) => s.meta['xray.origin'] === 'AWS::ApiGateway::Stage');

function datadogSpan(
  fields: Partial<DatadogSpan> & Pick<DatadogSpan, 'span_id' | 'name' | 'parent_id'>,
): DatadogSpan {
  return {
    trace_id: TRACE,
    service: 'checkout-fn',
    resource: fields.name,
    type: 'web',
    start: 1_579_584_424_772_000_000n,
    duration: 300_000_000n,
    error: 0,
    meta: {},
    metrics: {},
    ...fields,
  };
}

/** The function's two spans as the wrapper makes them: the inferred hop under the function segment, aws.lambda under it. */
function functionSpans(requestId = REQUEST_ID, trace = TRACE): DatadogSpan[] {
  return [
    datadogSpan({
      trace_id: trace,
      span_id: '111',
      parent_id: FUNCTION_SPAN,
      name: 'aws.apigateway',
      service: 'abc123defg.execute-api.eu-west-1.amazonaws.com',
      resource: 'GET /orders/{id}',
      meta: { 'aws.apigateway.request_id': requestId, '_inferred_span.synchronicity': 'sync', stage: 'prod' },
    }),
    datadogSpan({ trace_id: trace, span_id: '222', parent_id: '111', name: 'aws.lambda' }),
  ];
}

describe('removeDuplicateHops', () => {
  it('the same request in the same trace: the X-Ray stage span stays, with the inferred identity and tags', () => {
    const { spans, removed } = removeDuplicateHops([...xraySpans(), ...functionSpans()]);
    const stage = stageOf(spans);
    assert.ok(stage);
    assert.deepEqual(removed, [
      { trace_id: TRACE, request_id: REQUEST_ID, kept_span_id: stage.span_id, removed_span_id: '111' },
    ]);
    assert.equal(spans.filter((s) => s.name === 'aws.apigateway').length, 0, 'the inferred span is gone');
    assert.equal(stage.name, 'aws.apigateway.stage');
    assert.equal(stage.service, 'abc123defg.execute-api.eu-west-1.amazonaws.com');
    assert.equal(stage.resource, 'GET /orders/{id}');
    assert.equal(stage.meta['_merge.inferred_name'], 'aws.apigateway');
    assert.equal(stage.meta['_merge.xray_service'], 'orders-api/prod');
    assert.equal(stage.meta['_merge.xray_resource'], 'GET /prod/orders/42');
    assert.equal(stage.meta['xray.name'], 'orders-api/prod', "X-Ray's facts stay");
    assert.equal(
      stage.meta['http.url'],
      'https://abc123defg.execute-api.eu-west-1.amazonaws.com/prod/orders/42?expand=items',
    );
    assert.equal(stage.meta['_inferred_span.synchronicity'], 'sync', "the inferred span's tags come along");
    assert.equal(stage.meta[MERGED_HOP_TAG], '111');
    assert.equal(
      spans.find((s) => s.name === 'aws.lambda')?.parent_id,
      FUNCTION_SPAN,
      'aws.lambda under the function segment',
    );
  });

  // [case, the function's spans]: nothing removed
  const kept: Array<[string, DatadogSpan[]]> = [
    ['another request', functionSpans('other-request')],
    ['another trace (merging off in the function)', functionSpans(REQUEST_ID, '42')],
    ['no request id on the inferred span', functionSpans('')],
  ];
  for (const [label, own] of kept) {
    it(`${label}: both kept`, () => {
      const input = [...xraySpans(), ...own];
      const { spans, removed } = removeDuplicateHops(input);
      assert.deepEqual(removed, []);
      assert.deepEqual(spans, input);
    });
  }

  it('the input is not changed', () => {
    const input = [...xraySpans(), ...functionSpans()];
    const before = JSON.stringify(input, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    removeDuplicateHops(input);
    assert.equal(
      JSON.stringify(input, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
      before,
    );
  });

  it('joinSpans reports it, and leaves it with dedupeHops: false', () => {
    const input = [...xraySpans(), ...functionSpans()];
    assert.equal(joinSpans(input).report.duplicateHops.length, 1);
    const off = joinSpans(input, { dedupeHops: false });
    assert.deepEqual(off.report.duplicateHops, []);
    assert.equal(off.traces.flat().filter((s) => s.name === 'aws.apigateway').length, 1);
  });
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(root, 'node_modules/node22/bin/node'), ['src/cli.ts', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), NODE_NO_WARNINGS: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('merge of a real API Gateway request traced by X-Ray and by the wrapper', () => {
  let agent: AgentStandIn;
  let ours: typeof import('../../src/index.ts');
  before(async () => {
    agent = await lambdaProcess();
    ours = await import('../../src/index.ts');
  });
  after(() => agent.close());

  /** The wrapper's spans for the request, as the agent got them, in the merger's shape. */
  async function traced(mergeXrayTraces: boolean): Promise<DatadogSpan[]> {
    const event = realFixture('datadog-lambda-js/api-gateway-v1');
    // The request X-Ray recorded: API Gateway gives the function the request id its segment carries.
    event.requestContext.requestId = REQUEST_ID;
    const context = lambdaContext({ xRayTraceId: HEADER });
    await ours.withXRayMerge(async (_event: unknown, _context: unknown) => ({ statusCode: 200 }), {
      mergeXrayTraces,
      xrayMetadata: false,
    })(event, context);
    await agent.waitForSpans(1, 'aws.lambda', (s) => s.meta.request_id === context.awsRequestId);
    const wire = agent.traces.flat().filter((s: WireSpan) => s.meta.request_id === context.awsRequestId);
    const text = formatNdjson(
      wire.map((s) => ({
        ...s,
        trace_id: String(s.trace_id),
        span_id: String(s.span_id),
        parent_id: String(s.parent_id),
        type: s.type ?? '',
        error: s.error ? 1 : 0,
      })),
    );
    return readDatadogSpans(text).spans;
  }

  async function merged(spans: DatadogSpan[]) {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'hop-')), 'datadog.ndjson');
    writeFileSync(file, formatNdjson(spans));
    const run = await cli(['merge', '--xray', CHECKOUT, '--datadog', file]);
    assert.equal(run.code, 0, run.stderr);
    return { run, spans: readDatadogSpans(run.stdout).spans };
  }

  it('merging on: the hop once, aws.lambda under the function segment', async () => {
    const own = await traced(true);
    assert.deepEqual(own.map((s) => s.name).sort(), ['aws.apigateway', 'aws.lambda']);
    const { run, spans } = await merged(own);
    assert.match(run.stderr, /1 API Gateway hops recorded by both X-Ray and an inferred span, kept once/);
    const hops = spans.filter(
      (s) => s.name === 'aws.apigateway' || s.meta['xray.origin'] === 'AWS::ApiGateway::Stage',
    );
    assert.equal(hops.length, 1, JSON.stringify(hops.map((s) => [s.name, s.span_id])));
    assert.equal(hops[0]!.meta['xray.origin'], 'AWS::ApiGateway::Stage');
    assert.equal(hops[0]!.meta[MERGED_HOP_TAG], own.find((s) => s.name === 'aws.apigateway')?.span_id);
    const lambda = spans.find((s) => s.name === 'aws.lambda');
    assert.equal(lambda?.parent_id, FUNCTION_SPAN);
    assert.equal(lambda?.trace_id, TRACE);
  });

  it("merging off: the function's trace is its own, nothing removed", async () => {
    const own = await traced(false);
    const { run, spans } = await merged(own);
    assert.doesNotMatch(run.stderr, /API Gateway hops/);
    assert.equal(spans.filter((s) => s.name === 'aws.apigateway').length, 1);
    assert.ok(stageOf(spans));
  });
});
