/**
 * The whole product end to end with no AWS account: a sample function runs under the real Lambda
 * runtime interface client through the layer (exec wrapper, so the function's handler setting is
 * untouched), with loopback stand-ins for the Runtime API, the X-Ray daemon, the X-Ray API and the
 * Datadog agent. Then the merger pulls the X-Ray traces through the real `@aws-sdk/client-xray`,
 * converts them, joins them with the spans the agent received, and draws the merged traces.
 */

import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  convertTraces,
  type DatadogSpan,
  type JoinReport,
  joinSpans,
  pullTraces,
  renderFlameGraph,
  type XRayTrace,
} from '../../src/merge/index.ts';
import { type AgentStandIn, startAgent, type WireSpan } from '../../test/helpers/agent.ts';
import { type DaemonStandIn, parseDatagram, startDaemon } from '../../test/helpers/daemon.ts';
import { type StoredTrace, startXRayApi } from '../../test/helpers/xray-api.ts';
import {
  FUNCTION_NAME,
  hostArchitecture,
  startRuntime,
  unpackLayer,
  writeTree,
} from '../../test/layer/harness.ts';
import { chooseRuntimeClient } from './function-runner.ts';
import { type InvocationTiming, lambdaSegments } from './lambda-segments.ts';

const REGION = 'eu-west-1';
const FUNCTION_ARN = `arn:aws:lambda:${REGION}:123456789012:function:${FUNCTION_NAME}`;

/** The sample function: plain CommonJS, dd-trace spans of its own, no knowledge of this package. */
const SAMPLE_FUNCTION = `
const tracer = require('dd-trace');
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

exports.handler = async (event) => {
  const cart = await tracer.trace('cart.load', { resource: 'SELECT * FROM carts WHERE id = ?', type: 'sql' }, async () => {
    await pause(12);
    return { items: event.items ?? 2 };
  });
  await tracer.trace('payment.authorize', { resource: 'POST /v1/charges', type: 'http' }, async (span) => {
    span.setTag('payment.items', cart.items);
    await pause(25);
  });
  await tracer.trace('order.save', { resource: 'PutItem orders' }, () => pause(8));
  return { statusCode: 200, body: JSON.stringify({ ok: true, items: cart.items }) };
};
`;

export interface DemoInvocation {
  readonly label: string;
  readonly event: unknown;
}

export interface DemoResult {
  readonly traces: DatadogSpan[][];
  readonly report: JoinReport;
  readonly htmlPath: string;
  readonly datagrams: number;
  readonly xraySegments: number;
  readonly datadogSpans: number;
  readonly responses: string[];
  /** false when the function ran under aws-lambda-ric with the project's JS client in place of its native one. */
  readonly nativeClient: boolean;
}

export interface DemoOptions {
  readonly outDir: string;
  /** Node major of the Lambda runtime to run: 22 (aws-lambda-ric 3.x) or 24 (4.x). */
  readonly major?: 22 | 24;
  readonly say?: (line: string) => void;
}

const upstream = {
  traceId: '1311979541735842151',
  parentId: '8812930582129472881',
};

/** Two invocations X-Ray starts, and one that carries an upstream Datadog trace in its HTTP headers. */
export const DEMO_INVOCATIONS: readonly DemoInvocation[] = [
  { label: 'cold start', event: { items: 3 } },
  { label: 'warm', event: { items: 1 } },
  {
    label: 'called by a Datadog-traced service',
    event: {
      version: '2.0',
      routeKey: 'POST /checkout',
      rawPath: '/checkout',
      rawQueryString: '',
      headers: {
        'x-datadog-trace-id': upstream.traceId,
        'x-datadog-parent-id': upstream.parentId,
        'x-datadog-sampling-priority': '1',
      },
      requestContext: {
        apiId: 'a1b2c3',
        domainName: 'a1b2c3.execute-api.eu-west-1.amazonaws.com',
        http: { method: 'POST', path: '/checkout', protocol: 'HTTP/1.1', sourceIp: '203.0.113.9' },
        requestId: 'Jx1b2c3=',
        routeKey: 'POST /checkout',
        stage: '$default',
        timeEpoch: 1767225600000,
      },
      isBase64Encoded: false,
      body: '{"items":2}',
    },
  },
];

