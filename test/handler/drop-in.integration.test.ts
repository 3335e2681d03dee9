// Drop-in for datadog-lambda-js users: a handler module written for datadog-lambda-js (importing
// datadog, getTraceHeaders and sendDistributionMetric) runs unchanged with only the import switched;
// and the traced-authorizer pair, ours as the authorizer, ours or datadog-lambda-js behind it, is one
// trace (DD_ENCODE_AUTHORIZER_CONTEXT). Real dd-trace, spans decoded from the loopback agent.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { realFixture } from '../context/fixtures.ts';
import type { AgentStandIn } from '../helpers/agent.ts';
import { lambdaContext, lambdaProcessWithPeer } from '../helpers/lambda-env.ts';

type Handler = (event: unknown, context: unknown) => Promise<any>;

let agent: AgentStandIn;
let ours: typeof import('../../src/index.ts');
let peer: { datadog: (handler: Handler, config?: Record<string, unknown>) => Handler };

before(async () => {
  agent = await lambdaProcessWithPeer();
  ours = await import('../../src/index.ts');
  peer = createRequire(import.meta.url)('datadog-lambda-js');
});
after(async () => {
  await agent.close();
});

describe('a handler module written for datadog-lambda-js, only the import switched', () => {
  it('runs unchanged: its result, trace headers of its own aws.lambda span, the metric call never throws', async () => {
    const source = readFileSync(
      new URL('../fixtures/handlers/written-for-datadog-lambda-js.mjs', import.meta.url),
      'utf8',
    );
    const switched = source.replace(
      "from 'datadog-lambda-js'",
      `from '${pathToFileURL(path.resolve('src/index.ts')).href}'`,
    );
    assert.notEqual(switched, source, 'the import was switched');
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'drop-in-')), 'handler.mjs');
    writeFileSync(file, switched);
    {
      const module = (await import(pathToFileURL(file).href)) as { handler: Handler };
      const context = lambdaContext();
      const result = await module.handler({ order: 42 }, context);
      await module.handler({ order: 43 }, lambdaContext());
      assert.equal(result.statusCode, 200);
      const body = JSON.parse(result.body);
      assert.equal(body.order, 42);
      const [span] = await agent.waitForSpans(
        1,
        'aws.lambda',
        (s) => s.meta.request_id === context.awsRequestId,
      );
      assert.equal(body.headers['x-datadog-trace-id'], String(span!.trace_id));
      assert.equal(body.headers['x-datadog-parent-id'], String(span!.span_id));
      assert.match(body.headers['x-datadog-sampling-priority'], /^-?[0-9]$/);
      // No Datadog extension here: nothing sent, never a throw (its warning: test/metrics/distribution.test.ts).
    }
  });

  it('getTraceHeaders outside an invocation: {}', () => {
    assert.deepEqual(ours.getTraceHeaders(), {});
  });
});

