// Cold start as Lambda sees it: the real runtime interface client (aws-lambda-ric, the code Lambda
// runs) started against the loopback Runtime API, a fresh process per run, with the layer by its
// handler redirect and by its exec wrapper, and with dd-trace alone in the function's code. Times
// spawn -> the client's first `GET /next` (its init done) and spawn -> the first response posted.
// Built on the layer tests' harness (test/layer/harness.ts); skips, saying why, when the runtime
// client is not built on this machine.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canMountOnOpt, withLayerOnOpt } from '../../layer/compile-cache.mjs';
import {
  type RuntimeClient,
  runtimeClient,
  startRuntime,
  traceHeader,
  unpackLayer,
  type WayIn,
} from '../../test/layer/harness.ts';
import { type ColdStartOverhead, LIMITS } from './budgets.ts';
import { median, type Summary, summarize } from './stats.ts';

interface ColdStartSubjectSpec {
  readonly id: string;
  readonly label: string;
  readonly way: WayIn;
  /** The `_HANDLER` setting, relative to the task root. */
  readonly handler: string;
}

/** The function's own handler for all; dd-trace alone is the bench's floor entry (the function's code). */
const SUBJECTS: readonly ColdStartSubjectSpec[] = [
  { id: 'bare', label: 'bare handler', way: 'no-layer', handler: 'index.handler' },
  { id: 'floor', label: 'dd-trace alone (in the function)', way: 'no-layer', handler: 'floor.handler' },
  { id: 'redirect', label: 'layer, handler redirect', way: 'redirect', handler: 'index.handler' },
  { id: 'exec-wrapper', label: 'layer, exec wrapper', way: 'exec-wrapper', handler: 'index.handler' },
];

export interface ColdStartRun {
  readonly pollMs: number;
  readonly responseMs: number;
}

export interface ColdStartSubject {
  readonly id: string;
  readonly label: string;
  readonly runs: Array<ColdStartRun | undefined>;
  pollMs: Summary;
  responseMs: Summary;
  failures: number;
}

export type ColdStartMajor =
  | { readonly skipped: string }
  | {
      readonly client: string;
      /** The layer was mounted on /opt (as in Lambda) rather than run from where it was unpacked. */
      readonly layerOnOpt?: boolean;
      rounds: number;
      readonly subjects: ColdStartSubject[];
      overhead: ColdStartOverhead[];
    };

export interface ColdStartOptions {
  readonly majors: readonly string[];
  readonly rounds: number;
  /** The loopback agent every subject's dd-trace exports to. */
  readonly agentUrl: string;
  /** The task root with the bench's `index.js` and `floor.js` (scripts/bench/measure.ts). */
  readonly taskRoot: string;
}

/** dd-trace's settings, the same for dd-trace alone as the layer's ways in get from the harness. */
function ddTraceEnv(agentUrl: string): Record<string, string> {
  return {
    DD_TRACE_AGENT_URL: agentUrl,
    DD_TRACE_EXPERIMENTAL_EXPORTER: 'agent',
    DD_TRACE_STARTUP_LOGS: 'false',
    DD_INSTRUMENTATION_TELEMETRY_ENABLED: 'false',
    DD_REMOTE_CONFIGURATION_ENABLED: 'false',
    DD_RUNTIME_METRICS_ENABLED: 'false',
  };
}

/**
 * Where the layer is: on `/opt`, as in Lambda, when this machine lets a process mount it there in a
 * private mount namespace (every subject, the floor too, then starts through the same `unshare`
 * and `mount`); otherwise where it was unpacked. The place matters: dd-trace loaded from a deeper
 * path costs more (about 2% more instructions for its load, callgrind, from a 30-character prefix
 * rather than `/opt/nodejs/node_modules`), which Lambda's layers do not pay.
 */
interface LayerPlace {
  readonly opt: string;
  readonly launch?: (command: string, args: string[]) => [string, string[]];
  readonly mounted: boolean;
}

function layerPlace(unpacked: string): LayerPlace {
  if (!canMountOnOpt()) return { opt: unpacked, mounted: false };
  return {
    opt: '/opt',
    mounted: true,
    launch: (command, args) => withLayerOnOpt(unpacked, [command, ...args]) as [string, string[]],
  };
}

