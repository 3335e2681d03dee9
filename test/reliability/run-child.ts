/**
 * Runs one reliability scenario in its own process (so dd-trace is initialised from that scenario's
 * environment), under the same Node as the test, and returns its result line and everything else it
 * printed.
 */

import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Scenario as ChildScenario } from './child/invoke.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CHILD = path.join(ROOT, 'test/reliability/child/invoke.ts');
export const SOURCE_ENTRY = path.join(ROOT, 'src/index.ts');
const RESULT_MARKER = '@@xddm-result ';

/** A scenario as the child runs it (see child/invoke.ts); the entry and concurrency have defaults here. */
export type Scenario = Omit<ChildScenario, 'entry' | 'concurrency'> &
  Partial<Pick<ChildScenario, 'entry' | 'concurrency'>>;

export interface ChildResult {
  ok: number;
  wrong: string[];
  wrapMs: number;
  runMs: number;
  exitLagMs: number;
  firstMs: number;
  maxMs: number;
  p50Ms: number;
  unhandled: string[];
  uncaught: string[];
  memory: {
    afterWarmup?: { rss: number; heapUsed: number };
    end: { rss: number; heapUsed: number };
    /** When the process ends: after every export has been sent (or failed). */
    atExit: { rss: number; heapUsed: number };
    peakRss: number;
    rssSeries: number[];
  };
}

export interface ChildRun<R = ChildResult> {
  result: R;
  /** Every line the process printed on stdout and stderr, except the result line. */
  output: string[];
  exitCode: number | null;
}

/** The environment dd-trace sees in Lambda, exporting to `agentUrl`; nothing inherited but PATH. */
export function lambdaEnv(agentUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    AWS_LAMBDA_FUNCTION_NAME: 'reliability-fn',
    AWS_REGION: 'eu-west-1',
    DD_TRACE_AGENT_URL: agentUrl,
    DD_TRACE_EXPERIMENTAL_EXPORTER: 'agent',
    DD_TRACE_STARTUP_LOGS: 'false',
    DD_INSTRUMENTATION_TELEMETRY_ENABLED: 'false',
    DD_REMOTE_CONFIGURATION_ENABLED: 'false',
    DD_RUNTIME_METRICS_ENABLED: 'false',
    DD_MERGE_XRAY_TRACES: 'true',
    ...extra,
  };
}

/**
 * Runs the scenario and resolves once the process has exited on its own. A process still running
 * after `timeoutMs` is killed and the promise rejects: something kept it alive.
 */
export function runChild<R = ChildResult>(
  scenario: Scenario,
  env: Record<string, string>,
  {
    timeoutMs = 60_000,
    nodeArgs = [] as string[],
    onStart,
    script = CHILD,
  }: {
    timeoutMs?: number;
    nodeArgs?: string[];
    /** Given the child's stdin (then a pipe) as soon as it has started. */
    onStart?: (stdin: Writable) => void;
    /** Another child script printing a RESULT_MARKER line. */
    script?: string;
  } = {},
): Promise<ChildRun<R>> {
  const full = { entry: SOURCE_ENTRY, concurrency: 1, xray: 'unique', handler: 'value', ...scenario };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, script], {
      cwd: ROOT,
      env: { ...env, XDDM_SCENARIO: JSON.stringify(full) },
      stdio: [onStart ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    if (onStart && child.stdin) {
      // The child closes its end when it no longer reads; a late write must not fail the test.
      child.stdin.on('error', () => undefined);
      onStart(child.stdin);
    }
    let text = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the scenario process did not exit within ${timeoutMs} ms; output:\n${text}`));
    }, timeoutMs);
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      const lines = text.split('\n');
      const marker = lines.find((line) => line.startsWith(RESULT_MARKER));
      if (!marker) {
        reject(new Error(`the scenario process printed no result (exit ${exitCode}); output:\n${text}`));
        return;
      }
      resolve({
        result: JSON.parse(marker.slice(RESULT_MARKER.length)) as R,
        output: lines.filter((line) => line.trim() !== '' && !line.startsWith(RESULT_MARKER)),
        exitCode,
      });
    });
  });
}

/** Lines printed more than once: a fault that is reported per invocation instead of once. */
export function repeatedLines(output: readonly string[]): string[] {
  const seen = new Map<string, number>();
  for (const line of output) seen.set(line, (seen.get(line) ?? 0) + 1);
  return [...seen].filter(([, count]) => count > 1).map(([line, count]) => `${count}x ${line}`);
}
