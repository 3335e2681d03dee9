/**
 * Every setting of the runtime, from options and the environment, validated once with one zod
 * schema. Options win over the environment. A bad value never throws: it gets one warning naming
 * the variable, the value, and the value used instead.
 *
 * This is the only file that reads `process.env`.
 *
 * @example
 * const config = resolveConfig({ mergeXrayTraces: true });
 * config.traceIdMode; // 'compat' unless DD_XRAY_TRACE_ID_MODE says otherwise
 */

import * as z from 'zod/mini';
import { type LogLevel, log, setLogLevel } from './log.ts';
import type { TraceIdMode, XRaySampling } from './xray/ids.ts';

/** A user-supplied extractor: returns a Datadog context for the event, or nothing to fall through. */
export type TraceExtractor = (event: unknown, context: unknown) => unknown;

export interface Options {
  /** DD_MERGE_XRAY_TRACES (alias DD_MERGE_DATADOG_XRAY_TRACES): parent the span on the X-Ray header. */
  mergeXrayTraces?: boolean;
  /** DD_TRACE_ENABLED: false makes the wrapper a pass-through. */
  traceEnabled?: boolean;
  /** DD_SERVICE: service of the `aws.lambda` span; the function name when unset. */
  service?: string;
  /** DD_ENV */
  env?: string;
  /** DD_VERSION */
  version?: string;
  /** DD_LOG_LEVEL: debug | info | warn | error | off. */
  logLevel?: LogLevel;
  /** DD_XRAY_TRACE_ID_MODE: compat | full128. */
  traceIdMode?: TraceIdMode;
  /** DD_XRAY_SAMPLING: keep-only | respect. */
  sampling?: XRaySampling;
  /** DD_XRAY_METADATA: send the `datadog-metadata` subsegment to the X-Ray daemon. */
  xrayMetadata?: boolean;
  /** AWS_XRAY_DAEMON_ADDRESS: `host:port` or `tcp:host:port udp:host:port`. */
  daemonAddress?: string;
  /** DD_APM_FLUSH_DEADLINE_MILLISECONDS: how long before the timeout the span is closed. */
  flushDeadlineMs?: number;
  /** DD_TRACE_EXTRACTOR (`module.fn`), or a function given in code. */
  traceExtractor?: TraceExtractor | string;
  /** DD_CAPTURE_LAMBDA_PAYLOAD: put the event and the response on the span (off: privacy by default). */
  captureLambdaPayload?: boolean;
}

const logLevels = ['debug', 'info', 'warn', 'error', 'off'] as const;

const schema = z.object({
  mergeXrayTraces: z.boolean(),
  traceEnabled: z.boolean(),
  service: z.optional(z.string().check(z.minLength(1))),
  env: z.optional(z.string().check(z.minLength(1))),
  version: z.optional(z.string().check(z.minLength(1))),
  logLevel: z.enum(logLevels),
  traceIdMode: z.enum(['compat', 'full128']),
  sampling: z.enum(['keep-only', 'respect']),
  xrayMetadata: z.boolean(),
  daemonAddress: z.string().check(z.minLength(1)),
  flushDeadlineMs: z.int().check(z.minimum(0), z.maximum(900_000)),
  traceExtractor: z.optional(z.union([z.custom<TraceExtractor>((v) => typeof v === 'function'), z.string()])),
  captureLambdaPayload: z.boolean(),
});

export type Config = Readonly<z.infer<typeof schema>>;
type Key = keyof Config;

const DEFAULTS: Config = {
  mergeXrayTraces: false,
  traceEnabled: true,
  logLevel: 'warn',
  traceIdMode: 'compat',
  sampling: 'keep-only',
  xrayMetadata: true,
  daemonAddress: '127.0.0.1:2000',
  flushDeadlineMs: 100,
  captureLambdaPayload: false,
};

type Kind = 'boolean' | 'string' | 'enum' | 'int';

