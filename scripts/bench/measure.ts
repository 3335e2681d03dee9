// Fresh processes, one per measurement: the subjects (each a Lambda entry file), the environment
// every subject shares, and spawning a child that reports one JSON result on fd 3.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withLayerOnOpt } from '../../layer/compile-cache.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHILD = path.join(root, 'scripts/bench/child.mjs');
const PAIRED_CHILD = path.join(root, 'scripts/bench/paired-child.mjs');

export type SubjectId = 'bare' | 'floor' | 'same-work' | 'wrapper' | 'layer' | 'peer';

export interface Subject {
  /** `floor`, or `floor+cache` for the same entry run with a V8 compile cache. */
  readonly id: string;
  readonly base: SubjectId;
  readonly letter: string;
  readonly label: string;
  /** The file the runtime client would load. */
  readonly entry: string;
  /** Run with this directory mounted on /opt (a private mount namespace), as Lambda mounts a layer. */
  readonly optMount?: string;
}

/** What one fresh process measured. */
export interface ChildResult {
  readonly node: string;
  readonly bootMs: number;
  readonly importMs: number;
  /** CPU time of the same span (all threads): steadier than wall time on a shared machine. */
  readonly importCpuMs: number;
  readonly firstMs: number;
  readonly firstHeader: string;
  readonly warmUs: number[];
  /** The process's CPU time per invocation in each warm batch, background work included. */
  readonly warmCpuUs: number[];
  readonly rssMb: number;
  /** RSS right after loading the entry, before the first invocation. */
  readonly rssLoadedMb?: number;
  readonly heapMb: number;
  /** V8 heap bytes allocated per warm invocation (a further batch after the RSS reading). */
  readonly allocatedBytes?: number;
  readonly modules?: string[];
}

export interface LoopShape {
  readonly batches: number;
  readonly batchSize: number;
  readonly warmupBatches: number;
  /** Invocations of the allocation count after the warm batches; 0 for none. */
  readonly allocationBatch: number;
}

/**
 * A throwaway Lambda task root: the user's handler (`index.js`, the same for every subject) and the
 * entries for the subjects that wrap it in code. CommonJS, as most Lambda functions still are.
 */
