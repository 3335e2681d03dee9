/**
 * Running the layer as Lambda does: the built zip unpacked into an /opt-like directory, a task root
 * with the user's code, and the real runtime interface client (aws-lambda-ric, built for the Node
 * that runs it by scripts/prepare.mjs) polling a loopback Runtime API stand-in. Where that build
 * could not run, `runtimeClientInJavaScript` gives the same client with the project's JS Runtime API
 * client in place of its native part (the demo's fallback; the e2e suite needs the real one).
 */

import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { type BuildResult, buildLayer } from '../../layer/build.mjs';
import { readZip } from '../../layer/zip.mjs';
import { type RuntimeApiStandIn, startRuntimeApi } from '../helpers/runtime-api.ts';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const FUNCTION_NAME = 'checkout-fn';

export interface RuntimeClient {
  /** Node major, and so the Lambda runtime: nodejs22.x runs aws-lambda-ric 3.x, nodejs24.x 4.x. */
  readonly major: 22 | 24;
  readonly ricVersion: string;
  readonly node: string;
  /** What Lambda's bootstrap runs after `node`. */
  readonly args: readonly string[];
  /** true: aws-lambda-ric's own native client; false: the project's JS one in its place (js-client/). */
  readonly native: boolean;
}

function clientOf(major: 22 | 24, native: boolean): RuntimeClient {
  const dir = path.join(ROOT, 'test', 'runtimes', `nodejs${major}`);
  const ric = path.join(dir, 'node_modules', 'aws-lambda-ric');
  const { version } = JSON.parse(readFileSync(path.join(ric, 'package.json'), 'utf8'));
  const entry = major === 22 ? [path.join(dir, 'bootstrap.mjs')] : [path.join(ric, 'index.mjs')];
  const register = pathToFileURL(path.join(ROOT, 'test', 'runtimes', 'js-client', 'register.mjs')).href;
  return {
    major,
    ricVersion: version,
    node: path.join(ROOT, 'node_modules', `node${major}`, 'bin', 'node'),
    args: native ? entry : ['--import', register, ...entry],
    native,
  };
}

/** The runtime client of the Lambda runtime for a Node major, or a message saying how to get it. */
export function runtimeClient(major: 22 | 24): RuntimeClient {
  const dir = path.join(ROOT, 'test', 'runtimes', `nodejs${major}`);
  const native = path.join(
    dir,
    'node_modules',
    'aws-lambda-ric',
    major === 22 ? 'dist' : '',
    'rapid-client.node',
  );
  if (!existsSync(native)) {
    throw new Error(
      `aws-lambda-ric is not built in ${dir} (no ${native}): run \`node scripts/prepare.mjs\` (npm ci runs it)`,
    );
  }
  return clientOf(major, true);
}

/**
 * The same runtime client with its native part (libcurl through aws-lambda-cpp) replaced by the
 * project's Runtime API client over node:http (test/runtimes/js-client/): everything else is
 * aws-lambda-ric's own code. For machines that cannot compile the native part.
 */
export function runtimeClientInJavaScript(major: 22 | 24): RuntimeClient {
  const dir = path.join(ROOT, 'test', 'runtimes', `nodejs${major}`);
  if (!existsSync(path.join(dir, 'node_modules', 'aws-lambda-ric', 'package.json'))) {
    throw new Error(
      `aws-lambda-ric is not installed in ${dir}: run \`node scripts/prepare.mjs\` (npm ci runs it)`,
    );
  }
  return clientOf(major, false);
}

/** Lambda's architecture name for this machine. */
export function hostArchitecture(): 'x86_64' | 'arm64' {
  return process.arch === 'arm64' ? 'arm64' : 'x86_64';
}

/**
 * Builds the layer for this machine's architecture and unpacks it into `<dir>/opt`: with Info-ZIP's
 * unzip, as Lambda's own extraction is independent of the writer, or with the project's zip reader
 * on a machine without unzip (slim images have none).
 */
export function unpackLayer(dir: string): {
  opt: string;
  build: BuildResult;
  unzip: 'info-zip' | 'own-reader';
} {
  const [build] = buildLayer({ outDir: path.join(dir, 'layer-out'), archs: [hostArchitecture()] });
  if (!build) throw new Error('the layer build returned nothing');
  const opt = path.join(dir, 'opt');
  mkdirSync(opt, { recursive: true });
  if (spawnSync('sh', ['-c', 'command -v unzip']).status === 0) {
    execFileSync('unzip', ['-q', build.zipPath, '-d', opt]);
    return { opt, build, unzip: 'info-zip' };
  }
  for (const entry of readZip(readFileSync(build.zipPath))) {
    const target = path.join(opt, entry.name);
    if (entry.name.endsWith('/')) mkdirSync(target, { recursive: true });
    else {
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, entry.data);
      chmodSync(target, entry.mode);
    }
  }
  return { opt, build, unzip: 'own-reader' };
}