describe('the traced authorizer pair (DD_ENCODE_AUTHORIZER_CONTEXT)', () => {
  const authorize = async (_event: unknown, _context: unknown): Promise<Record<string, any>> => ({
    principalId: 'user-1',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' }],
    },
    context: { tier: 'gold' },
  });

  /**
   * Our authorizer's answer to a real REQUEST authorizer event, and the span it hands on: the event is
   * an API Gateway request, so its aws.apigateway span (aws.lambda's parent), as datadog-lambda-js does.
   */
  async function runAuthorizer(options: Record<string, unknown> = {}) {
    const event = realFixture('aws-lambda-go/apigw-custom-auth-request-type-request');
    const context = lambdaContext();
    const response = await ours.withXRayMerge(authorize, { xrayMetadata: false, ...options })(event, context);
    const [lambda] = await agent.waitForSpans(
      1,
      'aws.lambda',
      (s) => s.meta.request_id === context.awsRequestId,
    );
    const trigger = agent.traces
      .flat()
      .find((s) => s.name === 'aws.apigateway' && s.meta.request_id === context.awsRequestId);
    assert.ok(lambda && trigger);
    assert.equal(lambda.parent_id, trigger.span_id);
    return { event, response, span: trigger };
  }

  it('the response keeps what the authorizer returned and carries its context in context._datadog', async () => {
    const { event, response, span } = await runAuthorizer();
    assert.equal(response.principalId, 'user-1');
    assert.equal(response.context.tier, 'gold');
    const carried = JSON.parse(Buffer.from(response.context._datadog, 'base64').toString());
    assert.equal(carried['x-datadog-trace-id'], String(span.trace_id));
    assert.equal(carried['x-datadog-parent-id'], String(span.span_id));
    assert.equal(carried['x-datadog-authorizing-requestid'], event.requestContext.requestId);
    const finishMs = Number(carried['x-datadog-parent-span-finish-time']) / 1e6;
    assert.ok(finishMs >= Number(span.start + span.duration) / 1e6 - 1, 'finished after its span');
  });

  it('DD_ENCODE_AUTHORIZER_CONTEXT=false: the response as returned', async () => {
    const { response } = await runAuthorizer({ encodeAuthorizerContext: false });
    assert.deepEqual(response.context, { tier: 'gold' });
  });

  // The function behind it: a real REST API event whose authorizer context is ours, as API Gateway
  // passes the authorizer's `context` on (fresh result: integrationLatency > 0).
  const behind: Array<[string, () => Handler]> = [
    ['ours', () => ours.withXRayMerge(async () => ({ statusCode: 200 }), { xrayMetadata: false })],
    ['datadog-lambda-js', () => peer.datadog(async () => ({ statusCode: 200 }))],
  ];
  for (const [label, make] of behind) {
    it(`${label} behind it continues the authorizer's trace`, async () => {
      const { response, span } = await runAuthorizer();
      const event = realFixture('api-gateway-traced-authorizer-request-v1');
      event.requestContext.authorizer._datadog = response.context._datadog;
      event.requestContext.requestId = 'not-the-authorizing-request';
      const context = lambdaContext();
      await make()(event, context);
      const [downstream] = await agent.waitForSpans(
        1,
        'aws.lambda',
        (s) => s.meta.request_id === context.awsRequestId,
      );
      assert.equal(downstream!.trace_id, span.trace_id);
      const chain = agent.traces
        .flat()
        .filter((s) => s.trace_id === span.trace_id && s.meta.request_id === context.awsRequestId);
      const authorizerSpan = chain.find((s) => s.name === 'aws.apigateway.authorizer');
      assert.equal(
        authorizerSpan?.parent_id,
        span.span_id,
        'the inferred authorizer span hangs under the authorizer',
      );
    });
  }
});

describe('a durable function invocation', () => {
  it('aws.lambda carries aws.durable.* from the event and the execution status from the result', async () => {
    const event = {
      DurableExecutionArn:
        'arn:aws:lambda:eu-west-1:123456789012:function:checkout-fn:1/durable-execution/order-42/7f3c9a',
      InitialExecutionState: { Operations: [{ Id: 'first' }] },
    };
    const context = lambdaContext();
    const result = await ours.withXRayMerge(async (_event: unknown, _context: unknown) => ({
      Status: 'SUCCEEDED',
    }))(event, context);
    assert.deepEqual(result, { Status: 'SUCCEEDED' });
    const [span] = await agent.waitForSpans(
      1,
      'aws.lambda',
      (s) => s.meta.request_id === context.awsRequestId,
    );
    assert.equal(span!.meta['aws.durable.execution_name'], 'order-42');
    assert.equal(span!.meta['aws.durable.execution_id'], '7f3c9a');
    assert.equal(span!.meta['aws.durable.first_invocation'], 'true');
    assert.equal(span!.meta['aws.durable.execution_status'], 'SUCCEEDED');
  });
});
