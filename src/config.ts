/**
 * Every setting of the runtime, from options and the environment, validated once with one zod
 * schema. Options win over the environment. A bad value never throws: it gets one warning naming
 * the variable, the value, and the value used instead.
 *
 * The settings are described once, in `SETTINGS`; the zod schema (`config-schema.ts`) is built from
 * that table. A cold start pays for zod only when a value is bad: valid values pass a quick check
 * against the same table, which a differential test holds to exactly what the schema accepts.
 *
 * This is the only file that reads `process.env`.
 *
 * @example
 * const config = resolveConfig({ mergeXrayTraces: true });
 * config.traceIdMode; // 'compat' unless DD_XRAY_TRACE_ID_MODE says otherwise
 */

import { createRequire } from 'node:module';
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
  /**
   * DD_DECODE_AUTHORIZER_CONTEXT: read a traced Lambda authorizer's context from an API Gateway
   * event's `requestContext.authorizer._datadog` (on, as in datadog-lambda-js).
   */
  decodeAuthorizerContext?: boolean;
  /**
   * DD_TRACE_MANAGED_SERVICES: spans for the managed services in front of the function, as
   * datadog-lambda-js makes them: the trigger's (`aws.apigateway`, `aws.sqs`, …) and a traced
   * authorizer's `aws.apigateway.authorizer`.
   */
  traceManagedServices?: boolean;
  /** DD_SERVICE_MAPPING: `key:service,…`, the service names of inferred spans (`orders-queue:orders`, `lambda_sqs:queues`). */
  serviceMapping?: string;
  /**
   * DD_TRACE_AWS_SERVICE_REPRESENTATION_ENABLED: inferred spans are named after the queue, topic,
   * API, … (on); off, after the kind of service (`sqs`, `sns`, …).
   */
  awsServiceRepresentation?: boolean;
  /** DD_TRACE_REMOVE_INTEGRATION_SERVICE_NAMES_ENABLED: inferred spans take DD_SERVICE, when it is set. */
  removeIntegrationServiceNames?: boolean;
  /**
   * DD_ENCODE_AUTHORIZER_CONTEXT: a wrapped Lambda authorizer puts its trace context in its
   * response's `context._datadog`, so the function behind it continues the trace.
   */
  encodeAuthorizerContext?: boolean;
  /**
   * DD_TRACE_AWS_ADD_SPAN_POINTERS: span pointers from an S3 or DynamoDB stream trigger to the write
   * that caused it.
   */
  addSpanPointers?: boolean;
  /**
   * DD_COLD_START_TRACING: on the cold start's first invocation, spans for the modules `require`d
   * while the function started (off by default here; README: "Cold-start spans").
   */
  coldStartTracing?: boolean;
  /** DD_MIN_COLD_START_DURATION: the shortest module load, in ms, that gets a cold-start span. */
  minColdStartDuration?: number;
  /** DD_COLD_START_TRACE_SKIP_LIB: modules (as required, comma-separated) left out of the cold-start spans. */
  coldStartTraceSkipLib?: string;
}

/** How one setting is read and which values are valid: the quick check and the zod schema both follow it. */
export type Setting =
  | { readonly kind: 'boolean'; readonly env: readonly string[]; readonly default: boolean }
  | { readonly kind: 'text'; readonly env: readonly string[]; readonly default?: string }
  | {
      readonly kind: 'enum';
      readonly env: readonly string[];
      readonly values: readonly [string, ...string[]];
      readonly default: string;
    }
  | {
      readonly kind: 'int';
      readonly env: readonly string[];
      readonly min: number;
      readonly max: number;
      readonly default: number;
    }
  | { readonly kind: 'extractor'; readonly env: readonly string[] };

/**
 * Every setting, once: its environment variables (first set wins), its kind, the values it allows
 * and its default. A setting without a default is optional. `config-schema.ts` builds the zod
 * schema from this table.
 */