/** One fresh runtime process: queue one invocation, time the first poll and the response, stop it. */
async function runOnce(
  client: RuntimeClient,
  subject: ColdStartSubjectSpec,
  options: ColdStartOptions,
  place: LayerPlace,
): Promise<ColdStartRun> {
  const runtime = await startRuntime({
    client,
    taskRoot: options.taskRoot,
    handler: subject.handler,
    way: subject.way,
    opt: place.opt,
    agentUrl: options.agentUrl,
    env: ddTraceEnv(options.agentUrl),
    ...(place.launch ? { launch: place.launch } : {}),
  });
  try {
    const result = await runtime.api.invoke({
      requestId: `cold-${subject.id}-${Date.now()}`,
      event: { orderId: 'o-1042' },
      traceHeader: traceHeader().header,
    });
    if (result.kind !== 'response') throw new Error(`the function failed: ${result.body.toString()}`);
    const polled = await runtime.api.firstPollAt;
    return { pollMs: polled - runtime.spawnedAt, responseMs: result.receivedAt - runtime.spawnedAt };
  } catch (error) {
    throw new Error(`${(error as Error).message.slice(0, 200)}\n${runtime.output().slice(-600)}`);
  } finally {
    await runtime.stop();
  }
}

/** Median of per-round differences `subject - floor`, rounds where both ran. */
function overRounds(subject: ColdStartSubject, floor: ColdStartSubject, key: keyof ColdStartRun): number {
  const diffs: number[] = [];
  subject.runs.forEach((run, i) => {
    const base = floor.runs[i];
    if (run && base) diffs.push(run[key] - base[key]);
  });
  return median(diffs);
}

async function measureMajor(
  major: '22' | '24',
  options: ColdStartOptions,
  place: LayerPlace,
): Promise<ColdStartMajor> {
  let client: RuntimeClient;
  try {
    client = runtimeClient(Number(major) as 22 | 24);
  } catch (error) {
    return { skipped: (error as Error).message };
  }
  const subjects: ColdStartSubject[] = SUBJECTS.map((s) => ({
    id: s.id,
    label: s.label,
    runs: [],
    pollMs: summarize([]),
    responseMs: summarize([]),
    failures: 0,
  }));
  let rounds = 0;
  const runRounds = async (count: number) => {
    for (let round = 0; round < count; round += 1, rounds += 1) {
      // Rotate the order each round so the machine's slow phases spread over every subject.
      for (let k = 0; k < SUBJECTS.length; k += 1) {
        const index = (k + rounds) % SUBJECTS.length;
        const subject = subjects[index]!;
        try {
          subject.runs[rounds] = await runOnce(client, SUBJECTS[index]!, options, place);
        } catch (error) {
          subject.runs[rounds] = undefined;
          subject.failures += 1;
          if (subject.failures === 1) console.log(`\n${subject.label}: ${(error as Error).message}`);
        }
        process.stdout.write(',');
      }
    }
  };
  const overheads = (): ColdStartOverhead[] => {
    const floor = subjects.find((s) => s.id === 'floor')!;
    return subjects
      .filter((s) => s.id === 'redirect' || s.id === 'exec-wrapper')
      .map((s) => ({
        way: s.id === 'redirect' ? 'handler redirect' : 'exec wrapper',
        pollMs: overRounds(s, floor, 'pollMs'),
        responseMs: overRounds(s, floor, 'responseMs'),
      }));
  };
  await runRounds(options.rounds);
  // A miss is measured again before it is reported: both runs' rounds pooled.
  if (overheads().some((o) => o.pollMs > LIMITS.coldStartMs || o.responseMs > LIMITS.coldStartMs)) {
    process.stdout.write(' (a cold-start budget missed: running again) ');
    await runRounds(options.rounds);
  }
  process.stdout.write('\n');
  for (const s of subjects) {
    const done = s.runs.filter((r): r is ColdStartRun => r !== undefined);
    s.pollMs = summarize(done.map((r) => r.pollMs));
    s.responseMs = summarize(done.map((r) => r.responseMs));
  }
  return { client: client.ricVersion, layerOnOpt: place.mounted, rounds, subjects, overhead: overheads() };
}

/** Every Node major's cold start; the layer is built and unpacked once for all. */
export async function measureColdStart(options: ColdStartOptions): Promise<Record<string, ColdStartMajor>> {
  const results: Record<string, ColdStartMajor> = {};
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xddm-bench-cold-'));
  try {
    let place: LayerPlace;
    try {
      place = layerPlace(unpackLayer(dir).opt);
    } catch (error) {
      const skipped = `the layer could not be built and unpacked: ${(error as Error).message.slice(0, 200)}`;
      for (const major of options.majors) results[major] = { skipped };
      return results;
    }
    for (const major of options.majors) {
      if (major !== '22' && major !== '24') {
        results[major] = { skipped: `no Lambda runtime for Node ${major}` };
        continue;
      }
      console.log(
        `Node ${major} cold start under the runtime client: ${options.rounds} rounds of ${SUBJECTS.length} fresh processes, the layer ${place.mounted ? 'mounted on /opt' : 'where it was unpacked (this machine cannot mount it on /opt)'}`,
      );
      results[major] = await measureMajor(major, options, place);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
