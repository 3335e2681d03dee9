/**
 * The whole product end to end with no AWS account: a sample function runs under the real Lambda
 * runtime interface client through the layer (exec wrapper, so the function's handler setting is
 * untouched), with loopback stand-ins for the Runtime API, the X-Ray daemon, the X-Ray API and the
 * Datadog agent. Then the merger pulls the X-Ray traces through the real `@aws-sdk/client-xray`,
 * converts them, joins them with the spans the agent received, and draws the merged traces.
 */

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  checkAccount,
  convertTraces,
  createTransactionSearchApi,
  type DatadogSpan,
  type JoinReport,
  joinSpans,
  pullTraces,
  renderFlameGraph,
  retrieveTraces,
  traceIdsOfDatadogSpans,
  type XRayTrace,
} from '../../src/merge/index.ts';
import { parseTraceHeader } from '../../src/xray/header.ts';
import { type AgentStandIn, startAgent, type WireSpan } from '../../test/helpers/agent.ts';
import { type ApiGatewayStandIn, startApiGateway } from '../../test/helpers/api-gateway.ts';
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
  /** Invoked directly with this event, or through API Gateway by the Datadog-traced host service. */
  readonly event?: unknown;
  readonly via?: 'checkout-web';
}

export interface HostCall {
  /** What checkout-web got back through API Gateway. */
  readonly status: number;
  readonly body: string;
  /** Its Datadog trace id and root span id. */
  readonly trace_id: string;
  readonly root_span_id: string;
}

export interface DemoResult {
  readonly traces: DatadogSpan[][];
  readonly report: JoinReport;
  readonly htmlPath: string;
  readonly datagrams: number;
  readonly xraySegments: number;
  readonly datadogSpans: number;
  /** What the runtime posted for each invocation, in order. */
  readonly responses: string[];
  /** The host service's call, for the invocation made through API Gateway. */
  readonly host: HostCall;
  /** What the merger pulled from the X-Ray API, and the spans the Datadog agent received. */
  readonly pulled: XRayTrace[];
  readonly datadog: DatadogSpan[];
  /** false when the function ran under aws-lambda-ric with the project's JS client in place of its native one. */
  readonly nativeClient: boolean;
  /** With `transactionSearch`: what the account check said, and the classic pull's merge to compare. */
  readonly transactionSearch?: {
    readonly notices: readonly string[];
    readonly retrievalStatuses: readonly string[];
    readonly classic: DatadogSpan[][];
  };
}

export interface DemoOptions {
  readonly outDir: string;
  /** Node major of the Lambda runtime to run: 22 (aws-lambda-ric 3.x) or 24 (4.x). */
  readonly major?: 22 | 24;
  readonly say?: (line: string) => void;
  /**
   * The X-Ray API stand-in plays an account with CloudWatch Transaction Search (spans in
   * `aws/spans`, 1% indexed): the merger finds the X-Ray trace ids in the Datadog spans'
   * `aws.xray.trace_id` tags and retrieves the traces with StartTraceRetrieval. The classic pull of
   * an X-Ray account is run too, to show the merge comes out the same.
   */
  readonly transactionSearch?: boolean;
}

/**
 * Two invocations X-Ray starts, and one in a hybrid environment: checkout-web, a host service
 * traced by Datadog, calls the function through API Gateway (traced by X-Ray).
 */
export const DEMO_INVOCATIONS: readonly DemoInvocation[] = [
  { label: 'cold start', event: { items: 3 } },
  { label: 'warm', event: { items: 1 } },
  { label: 'checkout-web (Datadog) -> API Gateway (X-Ray) -> function', via: 'checkout-web' },
];

const HOST_SERVICE = path.join(import.meta.dirname, 'host-service.cjs');