/** Each setting's environment variables (first set wins) and how its string form is read. */
const SOURCES: Record<Key, { env: readonly string[]; kind: Kind }> = {
  mergeXrayTraces: { env: ['DD_MERGE_XRAY_TRACES', 'DD_MERGE_DATADOG_XRAY_TRACES'], kind: 'boolean' },
  traceEnabled: { env: ['DD_TRACE_ENABLED'], kind: 'boolean' },
  service: { env: ['DD_SERVICE'], kind: 'string' },
  env: { env: ['DD_ENV'], kind: 'string' },
  version: { env: ['DD_VERSION'], kind: 'string' },
  logLevel: { env: ['DD_LOG_LEVEL'], kind: 'enum' },
  traceIdMode: { env: ['DD_XRAY_TRACE_ID_MODE'], kind: 'enum' },
  sampling: { env: ['DD_XRAY_SAMPLING'], kind: 'enum' },
  xrayMetadata: { env: ['DD_XRAY_METADATA'], kind: 'boolean' },
  daemonAddress: { env: ['AWS_XRAY_DAEMON_ADDRESS'], kind: 'string' },
  flushDeadlineMs: { env: ['DD_APM_FLUSH_DEADLINE_MILLISECONDS'], kind: 'int' },
  traceExtractor: { env: ['DD_TRACE_EXTRACTOR'], kind: 'string' },
  captureLambdaPayload: { env: ['DD_CAPTURE_LAMBDA_PAYLOAD'], kind: 'boolean' },
};

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** The one truthiness rule: true/1/yes/on and false/0/no/off, any case; anything else stays invalid. */
export function parseBoolean(value: string): boolean | undefined {
  const normal = value.trim().toLowerCase();
  if (TRUE.has(normal)) return true;
  if (FALSE.has(normal)) return false;
  return undefined;
}

function fromEnvString(raw: string, kind: Kind): unknown {
  const value = raw.trim();
  switch (kind) {
    case 'boolean':
      return parseBoolean(value) ?? raw;
    case 'enum':
      return value.toLowerCase();
    case 'int':
      return /^[0-9]+$/.test(value) ? Number(value) : raw;
    default:
      return value;
  }
}

function describeDefault(value: unknown): string {
  return value === undefined ? 'no value' : JSON.stringify(value);
}

/**
 * Reads every setting once: options first, then the environment, then the defaults. Invalid
 * values are replaced by their default with one warning each.
 */
export function resolveConfig(options: Options = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, unknown> = {};
  const origin: Record<string, string> = {};
  for (const key of Object.keys(SOURCES) as Key[]) {
    const given = options[key];
    if (given !== undefined) {
      raw[key] = given;
      origin[key] = `option ${key}`;
      continue;
    }
    const { env: names, kind } = SOURCES[key];
    const name = names.find((n) => env[n] !== undefined && env[n] !== '');
    if (name !== undefined) {
      raw[key] = fromEnvString(env[name] as string, kind);
      origin[key] = name;
    } else {
      raw[key] = DEFAULTS[key];
    }
  }
  const first = schema.safeParse(raw);
  if (first.success) return applied(first.data);

  // Fix each bad field to its default, then parse again; the warnings come out after the log
  // level itself is known, so DD_LOG_LEVEL=off silences them as users expect.
  const warnings: Array<[string, string]> = [];
  for (const issue of first.error.issues) {
    const key = issue.path[0] as Key;
    if (!(key in SOURCES) || warnings.some(([k]) => k === key)) continue;
    const source = origin[key] ?? key;
    const given = typeof raw[key] === 'function' ? 'a function' : JSON.stringify(raw[key]);
    warnings.push([
      key,
      `${source}=${given} is not valid (${issue.message}); using ${describeDefault(DEFAULTS[key])}`,
    ]);
    raw[key] = DEFAULTS[key];
  }
  const config = applied(schema.parse(raw));
  for (const [key, message] of warnings) log.once('warn', `config:${key}:${message}`, message);
  return config;
}

function applied(config: z.infer<typeof schema>): Config {
  setLogLevel(config.logLevel);
  return Object.freeze(config);
}

