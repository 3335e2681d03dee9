// The wrapper over real dd-trace, exporting to a loopback agent stand-in; assertions are on the
// decoded wire spans.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AgentStandIn, WireSpan } from '../helpers/agent.ts';
import { FUNCTION_NAME, lambdaContext, lambdaProcess } from '../helpers/lambda-env.ts';

const ROOT = '1-5e272390-8c398be037738dc042009320';
const PARENT = '94ae789b969f1cc5';

let agent: AgentStandIn;
let wrap: typeof import('../../src/index.ts');
let tracer: typeof import('dd-trace').default;

before(async () => {
  agent = await lambdaProcess({ DD_MERGE_XRAY_TRACES: 'true', DD_ENV: 'test' });
  wrap = await import('../../src/index.ts');
  tracer = (await import('dd-trace')).default;
});
after(() => agent.close());

/** Invokes a wrapped handler and returns its `aws.lambda` span as the agent decoded it. */
async function invoke(
  handler: (event: unknown, context: never) => Promise<unknown>,
  context: Record<string, unknown>,
): Promise<{ span: WireSpan; spans: WireSpan[] }> {
  const before = agent.traces.length;
  await handler({}, lambdaContext(context) as never);
  await agent.waitForSpans(
    agent.traces
      .slice(0, before)
      .flat()
      .filter((s) => s.name === 'aws.lambda').length + 1,
    'aws.lambda',
  );
  const spans = agent.traces.slice(before).flat();
  const span = spans.find((s) => s.name === 'aws.lambda');
  assert.ok(span, 'an aws.lambda span reached the agent');
  return { span, spans };
}

describe('aws.lambda span parented on the X-Ray header', () => {
  it('compat: trace id from the Root, parent id from the Parent, USER_KEEP when sampled', async () => {
    const handler = wrap.withXRayMerge(async () => {
      tracer.trace('user.work', () => undefined);
      return 'ok';
    });
    const { span, spans } = await invoke(handler, { xRayTraceId: `Root=${ROOT};Parent=${PARENT};Sampled=1` });
    assert.equal(span.trace_id, 3995693151288333088n);
    assert.equal(span.parent_id, 10713633173203262661n);
    assert.equal(span.metrics._sampling_priority_v1, 2);
    assert.equal(span.type, 'serverless');
    assert.equal(span.resource, FUNCTION_NAME);
    assert.equal(span.service, FUNCTION_NAME);
    assert.equal(span.meta['_dd.parent_source'], 'xray');
    assert.equal(span.meta['aws.xray.trace_id'], ROOT);
    assert.equal(span.meta['span.kind'], 'server');
    assert.equal(span.meta.function_arn, 'arn:aws:lambda:eu-west-1:123456789012:function:checkout-fn');
    assert.equal(span.meta.function_version, '$LATEST');
    assert.equal(span.meta.functionname, FUNCTION_NAME);
    assert.match(span.meta.request_id ?? '', /^req-/);
    assert.match(span.meta.cold_start ?? '', /^(true|false)$/);
    const child = spans.find((s) => s.name === 'user.work');
    assert.ok(child, 'the span made inside the handler was exported');
    assert.equal(child.trace_id, span.trace_id);
    assert.equal(child.parent_id, span.span_id);
  });

  it('Sampled=0 leaves the priority to dd-trace (keep-only)', async () => {
    const handler = wrap.withXRayMerge(async () => 'ok');
    const { span } = await invoke(handler, { xRayTraceId: `Root=${ROOT};Parent=${PARENT};Sampled=0` });
    assert.equal(span.parent_id, 10713633173203262661n);
    assert.notEqual(span.metrics._sampling_priority_v1, 2);
    assert.notEqual(span.metrics._sampling_priority_v1, -1);
  });

  it('respect: Sampled=0 becomes USER_REJECT', async () => {
    const handler = wrap.withXRayMerge(async () => 'ok', { sampling: 'respect' });
    // A rejected trace is still sent to the agent (it drops it), so it can be asserted on.
    const { span } = await invoke(handler, { xRayTraceId: `Root=${ROOT};Parent=${PARENT};Sampled=0` });
    assert.equal(span.metrics._sampling_priority_v1, -1);
  });

  it('full128: _dd.p.tid carries the high 64 bits and the low 64 are unmasked', async () => {
    const root = '1-5ce31dc2-ac779014b90ce44db5e03875';
    const handler = wrap.withXRayMerge(async () => 'ok', { traceIdMode: 'full128' });
    const { span } = await invoke(handler, { xRayTraceId: `Root=${root};Parent=0b11cc4230d3e09e;Sampled=1` });
    assert.equal(span.trace_id, 0xb90ce44db5e03875n);
    assert.equal(span.parent_id, 797643193680388254n);
    assert.equal(span.meta['_dd.p.tid'], '5ce31dc2ac779014');
  });

  it('merging off: the span is a root and X-Ray is not read', async () => {
    const handler = wrap.withXRayMerge(async () => 'ok', { mergeXrayTraces: false });
    const { span } = await invoke(handler, { xRayTraceId: `Root=${ROOT};Parent=${PARENT};Sampled=1` });
    assert.equal(span.parent_id, 0n);
    assert.notEqual(span.trace_id, 3995693151288333088n);
    assert.equal(span.meta['_dd.parent_source'], undefined);
    assert.equal(span.meta['aws.xray.trace_id'], undefined);
  });

  it('a header with only a Root cannot parent: the span is a root', async () => {
    const handler = wrap.withXRayMerge(async () => 'ok');
    const { span } = await invoke(handler, { xRayTraceId: `Root=${ROOT};Sampled=1` });
    assert.equal(span.parent_id, 0n);
  });

  it('falls back to _X_AMZN_TRACE_ID when the context has no header', async () => {
    process.env._X_AMZN_TRACE_ID = `Root=${ROOT};Parent=${PARENT};Sampled=1`;
    try {
      const handler = wrap.withXRayMerge(async () => 'ok');
      const { span } = await invoke(handler, {});
      assert.equal(span.parent_id, 10713633173203262661n);
    } finally {
      delete process.env._X_AMZN_TRACE_ID;
    }
  });

  it('the context header wins over a stale _X_AMZN_TRACE_ID', async () => {
    process.env._X_AMZN_TRACE_ID = `Root=1-5ce31dc2-2c779014b90ce44db5e03875;Parent=0b11cc4230d3e09e;Sampled=1`;
    try {
      const handler = wrap.withXRayMerge(async () => 'ok');
      const { span } = await invoke(handler, { xRayTraceId: `Root=${ROOT};Parent=${PARENT};Sampled=1` });
      assert.equal(span.trace_id, 3995693151288333088n);
    } finally {
      delete process.env._X_AMZN_TRACE_ID;
    }
  });

  it('InvokeStore wins over the context (nodejs24.x runtime client)', async () => {
    const global = globalThis as { awslambda?: unknown };
    global.awslambda = { InvokeStore: { getXRayTraceId: () => `Root=${ROOT};Parent=${PARENT};Sampled=1` } };
    try {
      const handler = wrap.withXRayMerge(async () => 'ok');
      const { span } = await invoke(handler, {
        xRayTraceId: 'Root=1-5ce31dc2-2c779014b90ce44db5e03875;Parent=0b11cc4230d3e09e;Sampled=1',
      });
      assert.equal(span.parent_id, 10713633173203262661n);
    } finally {
      delete global.awslambda;
    }
  });

  it('DD_CAPTURE_LAMBDA_PAYLOAD puts the event and the response on the span, and only then', async () => {
    const handler = async (_event: unknown, _context: never) => ({ statusCode: 201, body: 'made' });
    const context = { xRayTraceId: `Root=${ROOT};Parent=${PARENT};Sampled=1` };
    const before = agent.traces.length;
    await wrap.withXRayMerge(handler, { captureLambdaPayload: true })(
      { order: { id: 'o-1' } },
      lambdaContext(context) as never,
    );
    const [captured] = await agent.waitForSpans(
      1,
      'aws.lambda',
      (s) => s.meta['function.request.order.id'] !== undefined,
    );
    assert.equal(captured!.meta['function.request.order.id'], 'o-1');
    assert.equal(
      captured!.meta['function.response.statusCode'] ??
        String(captured!.metrics['function.response.statusCode']),
      '201',
    );
    assert.equal(captured!.meta['function.response.body'], 'made');
    const { span } = await invoke(wrap.withXRayMerge(handler), context);
    assert.ok(agent.traces.length > before);
    assert.equal(Object.keys(span.meta).filter((k) => k.startsWith('function.')).length, 0, 'off by default');
  });

  it('the datadog() export behaves the same', async () => {
    const handler = wrap.datadog(async () => 'ok');
    const { span } = await invoke(handler, { xRayTraceId: `Root=${ROOT};Parent=${PARENT};Sampled=1` });
    assert.equal(span.trace_id, 3995693151288333088n);
    assert.equal(span.parent_id, 10713633173203262661n);
  });
});