/** Runs checkout-web against the gateway; resolves with what it printed. */
function runHostService(gatewayUrl: string, agentUrl: string): Promise<HostCall> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HOST_SERVICE, gatewayUrl], {
      env: {
        PATH: process.env.PATH ?? '',
        DD_TRACE_AGENT_URL: agentUrl,
        DD_INSTRUMENTATION_TELEMETRY_ENABLED: 'false',
        DD_REMOTE_CONFIGURATION_ENABLED: 'false',
        DD_TRACE_STARTUP_LOGS: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as HostCall);
      } catch (error) {
        reject(new Error(`checkout-web failed (${String(error)}):\n${out}${err}`));
      }
    });
  });
}

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
function storedTraces(
  daemon: DaemonStandIn,
  timings: readonly InvocationTiming[],
  gateway: readonly Record<string, unknown>[],
): StoredTrace[] {
  const byRoot = new Map<string, Record<string, unknown>[]>();
  const add = (root: string, document: Record<string, unknown>) => {
    const list = byRoot.get(root) ?? [];
    list.push(document);
    byRoot.set(root, list);
  };
  for (const timing of timings) for (const document of lambdaSegments(timing)) add(timing.root, document);
  for (const document of gateway) add(document.trace_id as string, document);
  for (const { bytes } of daemon.datagrams) {
    const { document } = parseDatagram(bytes);
    if (typeof document.trace_id === 'string') add(document.trace_id, document);
  }
  return timings.map((timing) => {
    const documents = byRoot.get(timing.root) ?? [];
    const starts = documents.map((d) => d.start_time as number);
    const ends = documents.map((d) => (d.end_time as number | undefined) ?? timing.end);
    return {
      id: timing.root,
      startTime: Math.min(timing.start, ...starts),
      duration: Math.max(timing.end, ...ends) - Math.min(timing.start, ...starts),
      documents,
    };
  });
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const say = options.say ?? (() => undefined);
  const major = options.major ?? 22;
  const work = mkdtempSync(path.join(os.tmpdir(), 'xray-dd-merge-demo-'));
  let agent: AgentStandIn | undefined;
  let daemon: DaemonStandIn | undefined;
  let gateway: ApiGatewayStandIn | undefined;
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
      // The same env as checkout-web: Datadog draws services of one env in one flame graph.
      env: { AWS_XRAY_DAEMON_ADDRESS: daemon.address, DD_SERVICE: 'checkout', DD_ENV: 'prod' },
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
    let host: HostCall | undefined;
    /** One invocation through the Runtime API, with the timing Lambda's own segments need. */
    const invokeFunction = async (
      event: unknown,
      traceHeader: string,
      requestId: string,
      caller: { initSeconds?: number; callerSubsegment?: string } = {},
    ) => {
      const header = parseTraceHeader(traceHeader);
      const start = Date.now() / 1000;
      const result = await runtime.api.invoke({ requestId, event, traceHeader, functionArn: FUNCTION_ARN });
      const end = Date.now() / 1000;
      responses.push(result.body.toString('utf8'));
      timings.push({
        root: header.root as string,
        parent: header.parent as string,
        requestId,
        functionName: FUNCTION_NAME,
        functionArn: FUNCTION_ARN,
        region: REGION,
        start,
        end,
        status: result.kind === 'response' ? 200 : 500,
        ...caller,
      });
      return result;
    };
    gateway = await startApiGateway({
      functionArn: FUNCTION_ARN,
      region: REGION,
      invoke: ({ event, traceHeader, requestId, lambdaSubsegment }) =>
        invokeFunction(event, traceHeader, requestId, { callerSubsegment: lambdaSubsegment }),
    });
    try {
      for (const [index, invocation] of DEMO_INVOCATIONS.entries()) {
        if (invocation.via === 'checkout-web') {
          host = await within(
            30_000,
            runHostService(gateway.url, agent.url),
            () => 'checkout-web did not finish',
          );
          say(`  invoke ${index + 1} (${invocation.label}): checkout-web got ${host.status} ${host.body}`);
          continue;
        }
        const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-${hex(12)}`;
        const result = await invokeFunction(
          invocation.event,
          `Root=${root};Parent=${hex(8)};Sampled=1`,
          `demo-${index + 1}-${hex(4)}`,
          index === 0 ? { initSeconds } : {},
        );
        say(`  invoke ${index + 1} (${invocation.label}): ${result.kind} ${result.body.toString('utf8')}`);
      }
      await within(
        20_000,
        agent.waitForSpans(DEMO_INVOCATIONS.length, 'aws.lambda'),
        () =>
          `the agent stand-in got ${agent?.traces.flat().length} spans, not ${DEMO_INVOCATIONS.length} aws.lambda spans:\n${runtime.output()}`,
      );
      // checkout-web's own spans: its request and the http.request client span of the call.
      await within(
        20_000,
        agent.waitForSpans(2, undefined, (s) => s.service === 'checkout-web'),
        () => 'the agent stand-in got no spans from checkout-web',
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

    if (host === undefined) throw new Error('checkout-web made no call');
    const stored = storedTraces(daemon, timings, gateway.segments());
    const xrayApi = await startXRayApi({
      traces: stored,
      ...(options.transactionSearch ? { transactionSearch: { destination: 'CloudWatchLogs' as const } } : {}),
    });
    try {
      const credentials = { accessKeyId: 'AKIDEMO', secretAccessKey: 'demo-secret' };
      const first = timings[0]!.start * 1000;
      const window = { start: Math.floor(first) - 60_000, end: Date.now() + 60_000 };
      const pullClassic = async (endpoint: string): Promise<XRayTrace[]> => {
        const traces: XRayTrace[] = [];
        for await (const trace of pullTraces({ window, endpoint, region: REGION, credentials }))
          traces.push(trace);
        return traces;
      };
      const datadog = agent.traces.flat().map(fromWire);
      let pulled: XRayTrace[];
      let transactionSearch: DemoResult['transactionSearch'];
      if (options.transactionSearch) {
        const searchApi = createTransactionSearchApi({ endpoint: xrayApi.url, region: REGION, credentials });
        try {
          say('the X-Ray API stand-in plays an account with CloudWatch Transaction Search');
          const account = await checkAccount(searchApi);
          for (const line of account.notices) say(`  ${line}`);
          const ids = traceIdsOfDatadogSpans(datadog);
          say(
            `  ${ids.ids.length} X-Ray trace ids from the aws.xray.trace_id tags of ${datadog.length} Datadog spans; ` +
              'retrieving them with StartTraceRetrieval and ListRetrievedTraces',
          );
          pulled = [];
          const retrieval = retrieveTraces({ traceIds: ids.ids, window, api: searchApi, pollDelayMs: 50 });
          let step = await retrieval.next();
          for (; !step.done; step = await retrieval.next()) {
            const { trace } = step.value;
            pulled.push({ Id: trace.Id, Segments: trace.Spans ?? [] });
          }
          const statuses = step.value.batches.map((batch) => batch.status);
          say(`  retrieval ${statuses.join(', ')}: ${pulled.length} traces`);
          // The same traces pulled from an account whose spans go to X-Ray, for comparison.
          const classicApi = await startXRayApi({ traces: stored });
          try {
            const classicPulled = await pullClassic(classicApi.url);
            const classic = joinSpans([...convertTraces(classicPulled).spans, ...datadog]).traces;
            transactionSearch = { notices: account.notices, retrievalStatuses: statuses, classic };
          } finally {
            await classicApi.close();
          }
        } finally {
          searchApi.destroy();
        }
      } else {
        say(`pulling X-Ray traces from the X-Ray API stand-in with @aws-sdk/client-xray`);
        pulled = await pullClassic(xrayApi.url);
      }
      const converted = convertTraces(pulled);
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
        host,
        pulled,
        datadog,
        nativeClient: client.native,
        ...(transactionSearch !== undefined ? { transactionSearch } : {}),
      };
    } finally {
      await xrayApi.close();
    }
  } finally {
    await agent?.close();
    await daemon?.close();
    await gateway?.close();
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