export function writeTree(dir: string, files: Record<string, string>): string {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** How the function is set up: no layer, the layer's handler, or the layer's exec wrapper. */
export type WayIn = 'no-layer' | 'redirect' | 'exec-wrapper';

export interface RuntimeOptions {
  client: RuntimeClient;
  taskRoot: string;
  /** The user's handler setting, e.g. `esm/app.handlers.main`. */
  handler: string;
  way: WayIn;
  /** The unpacked layer (the /opt directory); needed for the layer's ways in. */
  opt?: string;
  /** The loopback agent dd-trace exports to. */
  agentUrl?: string;
  env?: Record<string, string>;
  /**
   * Starts the runtime's command through another one, e.g. in a mount namespace with the layer on
   * `/opt` (`withLayerOnOpt`); the same for every way in, so they pay the same for it.
   */
  launch?: (command: string, args: string[]) => [string, string[]];
}

export interface RuntimeProcess {
  readonly api: RuntimeApiStandIn;
  readonly child: ChildProcess;
  /** `performance.now()` just before the process was spawned (for cold-start timing). */
  readonly spawnedAt: number;
  /** stdout and stderr so far, for failure messages. */
  output(): string;
  /** Resolves with the exit code (or signal) when the process ends. */
  readonly exited: Promise<number | string | null>;
  stop(): Promise<void>;
}

export const REDIRECT_ENTRY = (opt: string) => `${opt}/nodejs/node_modules/xray-dd-merge/handler.handler`;

/** Starts the runtime client against a fresh Runtime API stand-in, as Lambda's bootstrap would. */
export async function startRuntime(options: RuntimeOptions): Promise<RuntimeProcess> {
  const { client, taskRoot, handler, way, opt } = options;
  const api = await startRuntimeApi();
  // A clean environment: what Lambda sets, nothing from the test runner (NODE_OPTIONS, NODE_TEST_CONTEXT).
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    AWS_LAMBDA_RUNTIME_API: api.address,
    LAMBDA_TASK_ROOT: taskRoot,
    _HANDLER: handler,
    AWS_EXECUTION_ENV: `AWS_Lambda_nodejs${client.major}.x`,
    AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${FUNCTION_NAME}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]0123456789abcdef',
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    // The X-Ray daemon address Lambda sets; nothing listens there in these tests.
    AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:9',
  };
  if (way !== 'no-layer') {
    if (!opt) throw new Error('the layer ways in need the unpacked layer');
    Object.assign(env, {
      NODE_PATH: `${opt}/nodejs/node_modules`,
      DD_MERGE_XRAY_TRACES: 'true',
      DD_TRACE_AGENT_URL: options.agentUrl ?? 'http://127.0.0.1:9',
      DD_TRACE_EXPERIMENTAL_EXPORTER: 'agent',
      DD_TRACE_STARTUP_LOGS: 'false',
      DD_INSTRUMENTATION_TELEMETRY_ENABLED: 'false',
      DD_REMOTE_CONFIGURATION_ENABLED: 'false',
      DD_RUNTIME_METRICS_ENABLED: 'false',
    });
  }
  if (way === 'redirect') {
    if (!opt) throw new Error('the redirect needs the unpacked layer');
    env._HANDLER = REDIRECT_ENTRY(opt);
    env.DD_LAMBDA_HANDLER = handler;
  }
  Object.assign(env, options.env);

  let command = client.node;
  let args = [...client.args];
  if (way === 'exec-wrapper') {
    // Lambda runs `$AWS_LAMBDA_EXEC_WRAPPER <runtime command…>`.
    env.AWS_LAMBDA_EXEC_WRAPPER = `${opt}/xray-dd-merge`;
    command = env.AWS_LAMBDA_EXEC_WRAPPER;
    args = [client.node, ...args];
  }
  if (options.launch) [command, args] = options.launch(command, args);
  const spawnedAt = performance.now();
  const child = spawn(command, args, { cwd: taskRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | string | null>((resolve) => {
    child.on('exit', (code, signal) => {
      api.failPending(new Error(`the runtime exited (${code ?? signal}) before answering:\n${output}`));
      resolve(code ?? signal);
    });
    child.on('error', (error) => {
      api.failPending(error);
      resolve(null);
    });
  });
  return {
    api,
    child,
    spawnedAt,
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      await api.close();
    },
  };
}

/** An X-Ray trace header with fresh random ids, and the Datadog ids (compat mode) it must give. */
export function traceHeader(): { header: string; traceId: bigint; parentId: bigint } {
  const hex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');
  // The random part must not start with 00000000: that form carries a Datadog id instead.
  const random = `a${hex(12).slice(1)}`;
  const parent = `b${hex(8).slice(1)}`;
  const epoch = Math.floor(Date.now() / 1000).toString(16);
  return {
    header: `Root=1-${epoch}-${random};Parent=${parent};Sampled=1`,
    // compat: the last 16 hex of the random part, top bit cleared; Parent as unsigned 64-bit.
    traceId: BigInt(`0x${random.slice(8)}`) & ((1n << 63n) - 1n),
    parentId: BigInt(`0x${parent}`),
  };
}