export const SETTINGS = {
  mergeXrayTraces: {
    kind: 'boolean',
    env: ['DD_MERGE_XRAY_TRACES', 'DD_MERGE_DATADOG_XRAY_TRACES'],
    default: false,
  },
  traceEnabled: { kind: 'boolean', env: ['DD_TRACE_ENABLED'], default: true },
  service: { kind: 'text', env: ['DD_SERVICE'] },
  env: { kind: 'text', env: ['DD_ENV'] },
  version: { kind: 'text', env: ['DD_VERSION'] },
  logLevel: {
    kind: 'enum',
    env: ['DD_LOG_LEVEL'],
    values: ['debug', 'info', 'warn', 'error', 'off'],
    default: 'warn',
  },
  traceIdMode: {
    kind: 'enum',
    env: ['DD_XRAY_TRACE_ID_MODE'],
    values: ['compat', 'full128'],
    default: 'compat',
  },
  sampling: {
    kind: 'enum',
    env: ['DD_XRAY_SAMPLING'],
    values: ['keep-only', 'respect'],
    default: 'keep-only',
  },
  xrayMetadata: { kind: 'boolean', env: ['DD_XRAY_METADATA'], default: true },
  daemonAddress: { kind: 'text', env: ['AWS_XRAY_DAEMON_ADDRESS'], default: '127.0.0.1:2000' },
  flushDeadlineMs: {
    kind: 'int',
    env: ['DD_APM_FLUSH_DEADLINE_MILLISECONDS'],
    min: 0,
    max: 900_000,
    default: 100,
  },
  traceExtractor: { kind: 'extractor', env: ['DD_TRACE_EXTRACTOR'] },
  captureLambdaPayload: { kind: 'boolean', env: ['DD_CAPTURE_LAMBDA_PAYLOAD'], default: false },
  decodeAuthorizerContext: { kind: 'boolean', env: ['DD_DECODE_AUTHORIZER_CONTEXT'], default: true },
  traceManagedServices: { kind: 'boolean', env: ['DD_TRACE_MANAGED_SERVICES'], default: true },
  serviceMapping: { kind: 'text', env: ['DD_SERVICE_MAPPING'] },
  awsServiceRepresentation: {
    kind: 'boolean',
    env: ['DD_TRACE_AWS_SERVICE_REPRESENTATION_ENABLED'],
    default: true,
  },
  removeIntegrationServiceNames: {
    kind: 'boolean',
    env: ['DD_TRACE_REMOVE_INTEGRATION_SERVICE_NAMES_ENABLED'],
    default: false,
  },
  encodeAuthorizerContext: { kind: 'boolean', env: ['DD_ENCODE_AUTHORIZER_CONTEXT'], default: true },
  addSpanPointers: { kind: 'boolean', env: ['DD_TRACE_AWS_ADD_SPAN_POINTERS'], default: true },
  coldStartTracing: { kind: 'boolean', env: ['DD_COLD_START_TRACING'], default: false },
  minColdStartDuration: {
    kind: 'int',
    env: ['DD_MIN_COLD_START_DURATION'],
    min: 0,
    max: 900_000,
    default: 3,
  },
  coldStartTraceSkipLib: { kind: 'text', env: ['DD_COLD_START_TRACE_SKIP_LIB'] },
} as const satisfies Record<string, Setting>;

type Settings = typeof SETTINGS;
type Key = keyof Settings;

type ValueOf<S> = S extends { kind: 'boolean' }
  ? boolean
  : S extends { kind: 'enum'; values: readonly (infer V)[] }
    ? V
    : S extends { kind: 'int' }
      ? number
      : S extends { kind: 'text' }
        ? string
        : TraceExtractor | string;
type RequiredKey = { [K in Key]: Settings[K] extends { default: unknown } ? K : never }[Key];

/** The resolved settings, frozen. */
export type Config = Readonly<
  { [K in RequiredKey]: ValueOf<Settings[K]> } & { [K in Exclude<Key, RequiredKey>]?: ValueOf<Settings[K]> }
>;

const KEYS = Object.keys(SETTINGS) as Key[];

/**
 * The quick check: whether the zod schema would accept `value` for `setting`, without loading zod.
 * test/config.differential.test.ts holds it to exactly the schema's verdict.
 */
function accepts(setting: Setting, value: unknown): boolean {
  if (value === undefined) return !('default' in setting);
  switch (setting.kind) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'text':
      return typeof value === 'string' && value.length > 0;
    case 'enum':
      return typeof value === 'string' && setting.values.includes(value);
    case 'int':
      return (
        Number.isSafeInteger(value) && (value as number) >= setting.min && (value as number) <= setting.max
      );
    case 'extractor':
      return typeof value === 'function' || typeof value === 'string';
  }
}

/** The keys whose raw values the quick check rejects. */
export function rejectedSettings(raw: Readonly<Record<string, unknown>>): Key[] {
  return KEYS.filter((key) => !accepts(SETTINGS[key], raw[key]));
}