/** Facts about the Lambda environment the function runs in (not settings: Lambda sets them). */
export interface LambdaEnvironment {
  readonly functionName?: string;
  readonly region?: string;
  readonly taskRoot?: string;
  /** Set on Lambda Managed Instances: several invocations run at once in one process. */
  readonly maxConcurrency?: string;
  /** The user's handler behind the layer's redirect entry. */
  readonly redirectHandler?: string;
  readonly lambdaHandler?: string;
}

export function lambdaEnvironment(env: NodeJS.ProcessEnv = process.env): LambdaEnvironment {
  return {
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    region: env.AWS_REGION,
    taskRoot: env.LAMBDA_TASK_ROOT,
    maxConcurrency: env.AWS_LAMBDA_MAX_CONCURRENCY,
    redirectHandler: env.DD_LAMBDA_HANDLER,
    lambdaHandler: env._HANDLER,
  };
}

/**
 * The merger's environment (the scheduled handler and the CLI), raw: `src/merge/merger-config.ts`
 * validates it. Kept apart from the runtime's Config, which the function's wrapper reads.
 */
export interface MergerEnvironment {
  /** DD_TRACE_AGENT_URL */
  readonly agentUrl?: string;
  /** DD_AGENT_HOST */
  readonly agentHost?: string;
  /** DD_TRACE_AGENT_PORT */
  readonly agentPort?: string;
  /** DD_XRAY_TRACE_ID_MODE: the same setting the runtime uses, so both halves map ids alike. */
  readonly traceIdMode?: string;
  /** DD_MERGER_INTERVAL: the scheduled window length, e.g. `5m`. */
  readonly interval?: string;
  /** DD_MERGER_DELAY: how far behind now a scheduled window ends, e.g. `2m`. */
  readonly delay?: string;
  /** DD_MERGER_FILTER_EXPRESSION: an X-Ray filter expression. */
  readonly filterExpression?: string;
  /** DD_MERGER_SINK: agent | ndjson (stdout). */
  readonly sink?: string;
  /** DD_MERGER_XRAY_ENDPOINT: an X-Ray API endpoint override. */
  readonly xrayEndpoint?: string;
  /** DD_MERGER_CONCURRENCY: BatchGetTraces calls in flight. */
  readonly concurrency?: string;
  /** DD_MERGER_INCLUDE_METADATA: copy segment metadata into span meta. */
  readonly includeMetadata?: string;
}

export function mergerEnvironment(env: NodeJS.ProcessEnv = process.env): MergerEnvironment {
  return {
    agentUrl: env.DD_TRACE_AGENT_URL,
    agentHost: env.DD_AGENT_HOST,
    agentPort: env.DD_TRACE_AGENT_PORT,
    traceIdMode: env.DD_XRAY_TRACE_ID_MODE,
    interval: env.DD_MERGER_INTERVAL,
    delay: env.DD_MERGER_DELAY,
    filterExpression: env.DD_MERGER_FILTER_EXPRESSION,
    sink: env.DD_MERGER_SINK,
    xrayEndpoint: env.DD_MERGER_XRAY_ENDPOINT,
    concurrency: env.DD_MERGER_CONCURRENCY,
    includeMetadata: env.DD_MERGER_INCLUDE_METADATA,
  };
}

/**
 * Adds `name` to DD_TRACE_DISABLED_INSTRUMENTATIONS, which dd-trace reads when it is first loaded;
 * the user's own entries stay as they are. The one place this package writes the environment.
 */
export function disableDdTraceInstrumentation(name: string, env: NodeJS.ProcessEnv = process.env): void {
  const current = env.DD_TRACE_DISABLED_INSTRUMENTATIONS;
  if (!current) env.DD_TRACE_DISABLED_INSTRUMENTATIONS = name;
  else if (!current.split(',').includes(name)) env.DD_TRACE_DISABLED_INSTRUMENTATIONS = `${current},${name}`;
}

/** The process-wide trace header, read per invocation: the last source, after InvokeStore and the context. */
export function processTraceHeader(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env._X_AMZN_TRACE_ID;
}
