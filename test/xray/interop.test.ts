// A function that already uses aws-xray-sdk-core (its own subsegments, captureAWSv3Client,
// captureHTTPs), wrapped: it keeps working, and at the loopback daemon its subsegments and ours sit
// in the invocation's X-Ray trace, under the function segment. The SDK runs in Lambda mode
// (LAMBDA_TASK_ROOT set), reads _X_AMZN_TRACE_ID, and sends to AWS_XRAY_DAEMON_ADDRESS.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { AgentStandIn, WireSpan } from '../helpers/agent.ts';
import { type DaemonStandIn, parseDatagram, startDaemon } from '../helpers/daemon.ts';
import { lambdaContext, lambdaProcess } from '../helpers/lambda-env.ts';

interface XRayEntity {
  id: string;
  name: string;
  trace_id?: string;
  parent_id?: string;
  type?: string;
  subsegments?: XRayEntity[];
  metadata?: Record<string, any>;
  annotations?: Record<string, unknown>;
}

let daemon: DaemonStandIn;
let agent: AgentStandIn;
let service: http.Server;
let serviceUrl: string;
const traceHeadersSeen: string[] = [];
let wrap: typeof import('../../src/index.ts');
let AWSXRay: typeof import('aws-xray-sdk-core');
let XRay: typeof import('@aws-sdk/client-xray');

before(async () => {
  daemon = await startDaemon();
  // A downstream service on loopback: answers the X-Ray API call and a plain GET.
  service = http.createServer((req, res) => {
    traceHeadersSeen.push(String(req.headers['x-amzn-trace-id'] ?? ''));
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.method === 'POST' ? '{"TraceSummaries":[]}' : '{}');
    });
  });
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
  serviceUrl = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
  agent = await lambdaProcess({
    DD_MERGE_XRAY_TRACES: 'true',
    AWS_XRAY_DAEMON_ADDRESS: daemon.address,
    LAMBDA_TASK_ROOT: process.cwd(),
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    AWS_XRAY_LOG_LEVEL: 'error',
  });
  wrap = await import('../../src/index.ts');
  // The function's own imports, as in its module.
  AWSXRay = (await import('aws-xray-sdk-core')).default;
  XRay = await import('@aws-sdk/client-xray');
});
after(async () => {
  await agent.close();
  await daemon.close();
  service.closeAllConnections();
  await new Promise((resolve) => service.close(resolve));
});

/** The user's handler: X-Ray SDK subsegments around an HTTP call and an AWS SDK v3 call. */
function userFunction() {
  const client = AWSXRay.captureAWSv3Client(
    new XRay.XRayClient({
      region: 'eu-west-1',
      endpoint: serviceUrl,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' },
      maxAttempts: 1,
    }),
  );
  const tracedHttp = AWSXRay.captureHTTPs(http);
  return async (_event: unknown, _context: unknown) => {
    await AWSXRay.captureAsyncFunc('business-logic', async (subsegment) => {
      subsegment?.addAnnotation('order', 'o-1');
      await new Promise<void>((resolve, reject) => {
        tracedHttp
          .get(`${serviceUrl}/inventory`, (res) => {
            res.resume();
            res.on('end', () => resolve());
          })
          .on('error', reject);
      });
      subsegment?.close();
    });
    await client.send(new XRay.GetTraceSummariesCommand({ StartTime: new Date(0), EndTime: new Date(1000) }));
    return { statusCode: 200, body: 'done' };
  };
}

/** Every entity in the datagrams, nested subsegments included, with the datagram each came in. */
function entities(): Array<{ entity: XRayEntity; top: XRayEntity }> {
  const out: Array<{ entity: XRayEntity; top: XRayEntity }> = [];
  const walk = (entity: XRayEntity, top: XRayEntity) => {
    out.push({ entity, top });
    for (const child of entity.subsegments ?? []) walk(child, top);
  };
  for (const d of daemon.datagrams) {
    const top = parseDatagram(d.bytes).document as unknown as XRayEntity;
    walk(top, top);
  }
  return out;
}

/** Awaits datagrams until every name in `names` has arrived for trace `root`. */
async function awaitNames(root: string, names: string[]): Promise<XRayEntity[]> {
  for (let count = 1; ; count += 1) {
    await daemon.waitFor(count);
    const found = entities()
      .filter(({ top }) => top.trace_id === root)
      .map(({ entity }) => entity);
    if (names.every((n) => found.some((e) => e.name === n))) return found;
  }
}

async function awaitSpan(matches: (span: WireSpan) => boolean): Promise<WireSpan> {
  for (let count = 1; ; count += 1) {
    const span = (await agent.waitForSpans(count, 'aws.lambda')).find(matches);
    if (span) return span;
  }
}