type Schema = ReturnType<typeof import('./config-schema.ts').configSchema>;
let schema: Schema | undefined;

/**
 * The zod schema, built on first use. A literal `require` so esbuild bundles the module lazily
 * (zod is evaluated only when called); under plain Node (tests) the ESM source has no `require`.
 */
export function settingsSchema(): Schema {
  if (schema === undefined) {
    const module: typeof import('./config-schema.ts') =
      typeof require === 'function'
        ? require('./config-schema.ts')
        : createRequire(import.meta.url)('./config-schema.ts');
    schema = module.configSchema(SETTINGS);
  }
  return schema;
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** The one truthiness rule: true/1/yes/on and false/0/no/off, any case; anything else stays invalid. */
export function parseBoolean(value: string): boolean | undefined {
  const normal = value.trim().toLowerCase();
  if (TRUE.has(normal)) return true;
  if (FALSE.has(normal)) return false;
  return undefined;
}

function fromEnvString(raw: string, kind: Setting['kind']): unknown {
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

/** A bad value as the warning shows it; never throws (JSON.stringify does on a bigint). */
function describeGiven(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return typeof value;
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
  const { raw, origin } = rawSettings(options, env);
  // Valid settings (the usual case) need no zod: the quick check accepts exactly what it accepts.
  if (rejectedSettings(raw).length === 0) return applied(raw);
  const first = settingsSchema().safeParse(raw);
  if (first.success) return applied(first.data);

  // Fix each bad field to its default, then parse again; the warnings come out after the log
  // level itself is known, so DD_LOG_LEVEL=off silences them as users expect.
  const warnings: Array<[string, string]> = [];
  for (const issue of first.error.issues) {
    const key = issue.path[0] as Key;
    if (!(key in SETTINGS) || warnings.some(([k]) => k === key)) continue;
    const source = origin[key] ?? key;
    const given = describeGiven(raw[key]);
    warnings.push([
      key,
      `${source}=${given} is not valid (${issue.message}); using ${describeDefault(defaultOf(key))}`,
    ]);
    raw[key] = defaultOf(key);
  }
  const config = applied(settingsSchema().parse(raw));
  for (const [key, message] of warnings) log.once('warn', `config:${key}:${message}`, message);
  return config;
}

/**
 * Each setting's value before validation (options first, then the environment read by its kind,
 * then the default) and where it came from, for the warning.
 */
export function rawSettings(
  options: Options,
  env: NodeJS.ProcessEnv,
): { raw: Record<string, unknown>; origin: Record<string, string> } {
  const raw: Record<string, unknown> = {};
  const origin: Record<string, string> = {};
  for (const key of KEYS) {
    const given = options[key];
    if (given !== undefined) {
      raw[key] = given;
      origin[key] = `option ${key}`;
      continue;
    }
    const setting: Setting = SETTINGS[key];
    const name = setting.env.find((n) => env[n] !== undefined && env[n] !== '');
    if (name !== undefined) {
      raw[key] = fromEnvString(env[name] as string, setting.kind);
      origin[key] = name;
    } else {
      raw[key] = defaultOf(key);
    }
  }
  return { raw, origin };
}

function defaultOf(key: Key): unknown {
  const setting: Setting = SETTINGS[key];
  return 'default' in setting ? setting.default : undefined;
}

function applied(values: Record<string, unknown>): Config {
  const config = values as Config;
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
  /** DD_ENV: the `env` every span converted from X-Ray is tagged with. */
  readonly env?: string;
  /** DD_MERGER_SINK: agent | ndjson (stdout). */
  readonly sink?: string;
  /** DD_MERGER_XRAY_ENDPOINT: an X-Ray API endpoint override. */
  readonly xrayEndpoint?: string;
  /** DD_MERGER_CONCURRENCY: BatchGetTraces calls in flight. */
  readonly concurrency?: string;
  /** DD_MERGER_INCLUDE_METADATA: copy segment metadata into span meta. */
  readonly includeMetadata?: string;
  /** DD_MERGER_REPARTITION_STREAM: the stream the stream path's re-partitioning stage writes to. */
  readonly repartitionStream?: string;
  /** DD_MERGER_KINESIS_ENDPOINT: a Kinesis API endpoint override. */
  readonly kinesisEndpoint?: string;
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
    repartitionStream: env.DD_MERGER_REPARTITION_STREAM,
    kinesisEndpoint: env.DD_MERGER_KINESIS_ENDPOINT,
    env: env.DD_ENV,
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
