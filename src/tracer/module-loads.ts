/**
 * What the cold start loaded: dd-trace publishes every `require` it sees (after it is loaded) on the
 * diagnostics channels `dd-trace:moduleLoadStart` / `dd-trace:moduleLoadEnd`, the ones
 * datadog-lambda-js listens to for its cold-start spans. This records them as a tree, from when
 * recording starts until the first invocation takes it (then it stops listening: warm invocations
 * pay nothing). CommonJS only, as dd-trace sees only those. Never throws.
 */

import diagnostics from 'node:diagnostics_channel';

export interface ModuleLoad {
  /** What was asked for (`./orders`, `@aws-sdk/client-s3`, `fs`). */
  readonly id: string;
  /** The resolved file, when dd-trace knew it. */
  readonly filename: string;
  readonly startMs: number;
  endMs: number;
  readonly children: ModuleLoad[];
}

const start = diagnostics.channel('dd-trace:moduleLoadStart');
const end = diagnostics.channel('dd-trace:moduleLoadEnd');

let roots: ModuleLoad[] = [];
const stack: ModuleLoad[] = [];
let recording = false;

function onStart(message: unknown): void {
  const payload = message as { request?: unknown; filename?: unknown } | null;
  const node: ModuleLoad = {
    id: typeof payload?.request === 'string' ? payload.request : '',
    filename: typeof payload?.filename === 'string' ? payload.filename : '',
    startMs: Date.now(),
    endMs: 0,
    children: [],
  };
  stack.at(-1)?.children.push(node);
  stack.push(node);
}

function onEnd(): void {
  const node = stack.pop();
  if (!node) return;
  node.endMs = Date.now();
  if (stack.length === 0) roots.push(node);
}

/** Starts recording module loads (once per process). */
export function recordModuleLoads(): void {
  if (recording) return;
  try {
    start.subscribe(onStart);
    end.subscribe(onEnd);
    recording = true;
  } catch {
    // no diagnostics channels: no cold-start spans
  }
}

/** Stops recording and hands over what was recorded (top-level loads, in order). */
export function takeModuleLoads(): ModuleLoad[] {
  if (recording) {
    start.unsubscribe(onStart);
    end.unsubscribe(onEnd);
    recording = false;
  }
  const taken = roots;
  roots = [];
  stack.length = 0;
  return taken;
}
