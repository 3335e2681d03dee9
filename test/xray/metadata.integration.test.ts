// The datadog-metadata subsegment from a real invocation: real dd-trace exporting to a loopback
// agent, datagrams at a loopback daemon, asserted byte for byte against the span the agent received.
//
// Until event sources choose a parent end to end, the unit-level cases hand the invocation its
// ChosenParent: the parent the span was really started under, relabelled as coming from an event
// (or a hand-built one), which is exactly what the metadata code reads.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Config } from '../../src/config.ts';
import type { ChosenParent } from '../../src/context/parent.ts';
import type { Invocation } from '../../src/handler/invocation.ts';
import type { AgentStandIn, WireSpan } from '../helpers/agent.ts';
import { type DaemonStandIn, type Datagram, parseDatagram, startDaemon } from '../helpers/daemon.ts';
import { lambdaContext, lambdaProcess } from '../helpers/lambda-env.ts';

const ROOT = '1-5e272390-8c398be037738dc042009320';
const PARENT = '94ae789b969f1cc5';

let agent: AgentStandIn;
let daemon: DaemonStandIn;
let config: Config;
let tracer: import('dd-trace').Tracer;
let InvocationClass: typeof Invocation;
let emitter: typeof import('../../src/xray/emitter.ts');
let wrap: typeof import('../../src/index.ts');
let chooseParent: typeof import('../../src/context/parent.ts').chooseParent;

before(async () => {
  daemon = await startDaemon();
  agent = await lambdaProcess({ DD_MERGE_XRAY_TRACES: 'true', AWS_XRAY_DAEMON_ADDRESS: daemon.address });
  const { resolveConfig } = await import('../../src/config.ts');
  const { getTracer } = await import('../../src/tracer/dd-trace.ts');
  config = resolveConfig();
  const found = getTracer(config);
  assert.ok(found, 'dd-trace loads');
  tracer = found;
  InvocationClass = (await import('../../src/handler/invocation.ts')).Invocation;
  emitter = await import('../../src/xray/emitter.ts');
  wrap = await import('../../src/index.ts');
  chooseParent = (await import('../../src/context/parent.ts')).chooseParent;
});
after(async () => {
  await agent.close();
  await daemon.close();
});

/** Sends a marker datagram on the emitter's socket and returns what arrived before it. */
async function datagramsUntilControl(): Promise<Datagram[]> {
  const start = daemon.datagrams.length;
  emitter.sendToDaemon(daemon.address, { name: 'control' });
  for (let count = start + 1; ; count += 1) {
    const all = (await daemon.waitFor(count)).slice(start);
    const at = all.findIndex((d) => parseDatagram(d.bytes).document.name === 'control');
    if (at >= 0) return all.slice(0, at);
  }
}

/** Awaits the first exported aws.lambda span that matches. */
async function exportedWhere(matches: (span: WireSpan) => boolean): Promise<WireSpan> {
  for (let count = 1; ; count += 1) {
    const span = (await agent.waitForSpans(count, 'aws.lambda')).find(matches);
    if (span) return span;
  }
}

/** Awaits the exported span with this span id. */
function exported(spanId: string): Promise<WireSpan> {
  const id = BigInt(spanId);
  return exportedWhere((s) => s.span_id === id);
}

/** Starts an invocation for `header`, then gives it `relabel(parent, spanTraceId)` as its parent. */
function invocationWith(
  header: string,
  relabel: (parent: ChosenParent, spanTraceId: string) => ChosenParent,
): Invocation {
  const invocation = new InvocationClass({ config, tracer }, {}, lambdaContext({ xRayTraceId: header }));
  const parent = relabel(invocation.parent, invocation.span.context().toTraceId());
  Object.defineProperty(invocation, 'parent', { value: parent });
  return invocation;
}

const asEvent = (parent: ChosenParent): ChosenParent => ({ ...parent, source: 'event' });

const DATAGRAM = new RegExp(
  '^\\{"format":"json","version":1\\}\\n' +
    '\\{"id":"[0-9a-f]{16}","trace_id":"1-5e272390-8c398be037738dc042009320","parent_id":"94ae789b969f1cc5",' +
    '"name":"datadog-metadata","start_time":(\\d{10}(?:\\.\\d{1,3})?),"end_time":\\1,"type":"subsegment",' +
    '"metadata":\\{"datadog":\\{"trace":\\{"trace-id":"(\\d+)","parent-id":"(\\d+)","sampling-priority":"(-?\\d)"\\}' +
    '(,"lambda_function_tags":\\{[^}]*\\})?\\}\\}\\}$',
);