export function writeTaskRoot(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xddm-bench-'));
  const ddTrace = JSON.stringify(path.join(root, 'node_modules/dd-trace'));
  const wrapper = JSON.stringify(path.join(root, 'dist/index.cjs'));
  const files: Record<string, string> = {
    'index.js': `'use strict';
exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ ok: true, order: event.orderId }) });
`,
    // The floor: what any dd-trace user pays, one aws.lambda span per invocation parented from the
    // X-Ray header with the least work (a regular expression, the compat id mapping inline), nothing else.
    'floor.js': `'use strict';
const tracer = require(${ddTrace}).init();
const user = require('./index.js');
const HEADER = /Root=1-[0-9a-f]{8}-[0-9a-f]{8}([0-9a-f]{16});Parent=([0-9a-f]{16})/;
exports.handler = (event, context) => {
  const ids = HEADER.exec(context.xRayTraceId);
  const childOf = ids ? tracer.extract('text_map', {
    'x-datadog-trace-id': (BigInt('0x' + ids[1]) & 0x7fffffffffffffffn).toString(),
    'x-datadog-parent-id': BigInt('0x' + ids[2]).toString(),
  }) : undefined;
  const span = tracer.startSpan('aws.lambda', { childOf, tags: { 'resource.name': context.functionName, 'span.type': 'serverless' } });
  return tracer.scope().activate(span, () => user.handler(event, context)).finally(() => span.finish());
};
`,
    // Same-work: dd-trace alone doing by hand what the wrapper must do per invocation: the X-Ray
    // parent with trace id, parent id and sampling priority through the public extract API, and
    // the wrapper's tag set on the span. Wrapper minus this is the wrapper's own code.
    'same-work.js': `'use strict';
const tracer = require(${ddTrace}).init();
const user = require('./index.js');
const HEADER = /Root=(1-[0-9a-f]{8}-[0-9a-f]{8}([0-9a-f]{16}));Parent=([0-9a-f]{16})/;
let coldStart = true;
exports.handler = (event, context) => {
  const ids = HEADER.exec(context.xRayTraceId);
  const childOf = ids ? tracer.extract('text_map', {
    'x-datadog-trace-id': (BigInt('0x' + ids[2]) & 0x7fffffffffffffffn).toString(),
    'x-datadog-parent-id': BigInt('0x' + ids[3]).toString(),
    'x-datadog-sampling-priority': '2',
  }) : undefined;
  const tags = {
    cold_start: coldStart ? 'true' : 'false',
    functionname: context.functionName,
    function_arn: context.invokedFunctionArn,
    function_version: context.functionVersion,
    request_id: context.awsRequestId,
    '_dd.parent_source': 'xray',
    'aws.xray.trace_id': ids ? ids[1] : undefined,
    'resource.name': context.functionName,
    'service.name': context.functionName,
    'span.type': 'serverless',
    'span.kind': 'server',
  };
  coldStart = false;
  const span = tracer.startSpan('aws.lambda', { childOf, tags });
  return tracer.scope().activate(span, () => user.handler(event, context)).finally(() => span.finish());
};
`,
    'wrapper.js': `'use strict';
const { withXRayMerge } = require(${wrapper});
exports.handler = withXRayMerge(require('./index.js').handler);
`,
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

export function removeTaskRoot(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

function layerEntry(): string {
  return path.join(root, 'handler.mjs');
}

export function subjects(taskRoot: string): Subject[] {
  const list: Array<Omit<Subject, 'base'>> = [
    { id: 'bare', letter: 'a', label: 'bare handler', entry: path.join(taskRoot, 'index.js') },
    { id: 'floor', letter: 'b', label: 'dd-trace alone (floor)', entry: path.join(taskRoot, 'floor.js') },
    {
      id: 'same-work',
      letter: "b'",
      label: "dd-trace doing the wrapper's work",
      entry: path.join(taskRoot, 'same-work.js'),
    },
    { id: 'wrapper', letter: 'c', label: 'xray-dd-merge wrapper', entry: path.join(taskRoot, 'wrapper.js') },
    // What the runtime loads for `/opt/nodejs/node_modules/xray-dd-merge/handler.handler`: .mjs first.
    { id: 'layer', letter: 'd', label: 'xray-dd-merge layer entry', entry: layerEntry() },
    {
      id: 'peer',
      letter: 'e',
      label: 'datadog-lambda-js',
      entry: path.join(root, 'node_modules/datadog-lambda-js/dist/handler.mjs'),
    },
  ];
  return list.map((subject) => ({ ...subject, base: subject.id as SubjectId }));
}

/** The layer's entry as Lambda loads it: the unpacked zip in `layerDir`, mounted on /opt. */
export function layerAtOpt(layerDir: string, withCache: boolean): Subject {
  return {
    id: withCache ? 'layer-opt+cache' : 'layer-opt',
    base: 'layer',
    letter: withCache ? 'd2' : 'd1',
    label: withCache ? 'layer zip at /opt, compile cache' : 'layer zip at /opt',
    entry: '/opt/nodejs/node_modules/xray-dd-merge/handler.mjs',
    optMount: layerDir,
  };
}

/** Why a subject cannot be measured in this checkout (its build output is missing), or undefined. */
export function unavailable(subject: Subject): string | undefined {
  if (subject.base === 'wrapper' && !existsSync(path.join(root, 'dist/index.cjs')))
    return 'dist/index.cjs missing';
  if (!existsSync(subject.optMount ? subject.optMount : subject.entry))
    return `${path.relative(root, subject.entry)} missing`;
  return undefined;
}

/**
 * How dd-trace exports traces in the subjects: `agent`, one HTTP request per trace to the loopback
 * agent (the Datadog extension's setup, the default here); `log`, to stdout (Lambda without it).
 */
export type TraceExporter = 'agent' | 'log';

export interface Endpoints {
  readonly agentUrl: string;
  readonly daemonAddress: string;
}

/**
 * The environment every subject runs in: Lambda's variables, merging on in compat mode, dd-trace
 * exporting to the loopback agent, and dd-trace's background features (telemetry, remote config,
 * runtime metrics) off for all alike. Built from scratch so the caller's shell leaks nothing in.
 */
export function lambdaEnv(
  taskRoot: string,
  endpoints: Endpoints,
  major: string,
  exporter: TraceExporter = 'agent',
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    AWS_EXECUTION_ENV: `AWS_Lambda_nodejs${major}.x`,
    AWS_LAMBDA_FUNCTION_NAME: 'bench-fn',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    LAMBDA_TASK_ROOT: taskRoot,
    _HANDLER: 'index.handler',
    DD_LAMBDA_HANDLER: 'index.handler',
    DD_MERGE_XRAY_TRACES: 'true',
    DD_XRAY_TRACE_ID_MODE: 'compat',
    AWS_XRAY_DAEMON_ADDRESS: endpoints.daemonAddress,
    DD_TRACE_EXPERIMENTAL_EXPORTER: 'agent',
    DD_TRACE_AGENT_URL: endpoints.agentUrl,
    DD_TRACE_STARTUP_LOGS: 'false',
    DD_INSTRUMENTATION_TELEMETRY_ENABLED: 'false',
    DD_REMOTE_CONFIGURATION_ENABLED: 'false',
    DD_RUNTIME_METRICS_ENABLED: 'false',
  };
  // Without the Datadog extension, dd-trace in Lambda writes each trace to stdout (the children's
  // stdout is drained): its default, and the setup DESIGN.md's reference figures match.
  if (exporter === 'log') delete env.DD_TRACE_EXPERIMENTAL_EXPORTER;
  return env;
}

export interface ChildRequest {
  readonly node: string;
  readonly entry: string;
  readonly env: NodeJS.ProcessEnv;
  readonly loop: LoopShape;
  readonly mode?: 'measure' | 'modules';
  /** nodejs22.x's runtime client passes a callback and context.done/succeed/fail; 24.x does not. */
  readonly callbacks: boolean;
  /** A directory to mount on /opt for this process. */
  readonly optMount?: string;
}

const CHILD_TIMEOUT_MS = 120_000;

/** Runs one fresh process and resolves with its result; rejects with its stderr when it fails. */
export function runChild(request: ChildRequest): Promise<ChildResult> {
  const spec = JSON.stringify({
    entry: request.entry,
    mode: request.mode ?? 'measure',
    callbacks: request.callbacks,
    ...request.loop,
  });
  return runJsonChild(request.node, [CHILD, spec], request.env, request.optMount) as Promise<ChildResult>;
}

export interface PairedRequest {
  readonly node: string;
  /** The floor first: its `init()` is the one dd-trace keeps. */
  readonly entries: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly rounds: number;
  readonly warmupRounds: number;
  readonly batchSize: number;
  readonly callbacks: boolean;
}

/** Per entry, the mean microseconds per warm invocation of each round. */
export interface PairedResult {
  readonly node: string;
  readonly rounds: number[][];
  /** Per entry, the process's CPU microseconds per invocation of each round. */
  readonly cpuRounds?: number[][];
}

/**
 * Runs the entries' warm invocations side by side in one process (scripts/bench/paired-child.mjs).
 * dd-trace's own Lambda hook is off for all of them alike: loaded by the floor's `init()`, it would
 * otherwise wrap the shared user handler for every subject (the wrapper turns it off in its own
 * process).
 */
export function runPaired(request: PairedRequest): Promise<PairedResult> {
  const spec = JSON.stringify({
    entries: request.entries,
    rounds: request.rounds,
    warmupRounds: request.warmupRounds,
    batchSize: request.batchSize,
    callbacks: request.callbacks,
  });
  const env = { ...request.env, DD_TRACE_DISABLED_INSTRUMENTATIONS: 'lambda' };
  return runJsonChild(request.node, [PAIRED_CHILD, spec], env) as Promise<PairedResult>;
}

/** Spawns `node args…` with stdout drained, stderr kept for errors, and the result read from fd 3. */
export function runJsonChild(
  node: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  optMount?: string,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    // With `optMount`, Node runs in a private mount namespace where that directory is /opt.
    const [command, argv] = optMount ? withLayerOnOpt(optMount, [node, ...args]) : [node, args];
    const child = spawn(command, argv, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    const result: Buffer[] = [];
    let stderr = '';
    child.stdout?.resume();
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.stdio[3]?.on('data', (chunk: Buffer) => result.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const text = Buffer.concat(result).toString();
      if (code === 0 && text) {
        resolve(JSON.parse(text));
        return;
      }
      reject(new Error(`child exited with ${code ?? signal}: ${stderr.trim() || '(no stderr)'}`));
    });
  });
}

