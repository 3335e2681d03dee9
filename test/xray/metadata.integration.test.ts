// The datadog-metadata subsegment from real invocations: the wrapper over real dd-trace exporting
// to a loopback agent, an API Gateway request carrying an upstream Datadog context, and the
// datagrams at a loopback daemon asserted byte for byte against the span the agent received.
//
// "Nothing sent" is proved without sleeping: after the invocation a control datagram goes out on
// the emitter's own socket, and whatever the invocation sent would have arrived before it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AgentStandIn, WireSpan } from '../helpers/agent.ts';
import { type DaemonStandIn, type Datagram, parseDatagram, startDaemon } from '../helpers/daemon.ts';
import { lambdaContext, lambdaProcess } from '../helpers/lambda-env.ts';

const ROOT = '1-5e272390-8c398be037738dc042009320';
const PARENT = '94ae789b969f1cc5';
const SAMPLED = `Root=${ROOT};Parent=${PARENT};Sampled=1`;
// The upstream Datadog context the request carries.
const UPSTREAM_TRACE = '1311768467463790320';
const UPSTREAM_SPAN = '8070450532247928832';

let agent: AgentStandIn;
let daemon: DaemonStandIn;
let wrap: typeof import('../../src/index.ts');
let emitter: typeof import('../../src/xray/emitter.ts');

before(async () => {
  daemon = await startDaemon();
  agent = await lambdaProcess({ DD_MERGE_XRAY_TRACES: 'true', AWS_XRAY_DAEMON_ADDRESS: daemon.address });
  wrap = await import('../../src/index.ts');
  emitter = await import('../../src/xray/emitter.ts');
});
after(async () => {
  await agent.close();
  await daemon.close();
});

/** An API Gateway REST request with Datadog headers (and, optionally, a long path). */
function apiGatewayEvent(path = '/prod/items', priority = '2') {
  return {
    resource: '/items',
    path: '/items',
    httpMethod: 'GET',
    headers: {
      'x-datadog-trace-id': UPSTREAM_TRACE,
      'x-datadog-parent-id': UPSTREAM_SPAN,
      'x-datadog-sampling-priority': priority,
    },
    multiValueHeaders: {},
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      stage: 'prod',
      httpMethod: 'GET',
      path,
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      requestId: 'r-1',
    },
    body: null,
    isBase64Encoded: false,
  };
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
const created = (options?: import('../../src/index.ts').Options): Handler =>
  wrap.withXRayMerge(
    async (_event: unknown, _context: unknown) => ({ statusCode: 201, body: 'ok' }),
    // The datagram's ids are compared with aws.lambda's parent: no managed-service span in between.
    { traceManagedServices: false, ...options },
  );

/** Invokes, then returns the datagrams the invocation sent and its exported aws.lambda span. */
async function invoke(
  handler: Handler,
  event: unknown,
  header: string,
): Promise<{ sent: Datagram[]; span: WireSpan }> {
  const context = lambdaContext({ xRayTraceId: header });
  await handler(event, context);
  const sent = await datagramsUntilControl();
  let span: WireSpan | undefined;
  for (let count = 1; !span; count += 1) {
    span = (await agent.waitForSpans(count, 'aws.lambda')).find(
      (s) => s.meta.request_id === context.awsRequestId,
    );
  }
  return { sent, span };
}

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

/** The whole datagram; only the random id, the time and the tags object vary. */
const DATAGRAM = new RegExp(
  '^\\{"format":"json","version":1\\}\\n' +
    '\\{"id":"[0-9a-f]{16}","trace_id":"1-5e272390-8c398be037738dc042009320","parent_id":"94ae789b969f1cc5",' +
    '"name":"datadog-metadata","start_time":(\\d{10}(?:\\.\\d{1,3})?),"end_time":\\1,"type":"subsegment",' +
    '"metadata":\\{"datadog":\\{"trace":\\{"trace-id":"(\\d+)","parent-id":"(\\d+)","sampling-priority":"(-?\\d)"\\}' +
    '(?:,"lambda_function_tags":(\\{[^}]*\\}))?\\}\\}\\}$',
);