describe('datadog-metadata at the loopback daemon', () => {
  it('sampled: one datagram when the invocation ends, with the ids the exported span has', async () => {
    const started = Date.now() / 1000;
    const invocation = invocationWith(`Root=${ROOT};Parent=${PARENT};Sampled=1`, asEvent);
    invocation.span.setTag('function_trigger.event_source', 'api-gateway');
    invocation.span.setTag('http.status_code', '201');
    assert.deepEqual(await datagramsUntilControl(), [], 'nothing is sent while the invocation runs');
    invocation.finish();
    const ended = Date.now() / 1000;
    const sent = await datagramsUntilControl();
    assert.equal(sent.length, 1, 'one subsegment per invocation, trace and tags together');
    const text = sent[0]?.bytes.toString('utf8') ?? '';
    const match = DATAGRAM.exec(text);
    assert.ok(match, text);
    const [, time, traceId, parentId, priority, tags] = match;
    const wire = await exported(invocation.span.context().toSpanId());
    assert.equal(traceId, wire.trace_id.toString());
    assert.equal(traceId, '3995693151288333088');
    assert.equal(
      parentId,
      wire.parent_id.toString(),
      'parent-id is the span its aws.lambda span hangs under',
    );
    assert.equal(priority, String(wire.metrics._sampling_priority_v1));
    assert.equal(priority, '2');
    assert.equal(
      tags,
      ',"lambda_function_tags":{"function_trigger.event_source":"api-gateway","http.status_code":"201"}',
    );
    assert.ok(Number(time) >= Math.floor(started * 1000) / 1000 && Number(time) <= ended, `time ${time}`);
  });

  it('finishing twice (callback then timeout) still sends one', async () => {
    const invocation = invocationWith(`Root=${ROOT};Parent=${PARENT};Sampled=1`, asEvent);
    invocation.finish();
    invocation.finish(new Error('late'));
    assert.equal((await datagramsUntilControl()).length, 1);
  });

  // [case, header] where nothing may be sent though the context came from an event
  const silent: Array<[string, string]> = [
    ['unsampled (Sampled=0)', `Root=${ROOT};Parent=${PARENT};Sampled=0`],
    ['Sampled=?', `Root=${ROOT};Parent=${PARENT};Sampled=?`],
    ['only a Root: no segment to hang it under', `Root=${ROOT};Sampled=1`],
  ];
  for (const [name, header] of silent) {
    it(`${name}: nothing sent`, async () => {
      const invocation = invocationWith(header, (parent, traceId) => ({
        ...parent,
        source: 'event',
        // The span's own trace, so only the header decides.
        context: parent.context ?? { traceId, parentId: '1234567890' },
      }));
      invocation.finish();
      assert.deepEqual(await datagramsUntilControl(), []);
      await exported(invocation.span.context().toSpanId());
    });
  }

  it('oversize trigger tags are trimmed: the trace still arrives, in under 65,507 bytes', async () => {
    const invocation = invocationWith(`Root=${ROOT};Parent=${PARENT};Sampled=1`, asEvent);
    invocation.span.setTag('function_trigger.event_source', 'api-gateway');
    invocation.span.setTag('http.url', `https://example.com/${'a'.repeat(70_000)}`);
    invocation.finish();
    const [sent, ...more] = await datagramsUntilControl();
    assert.ok(sent);
    assert.equal(more.length, 0);
    assert.ok(sent.bytes.length <= emitter.MAX_DATAGRAM_BYTES);
    const match = DATAGRAM.exec(sent.bytes.toString('utf8'));
    assert.ok(match);
    assert.equal(match[2], '3995693151288333088');
    assert.equal(match[5], undefined, 'lambda_function_tags was dropped');
  });

  it('DD_XRAY_METADATA=false: nothing sent', async () => {
    const off = new InvocationClass(
      { config: { ...config, xrayMetadata: false }, tracer },
      {},
      lambdaContext({ xRayTraceId: `Root=${ROOT};Parent=${PARENT};Sampled=1` }),
    );
    Object.defineProperty(off, 'parent', { value: asEvent(off.parent) });
    off.finish();
    assert.deepEqual(await datagramsUntilControl(), []);
  });

  it('an invalid daemon address: the invocation is unaffected and nothing is sent', async () => {
    const bad = new InvocationClass(
      { config: { ...config, daemonAddress: 'udp:127.0.0.1:2000' }, tracer },
      {},
      lambdaContext({ xRayTraceId: `Root=${ROOT};Parent=${PARENT};Sampled=1` }),
    );
    Object.defineProperty(bad, 'parent', { value: asEvent(bad.parent) });
    assert.doesNotThrow(() => bad.finish());
    assert.deepEqual(await datagramsUntilControl(), []);
    const wire = await exported(bad.span.context().toSpanId());
    assert.equal(wire.trace_id, 3995693151288333088n);
  });

  it('through the wrapper, a context that came from X-Ray: X-Ray already knows, nothing sent', async () => {
    const handler = wrap.withXRayMerge(async (_event: unknown, _context: unknown) => ({ statusCode: 200 }));
    await handler({}, lambdaContext({ xRayTraceId: `Root=${ROOT};Parent=${PARENT};Sampled=1` }) as never);
    assert.deepEqual(await datagramsUntilControl(), []);
  });
});

