// A Lambda-like process for one reliability scenario: loads the wrapper (so dd-trace is initialised
// from this process's own environment), invokes a wrapped handler many times with some in flight at
// once, and prints one result line (RESULT_MARKER + JSON). Everything else it prints is the console
// output the scenario is judged on. Started by ../run-child.ts; the scenario comes in XDDM_SCENARIO.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';

const RESULT_MARKER = '@@xddm-result ';

export interface Scenario {
  /** Absolute path of a module exporting `withXRayMerge` (src/index.ts or a bundle). */
  entry: string;
  invocations: number;
  /** Invocations in flight at once. */
  concurrency: number;
  options?: Record<string, unknown>;
  /** Merged into each invocation's event, beside `n`. */
  event?: Record<string, unknown>;
  /** `unique`: each invocation its own X-Ray header derived from n; `none`: no header. */
  xray?: 'unique' | 'none';
  /** `traced`: the handler makes one child span with the process's dd-trace. */
  handler?: 'value' | 'traced';
  /** Sample memory after this many invocations (after a GC when --expose-gc) and at the end. */
  warmup?: number;
  /**
   * Exit this long after the last invocation instead of waiting for the process to end on its own
   * (an agent that never answers keeps dd-trace's one export socket busy for seconds per payload).
   */
  lingerMs?: number;
  /**
   * At most this many invocations ahead of the traces the agent has acknowledged (the parent writes
   * the agent's count to stdin): a steady state where invocations arrive as fast as they are exported.
   */
  window?: number;
  /** A user extractor given in code (`options.traceExtractor`) that misbehaves this way. */
  extractor?: 'throws' | 'rejects' | 'hostile';
  /** Merged into every response, beside `n` and `echo`. */
  response?: Record<string, unknown>;
  /** Merged into every Lambda context. */
  context?: Record<string, unknown>;
}

const scenario = JSON.parse(process.env.XDDM_SCENARIO ?? '{}') as Scenario;

const unhandled: string[] = [];
const uncaught: string[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(inspect(reason).slice(0, 300)));
process.on('uncaughtException', (error) => uncaught.push(inspect(error).slice(0, 300)));

/** The X-Ray header of invocation n: Root random part and Parent both derived from n. */
export function headerFor(n: number): string {
  const random = (0x5000_0000 + n).toString(16).padStart(24, '0');
  const parent = (n + 1).toString(16).padStart(16, '0');
  return `Root=1-6a000000-${random};Parent=${parent};Sampled=1`;
}

function memory() {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const wrapper = (await import(pathToFileURL(scenario.entry).href)) as {
  withXRayMerge: (handler: Handler, options?: unknown) => Handler;
};

// dd-trace is loaded when the handler is wrapped, so it is looked up at call time.
const tracer = () =>
  (globalThis as { _ddtrace?: { trace: (name: string, fn: () => void) => void } })._ddtrace;
const bare: Handler = async (event) => {
  const n = (event as { n: number }).n;
  if (scenario.handler === 'traced') tracer()?.trace('inner', () => undefined);
  return { ...scenario.response, n, echo: `value-${n}` };
};

/** Extractors that fail in the ways user code fails: throwing, async, returning traps. */
const extractors = {
  throws: () => {
    throw new Error('extractor bug');
  },
  rejects: async () => {
    throw new Error('async extractor bug');
  },
  hostile: () =>
    new Proxy(
      {},
      {
        get: () => {
          throw new Error('trap');
        },
        has: () => {
          throw new Error('trap');
        },
        ownKeys: () => {
          throw new Error('trap');
        },
        getPrototypeOf: () => {
          throw new Error('trap');
        },
      },
    ),
};
const options = {
  ...scenario.options,
  ...(scenario.extractor ? { traceExtractor: extractors[scenario.extractor] } : {}),
};

const started = performance.now();
const handler = wrapper.withXRayMerge(bare, options);
const wrapMs = performance.now() - started;

const latencies: number[] = [];
const wrong: string[] = [];
let ok = 0;
let next = 0;
let afterWarmup: ReturnType<typeof memory> | undefined;
let peakRss = 0;
/** RSS in MB every 10,000 invocations: how memory moves over a long run. */
const rssSeries: number[] = [];

async function invokeOne(n: number): Promise<void> {
  const context = {
    functionName: 'reliability-fn',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:reliability-fn',
    awsRequestId: `req-${n}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 300_000,
    ...(scenario.xray === 'unique' ? { xRayTraceId: headerFor(n) } : {}),
    ...scenario.context,
  };
  const t0 = performance.now();
  try {
    const value = (await handler({ ...scenario.event, n }, context)) as { n?: number; echo?: string };
    if (value?.n === n && value.echo === `value-${n}`) ok += 1;
    else if (wrong.length < 5) wrong.push(`invocation ${n} returned ${inspect(value)}`);
  } catch (error) {
    if (wrong.length < 5) wrong.push(`invocation ${n} threw ${inspect(error).slice(0, 300)}`);
  }
  latencies.push(performance.now() - t0);
}

// Acknowledged trace counts arrive on stdin, one decimal number per line.
let acked = 0;
const ackWaiters: Array<() => void> = [];
if (scenario.window !== undefined) {
  let pending = '';
  process.stdin.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    const last = Number(lines.at(-1));
    if (Number.isFinite(last) && last > acked) acked = last;
    for (const wake of ackWaiters.splice(0)) wake();
  });
}

async function lane(): Promise<void> {
  while (next < scenario.invocations) {
    const window = scenario.window;
    if (window !== undefined && next - acked >= window) {
      await new Promise<void>((resolve) => ackWaiters.push(resolve));
      continue;
    }
    const n = next;
    next += 1;
    await invokeOne(n);
    if (n + 1 === scenario.warmup) afterWarmup = memory();
    if (n % 1000 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (n % 10_000 === 0) rssSeries.push(Math.round(process.memoryUsage().rss / 1e6));
  }
}

const runStarted = performance.now();
await Promise.all(Array.from({ length: Math.max(1, scenario.concurrency) }, lane));
const runMs = performance.now() - runStarted;
if (scenario.window !== undefined) process.stdin.destroy();
const end = memory();
const sorted = [...latencies].sort((a, b) => a - b);

// The result is written when the process exits on its own: by then every export, retry and
// failure has played out (so late rejections and repeated warnings are seen), and a process that
// never exits shows that something the wrapper left behind keeps it alive.
process.on('exit', () => {
  const result = {
    ok,
    wrong,
    wrapMs,
    runMs,
    exitLagMs: performance.now() - runStarted - runMs,
    firstMs: latencies[0] ?? 0,
    maxMs: sorted.at(-1) ?? 0,
    p50Ms: sorted[Math.floor(sorted.length / 2)] ?? 0,
    unhandled,
    uncaught,
    memory: { afterWarmup, end, atExit: memory(), peakRss: Math.max(peakRss, end.rss), rssSeries },
  };
  // Pipes are written synchronously on Linux, so this line is out before the process ends.
  process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify(result)}\n`);
});
if (scenario.lingerMs !== undefined) setTimeout(() => process.exit(0), scenario.lingerMs);