/** One invocation as Lambda makes it: the header in the env (for the SDK) and in the context. */
async function invoke(handler: (e: unknown, c: unknown) => Promise<unknown>, event: unknown, header: string) {
  process.env._X_AMZN_TRACE_ID = header;
  try {
    return await handler(event, lambdaContext({ xRayTraceId: header }));
  } finally {
    delete process.env._X_AMZN_TRACE_ID;
  }
}

/** Every datagram for `root` is in that trace and hangs under the function segment or a sibling. */
function assertOneTrace(found: XRayEntity[], root: string, functionSegment: string) {
  const ids = new Set(found.map((e) => e.id));
  for (const { entity, top } of entities().filter(({ top }) => top.trace_id === root)) {
    assert.equal(top.type, 'subsegment', `${entity.name} is sent as a subsegment`);
    if (entity === top) {
      assert.ok(
        entity.parent_id === functionSegment || ids.has(entity.parent_id ?? ''),
        `${entity.name} hangs under the function segment ${functionSegment} or one of its subsegments, not ${entity.parent_id}`,
      );
    }
    assert.match(entity.id, /^[0-9a-f]{16}$/);
  }
}

describe('with aws-xray-sdk-core in the function', () => {
  it('X-Ray parent: the SDK’s subsegments land under the function segment; aws.lambda is in the same trace', async () => {
    const root = '1-6a1b2c3d-0123456789abcdef01234567';
    const parent = '1a2b3c4d5e6f7081';
    const handler = wrap.withXRayMerge(userFunction());
    const result = await invoke(handler, {}, `Root=${root};Parent=${parent};Sampled=1`);
    assert.deepEqual(result, { statusCode: 200, body: 'done' });

    const found = await awaitNames(root, ['business-logic', '127.0.0.1', 'XRay']);
    assertOneTrace(found, root, parent);
    const business = found.find((e) => e.name === 'business-logic');
    assert.deepEqual(business?.annotations, { order: 'o-1' });
    const httpCall = found.find((e) => e.name === '127.0.0.1');
    // Lambda mode streams each closed subsegment as its own datagram, pointing at its parent.
    assert.ok(business && httpCall);
    assert.equal(business.parent_id, parent);
    assert.equal(httpCall.parent_id, business.id, 'the HTTP call is a child of business-logic');
    const awsCall = found.find((e) => e.name === 'XRay');
    assert.equal(awsCall?.parent_id, parent);
    // The SDK propagated its own subsegment as the downstream parent.
    assert.ok(
      traceHeadersSeen.some((h) => h.includes(`Root=${root}`) && h.includes(`Parent=${awsCall?.id}`)),
      traceHeadersSeen.join('\n'),
    );
    // No datadog-metadata: the Datadog context came from X-Ray, which already knows it.
    assert.ok(!found.some((e) => e.name === 'datadog-metadata'));

    const span = await awaitSpan((s) => s.trace_id === BigInt(`0x${root.slice(-16)}`) % 2n ** 63n);
    assert.equal(span.parent_id, BigInt(`0x${parent}`));
  });

  it('event-sourced Datadog parent: ours and the SDK’s subsegments share the trace and the function segment', async () => {
    const root = '1-6a1b2c3e-fedcba98765432100123abcd';
    const parent = '2b3c4d5e6f708192';
    const upstream = { trace: '1311768467463790320', span: '8070450532247928832' };
    const event = {
      resource: '/orders',
      path: '/orders',
      httpMethod: 'POST',
      headers: {
        'x-datadog-trace-id': upstream.trace,
        'x-datadog-parent-id': upstream.span,
        'x-datadog-sampling-priority': '1',
      },
      requestContext: {
        accountId: '123456789012',
        apiId: 'abc',
        stage: 'prod',
        httpMethod: 'POST',
        path: '/prod/orders',
      },
      body: '{}',
    };
    const header = `Root=${root};Parent=${parent};Sampled=1`;
    // aws.lambda directly under the upstream span: no inferred aws.apigateway span between.
    const handler = wrap.withXRayMerge(userFunction(), { traceManagedServices: false });
    assert.deepEqual(await invoke(handler, event, header), { statusCode: 200, body: 'done' });

    const found = await awaitNames(root, ['business-logic', '127.0.0.1', 'XRay', 'datadog-metadata']);
    assertOneTrace(found, root, parent);
    const ours = found.filter((e) => e.name === 'datadog-metadata');
    assert.equal(ours.length, 1);
    assert.equal(ours[0]?.parent_id, parent);
    assert.deepEqual(ours[0]?.metadata?.datadog?.trace, {
      'trace-id': upstream.trace,
      'parent-id': upstream.span,
      'sampling-priority': '1',
    });
    const span = await awaitSpan((s) => s.trace_id === BigInt(upstream.trace));
    assert.equal(span.parent_id, BigInt(upstream.span));
  });
});