// An API Gateway request carrying an upstream Datadog context, in an X-Ray-sampled invocation.
const UPSTREAM_TRACE = '1311768467463790320';
const UPSTREAM_SPAN = '8070450532247928832';
const apiGatewayEvent = {
  resource: '/items',
  path: '/items',
  httpMethod: 'GET',
  headers: {
    'x-datadog-trace-id': UPSTREAM_TRACE,
    'x-datadog-parent-id': UPSTREAM_SPAN,
    'x-datadog-sampling-priority': '2',
  },
  multiValueHeaders: {},
  requestContext: {
    accountId: '123456789012',
    apiId: 'abc123',
    stage: 'prod',
    httpMethod: 'GET',
    path: '/prod/items',
    domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
    requestId: 'r-1',
  },
  body: null,
  isBase64Encoded: false,
};

describe('end to end: an event-sourced Datadog context', () => {
  it('the wrapper tells X-Ray the event’s Datadog ids and trigger tags in one subsegment', async (t) => {
    const chosen = chooseParent(
      config,
      apiGatewayEvent,
      lambdaContext({ xRayTraceId: `Root=${ROOT};Parent=${PARENT};Sampled=1` }),
    );
    if (chosen.source !== 'event') {
      t.skip('event sources do not choose the parent yet (issue 5)');
      return;
    }
    const handler = wrap.withXRayMerge(async (_event: unknown, _context: unknown) => ({
      statusCode: 200,
      body: 'ok',
    }));
    await handler(
      apiGatewayEvent,
      lambdaContext({ xRayTraceId: `Root=${ROOT};Parent=${PARENT};Sampled=1` }) as never,
    );
    const sent = await datagramsUntilControl();
    assert.equal(sent.length, 1);
    const { document } = parseDatagram(sent[0]?.bytes ?? Buffer.alloc(0));
    assert.equal(document.trace_id, ROOT);
    assert.equal(document.parent_id, PARENT);
    assert.deepEqual(document.metadata?.datadog?.trace, {
      'trace-id': UPSTREAM_TRACE,
      'parent-id': UPSTREAM_SPAN,
      'sampling-priority': '2',
    });
    const span = await exportedWhere((s) => s.trace_id === BigInt(UPSTREAM_TRACE));
    assert.equal(span.parent_id, BigInt(UPSTREAM_SPAN));
    // Whatever trigger tags the span carries, the subsegment carries the same.
    const tags = document.metadata?.datadog?.lambda_function_tags ?? {};
    for (const [key, value] of Object.entries(tags)) {
      assert.equal(String(span.meta[key] ?? span.metrics[key]), value, key);
    }
    if (span.meta['function_trigger.event_source'] !== undefined) {
      assert.equal(tags['function_trigger.event_source'], span.meta['function_trigger.event_source']);
    }
  });
});
