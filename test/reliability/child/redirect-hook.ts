// The layer's CommonJS redirect entry with dd-trace's own Lambda hook active (LAMBDA_TASK_ROOT and
// DD_LAMBDA_HANDLER set, the user's module loaded with require): dd-trace then wraps the user's
// export in its own timeout wrapper, inside this package's wrapper. Runs one case and prints one
// result line (RESULT_MARKER + JSON). The parent writes `release` on stdin when the handler may end.
//
// The user's module is fn.cjs in LAMBDA_TASK_ROOT (written by the test); its behaviour per event:
//   { mode: 'hang' }   waits until released, then returns 'late value'
//   { mode: 'reject' } rejects at once
//   { mode: 'work' }   makes a `work` span, then waits `waitMs`, then returns 'worked'
import diagnostics from 'node:diagnostics_channel';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const RESULT_MARKER = '@@xddm-result ';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const kase = process.env.XDDM_CASE;

let released: () => void = () => undefined;
const release = new Promise<void>((resolve) => {
  released = resolve;
});
(globalThis as { __xddmRelease?: Promise<void> }).__xddmRelease = release;
process.stdin.setEncoding('utf8').on('data', (chunk: string) => {
  if (chunk.includes('release')) {
    released();
    process.stdin.destroy();
  }
});

// dd-trace publishes here when its own timeout wrapper decides the invocation is about to time out.
let ddTimeouts = 0;
const ddTimeout = new Promise<void>((resolve) => {
  diagnostics.subscribe('apm:aws:lambda:timeout', () => {
    ddTimeouts += 1;
    resolve();
  });
});

const { requireRedirectedHandler } = (await import(
  pathToFileURL(path.join(root, 'src/handler/redirect.ts')).href
)) as { requireRedirectedHandler: () => (event: unknown, context: unknown) => Promise<unknown> };
const handler = requireRedirectedHandler();

function context(requestId: string, remainingMs: number) {
  return {
    functionName: 'reliability-fn',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:reliability-fn',
    awsRequestId: requestId,
    getRemainingTimeInMillis: () => remainingMs,
    xRayTraceId: 'Root=1-5e272390-8c398be037738dc042009320;Parent=94ae789b969f1cc5;Sampled=1',
  };
}

const outcomes: unknown[] = [];
const settle = (promise: Promise<unknown>) =>
  promise.then(
    (value) => outcomes.push({ value }),
    (error: unknown) => outcomes.push({ error: String((error as Error)?.message ?? error) }),
  );

if (kase === 'timeout') {
  // Runs into the deadline; the parent releases it once the span has reached the agent.
  await settle(handler({ mode: 'hang' }, context('timeout-1', 400)));
} else if (kase === 'reject-then-work') {
  // dd-trace's wrapper clears its timer only when the handler resolves: after a rejection it fires
  // later, in a process that goes on serving invocations.
  await settle(handler({ mode: 'reject' }, context('reject-1', 300)));
  // Wait for dd-trace's leftover timer; with its hook off nothing fires, so the wait is bounded
  // (the timer is due 200 ms after the rejection).
  await Promise.race([ddTimeout, new Promise((resolve) => setTimeout(resolve, 1000))]);
  await settle(handler({ mode: 'work', waitMs: 60 }, context('work-1', 60_000)));
  process.stdin.destroy();
}

process.on('exit', () => {
  process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify({ outcomes, ddTimeouts })}\n`);
});