describe('datadog-metadata at the loopback daemon', () => {
  it('sampled: one datagram at the end, with the ids the exported span has and its trigger tags', async () => {
    const handler = created();
    const started = Date.now() / 1000;
    const { sent, span } = await invoke(handler, apiGatewayEvent(), SAMPLED);
    const ended = Date.now() / 1000;
    assert.equal(sent.length, 1, 'one subsegment per invocation, trace and tags together');
    const text = sent[0]?.bytes.toString('utf8') ?? '';
    const match = DATAGRAM.exec(text);
    assert.ok(match, text);
    const [, time, traceId, parentId, priority, tags] = match;
    // As datadog-lambda-js: the incoming context, i.e. the span's trace and the span it hangs under.
    assert.equal(traceId, UPSTREAM_TRACE);
    assert.equal(traceId, span.trace_id.toString());
    // The upstream context parents the span; the X-Ray trace it ran in is still named on it.
    assert.equal(span.meta['aws.xray.trace_id'], '1-5e272390-8c398be037738dc042009320');
    assert.equal(parentId, UPSTREAM_SPAN);
    assert.equal(parentId, span.parent_id.toString());
    assert.equal(priority, '2');
    assert.equal(priority, String(span.metrics._sampling_priority_v1));
    assert.ok(Number(time) >= Math.floor(started * 1000) / 1000 && Number(time) <= ended, `time ${time}`);
    // The trigger tags are the ones on the span, status code included.
    const functionTags = JSON.parse(tags ?? '{}') as Record<string, string>;
    assert.equal(functionTags['function_trigger.event_source'], 'api-gateway');
    assert.equal(functionTags['http.status_code'], '201');
    for (const [key, value] of Object.entries(functionTags)) {
      assert.equal(String(span.meta[key] ?? span.metrics[key]), value, key);
    }
  });

  it('the priority sent is the one the span ends with', async () => {
    const { sent, span } = await invoke(created(), apiGatewayEvent(undefined, '1'), SAMPLED);
    const match = DATAGRAM.exec(sent[0]?.bytes.toString('utf8') ?? '');
    assert.ok(match);
    assert.equal(match[4], '1');
    assert.equal(match[4], String(span.metrics._sampling_priority_v1));
  });

  // [case, header] where nothing may be sent though the context came from the event
  const silent: Array<[string, string]> = [
    ['unsampled (Sampled=0)', `Root=${ROOT};Parent=${PARENT};Sampled=0`],
    ['Sampled=?', `Root=${ROOT};Parent=${PARENT};Sampled=?`],
    ['only a Root: no segment to hang it under', `Root=${ROOT};Sampled=1`],
  ];
  for (const [name, header] of silent) {
    it(`${name}: nothing sent`, async () => {
      const { sent, span } = await invoke(created(), apiGatewayEvent(), header);
      assert.deepEqual(sent, []);
      assert.equal(span.trace_id, BigInt(UPSTREAM_TRACE), 'the event context was the parent');
    });
  }

  it('oversize trigger tags are trimmed: the trace still arrives, within 65,507 bytes', async () => {
    const { sent, span } = await invoke(created(), apiGatewayEvent(`/prod/${'a'.repeat(70_000)}`), SAMPLED);
    // dd-trace cuts tag values to 25,000 characters on export; the live tags read at the end are whole.
    assert.ok((span.meta['http.url'] ?? '').length >= 25_000, 'the span has the long URL');
    assert.equal(sent.length, 1);
    const bytes = sent[0]?.bytes ?? Buffer.alloc(0);
    assert.ok(bytes.length <= emitter.MAX_DATAGRAM_BYTES);
    const match = DATAGRAM.exec(bytes.toString('utf8'));
    assert.ok(match);
    assert.equal(match[2], UPSTREAM_TRACE);
    assert.equal(match[5], undefined, 'lambda_function_tags was dropped');
  });

  it('DD_XRAY_METADATA=false: nothing sent', async () => {
    const { sent } = await invoke(created({ xrayMetadata: false }), apiGatewayEvent(), SAMPLED);
    assert.deepEqual(sent, []);
  });

  it('an invalid daemon address: the invocation is unaffected and nothing is sent', async () => {
    const handler = created({ daemonAddress: 'udp:127.0.0.1:2000' });
    const context = lambdaContext({ xRayTraceId: SAMPLED });
    assert.deepEqual(await handler(apiGatewayEvent(), context), { statusCode: 201, body: 'ok' });
    assert.deepEqual(await datagramsUntilControl(), []);
  });

  it('a context that came from X-Ray: X-Ray already knows, nothing sent', async () => {
    const { sent, span } = await invoke(created(), {}, SAMPLED);
    assert.deepEqual(sent, []);
    assert.equal(span.trace_id, 3995693151288333088n);
  });

  it('finishing twice (completion, then the timeout guard) still sends one', async () => {
    const { Invocation } = await import('../../src/handler/invocation.ts');
    const { resolveConfig } = await import('../../src/config.ts');
    const { getTracer } = await import('../../src/tracer/dd-trace.ts');
    const config = resolveConfig();
    const tracer = getTracer(config);
    assert.ok(tracer);
    const invocation = new Invocation(
      { config, tracer },
      apiGatewayEvent(),
      lambdaContext({ xRayTraceId: SAMPLED }),
    );
    invocation.finish();
    invocation.finish(new Error('late'));
    assert.equal((await datagramsUntilControl()).length, 1);
  });
});