/** Awaits `promise`, or fails after `ms` with `message()`: a demo that hangs tells nobody anything. */
async function within<T>(ms: number, promise: Promise<T>, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function waitUntil(done: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (done() ? resolve() : setTimeout(check, 10));
    check();
  });
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function fromWire(span: WireSpan): DatadogSpan {
  return {
    trace_id: span.trace_id.toString(),
    span_id: span.span_id.toString(),
    parent_id: span.parent_id.toString(),
    name: span.name,
    service: span.service,
    resource: span.resource,
    type: span.type ?? '',
    start: span.start,
    duration: span.duration,
    error: span.error ? 1 : 0,
    meta: span.meta,
    metrics: span.metrics,
  };
}

/** Groups what the daemon received and what Lambda would have written into traces, as X-Ray stores them. */
function storedTraces(daemon: DaemonStandIn, timings: readonly InvocationTiming[]): StoredTrace[] {
  const byRoot = new Map<string, Record<string, unknown>[]>();
  const add = (root: string, document: Record<string, unknown>) => {
    const list = byRoot.get(root) ?? [];
    list.push(document);
    byRoot.set(root, list);
  };
  for (const timing of timings) for (const document of lambdaSegments(timing)) add(timing.root, document);
  for (const { bytes } of daemon.datagrams) {
    const { document } = parseDatagram(bytes);
    if (typeof document.trace_id === 'string') add(document.trace_id, document);
  }
  return timings.map((timing) => ({
    id: timing.root,
    startTime: timing.start,
    duration: timing.end - timing.start,
    documents: byRoot.get(timing.root) ?? [],
  }));
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const say = options.say ?? (() => undefined);
  const major = options.major ?? 22;
  const work = mkdtempSync(path.join(os.tmpdir(), 'xray-dd-merge-demo-'));
  let agent: AgentStandIn | undefined;
  let daemon: DaemonStandIn | undefined;
  try {
    say(`building the layer (${hostArchitecture()}) and unpacking it as /opt`);
    const { opt, build } = unpackLayer(work);
    say(
      `  ${path.basename(build.zipPath)}: ${(build.size / 1024 / 1024).toFixed(2)} MiB, ${build.files} files`,
    );
    const taskRoot = writeTree(path.join(work, 'task'), { 'app.js': SAMPLE_FUNCTION });

    agent = await startAgent();
    daemon = await startDaemon();
    const { client, instead } = chooseRuntimeClient(major);
    if (instead) say(`runtime client: ${instead}`);
    const initStart = Date.now() / 1000;
    say(
      `starting aws-lambda-ric ${client.ricVersion} on Node ${major} with AWS_LAMBDA_EXEC_WRAPPER=/opt/xray-dd-merge`,
    );
    const runtime = await startRuntime({
      client,
      taskRoot,
      handler: 'app.handler',
      way: 'exec-wrapper',
      opt,
      agentUrl: agent.url,
      env: { AWS_XRAY_DAEMON_ADDRESS: daemon.address, DD_SERVICE: 'checkout', DD_ENV: 'demo' },
    });

    // Lambda's Initialization subsegment spans the runtime's start until it first asks for work.
    await within(
      20_000,
      waitUntil(() => runtime.api.log.some((line) => line.includes('/invocation/next'))),
      () => `the runtime never asked for an invocation:\n${runtime.output()}`,
    );
    const initSeconds = Date.now() / 1000 - initStart;
    say(
      `  runtime ready after ${(initSeconds * 1000).toFixed(0)} ms (the layer loaded dd-trace and the handler)`,
    );
    const timings: InvocationTiming[] = [];
    const responses: string[] = [];
    try {
      for (const [index, invocation] of DEMO_INVOCATIONS.entries()) {
        const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-${hex(12)}`;
        const parent = hex(8);
        const requestId = `demo-${index + 1}-${hex(4)}`;
        const start = Date.now() / 1000;
        const result = await runtime.api.invoke({
          requestId,
          event: invocation.event,
          traceHeader: `Root=${root};Parent=${parent};Sampled=1`,
          functionArn: FUNCTION_ARN,
        });
        const end = Date.now() / 1000;
        responses.push(result.body.toString('utf8'));
        say(`  invoke ${index + 1} (${invocation.label}): ${result.kind} ${result.body.toString('utf8')}`);
        timings.push({
          root,
          parent,
          requestId,
          functionName: FUNCTION_NAME,
          functionArn: FUNCTION_ARN,
          region: REGION,
          start,
          end,
          ...(index === 0 ? { initSeconds } : {}),
          status: result.kind === 'response' ? 200 : 500,
        });
      }
      await within(
        20_000,
        agent.waitForSpans(DEMO_INVOCATIONS.length, 'aws.lambda'),
        () =>
          `the agent stand-in got ${agent?.traces.flat().length} spans, not ${DEMO_INVOCATIONS.length} aws.lambda spans:\n${runtime.output()}`,
      );
      // The datadog-metadata subsegment of the upstream-traced invocation.
      await within(
        20_000,
        daemon.waitFor(1),
        () => `the X-Ray daemon stand-in got no datagram:\n${runtime.output()}`,
      );
    } finally {
      await runtime.stop();
    }

    const xrayApi = await startXRayApi({ traces: storedTraces(daemon, timings) });
    try {
      say(`pulling X-Ray traces from the X-Ray API stand-in with @aws-sdk/client-xray`);
      const first = timings[0]!.start * 1000;
      const pulled: XRayTrace[] = [];
      for await (const trace of pullTraces({
        window: { start: Math.floor(first) - 60_000, end: Date.now() + 60_000 },
        endpoint: xrayApi.url,
        region: REGION,
        credentials: { accessKeyId: 'AKIDEMO', secretAccessKey: 'demo-secret' },
      })) {
        pulled.push(trace);
      }
      const converted = convertTraces(pulled);
      const datadog = agent.traces.flat().map(fromWire);
      const { traces, report } = joinSpans([...converted.spans, ...datadog]);
      mkdirSync(options.outDir, { recursive: true });
      const htmlPath = path.join(options.outDir, 'trace.html');
      writeFileSync(
        htmlPath,
        renderFlameGraph(traces, { title: `${FUNCTION_NAME}: X-Ray + Datadog, merged` }),
      );
      return {
        traces,
        report,
        htmlPath,
        datagrams: daemon.datagrams.length,
        xraySegments: converted.spans.length,
        datadogSpans: datadog.length,
        responses,
        nativeClient: client.native,
      };
    } finally {
      await xrayApi.close();
    }
  } finally {
    await agent?.close();
    await daemon?.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/** A terminal tree of one merged trace: origin, name, resource, duration. */
export function formatTree(trace: readonly DatadogSpan[]): string[] {
  const children = new Map<string, DatadogSpan[]>();
  const ids = new Set(trace.map((s) => s.span_id));
  const roots: DatadogSpan[] = [];
  for (const span of trace) {
    if (span.parent_id === '0' || !ids.has(span.parent_id)) roots.push(span);
    else children.set(span.parent_id, [...(children.get(span.parent_id) ?? []), span]);
  }
  const lines: string[] = [];
  const byStart = (a: DatadogSpan, b: DatadogSpan) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0);
  const walk = (span: DatadogSpan, prefix: string, last: boolean, top: boolean) => {
    const origin = span.meta['_merge.origin'] === 'xray' ? 'X-Ray  ' : 'Datadog';
    const ms = (Number(span.duration) / 1e6).toFixed(1).padStart(7);
    const branch = top ? '' : last ? '└─ ' : '├─ ';
    const error = span.error ? '  !error' : '';
    lines.push(`${ms} ms  ${origin}  ${prefix}${branch}${span.name}  ${span.resource}${error}`);
    const kids = (children.get(span.span_id) ?? []).sort(byStart);
    const indent = top ? '' : prefix + (last ? '   ' : '│  ');
    for (const [i, kid] of kids.entries()) walk(kid, indent, i === kids.length - 1, false);
  };
  for (const root of roots.sort(byStart)) walk(root, '', true, true);
  return lines;
}