/** Files that have no place on a traced invocation's path: the AWS SDK, aws-xray-sdk, the merger. */
const OFF_THE_INVOKE_PATH = [
  /\/node_modules\/@aws-sdk\//,
  /\/node_modules\/@smithy\//,
  /\/node_modules\/aws-xray-sdk(-core)?\//,
  /\/dist\/merge\.c?js$/,
  /\/src\/merge\//,
];

/** Where a loaded file comes from: its npm package, or its path in this repository. */
export function origin(url: string): string {
  const file = fileURLToPath(url);
  const at = file.lastIndexOf('/node_modules/');
  if (at === -1) return file.startsWith(root) ? path.relative(root, file) : path.basename(file);
  const [scope, name] = file.slice(at + '/node_modules/'.length).split('/');
  return scope?.startsWith('@') ? `${scope}/${name}` : (scope ?? file);
}

/** Loaded files per origin, most first. */
export function loadsByOrigin(urls: readonly string[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const url of urls) counts.set(origin(url), (counts.get(origin(url)) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]);
}

/** The origins of loaded files that should not be on the invoke path. */
export function offInvokePath(urls: readonly string[]): string[] {
  const found = urls.filter((url) => OFF_THE_INVOKE_PATH.some((pattern) => pattern.test(fileURLToPath(url))));
  return [...new Set(found.map(origin))];
}