describe('invocations at once in one process', () => {
  it('each span gets its own parent, with no env var set', async () => {
    delete process.env._X_AMZN_TRACE_ID;
    const headers = Array.from({ length: 8 }, (_, i) => {
      const random = (0x1000 + i).toString(16).padStart(24, '0');
      const parent = (0xabc000 + i).toString(16).padStart(16, '0');
      return { root: `1-6a000000-${random}`, parent };
    });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = 0;
    const handler = wrap.withXRayMerge(async (event: { i: number }, _context: unknown) => {
      started += 1;
      if (started === headers.length) release();
      await gate; // all eight are in flight together
      await new Promise((r) => setTimeout(r, (headers.length - event.i) * 2));
      tracer.trace('inner', () => undefined);
      return event.i;
    });
    const before = agent.traces.flat().filter((s) => s.name === 'aws.lambda').length;
    const results = await Promise.all(
      headers.map(({ root, parent }, i) =>
        handler({ i }, lambdaContext({ xRayTraceId: `Root=${root};Parent=${parent};Sampled=1` }) as never),
      ),
    );
    assert.deepEqual(results, [0, 1, 2, 3, 4, 5, 6, 7]);
    const spans = (await agent.waitForSpans(before + headers.length, 'aws.lambda')).slice(before);
    const all = agent.traces.flat();
    for (const { root, parent } of headers) {
      const traceId = BigInt(`0x${root.slice(-16)}`) & ((1n << 63n) - 1n);
      const span = spans.find((s) => s.trace_id === traceId);
      assert.ok(span, `a span for ${root}`);
      assert.equal(span.parent_id, BigInt(`0x${parent}`));
      const inner = all.find((s) => s.name === 'inner' && s.parent_id === span.span_id);
      assert.ok(inner, 'the inner span is a child of its own invocation');
      assert.equal(inner.trace_id, traceId);
    }
  });
});
