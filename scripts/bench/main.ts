// `npm run bench`: cold start and per-invocation cost of each subject, side by side, each cold figure
// from a fresh process; the merger's throughput; the budgets. Writes bench-out/results.json and
// bench-out/bench.svg (copied to docs/bench.svg) and prints a table.
//
//   npm run bench                      full run (Node 22 and 24, 7 runs per subject)
//   npm run bench -- --quick           fewer runs and invocations, merger up to 100k segments, no docs/bench.svg
//   npm run bench -- --check           exit 1 when a budget fails
//   npm run bench -- --compile-cache   also d1/d2: the layer zip mounted on /opt, without and with its compile cache
//   npm run bench -- --render          redraw the table and chart from bench-out/results.json
//   npm run bench -- --attribution     also b': dd-trace given the wrapper's parent and tags (c - b' = the wrapper's own code)
//   npm run bench -- --exporter log    dd-trace writes traces to stdout (Lambda without the Datadog extension) instead of the loopback agent
//   npm run bench -- --node 22 --runs 5 --only wrapper,peer --skip-merger
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { canMountOnOpt, stage } from '../../layer/compile-cache.mjs';
import { parseTraceHeader } from '../../src/xray/header.ts';
import { datadogSpanId, datadogTraceId } from '../../src/xray/ids.ts';
import { decodeSpans, type Received, type StandIns, startStandIns } from './agent.ts';
import { anyFailed, checkBudgets, type Overhead } from './budgets.ts';
import {
  type ChildResult,
  type LoopShape,
  lambdaEnv,
  layerAtOpt,
  loadsByOrigin,
  offInvokePath,
  removeTaskRoot,
  root,
  runChild,
  runJsonChild,
  runPaired,
  type Subject,
  subjects,
  type TraceExporter,
  unavailable,
  writeTaskRoot,
} from './measure.ts';
import { type MergerResult, measureMerger, mergerAvailable } from './merger.ts';
import { chartSvg, type Results, type RunFigures, type SubjectReport, textReport } from './report.ts';
import { median, ratio, summarize } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    'compile-cache': { type: 'boolean', default: false },
    'skip-merger': { type: 'boolean', default: false },
    'skip-stream': { type: 'boolean', default: false },
    node: { type: 'string', default: '22,24' },
    exporter: { type: 'string', default: 'agent' },
    runs: { type: 'string' },
    only: { type: 'string' },
    render: { type: 'boolean', default: false },
    attribution: { type: 'boolean', default: false },
  },
});

const quick = args.quick === true;
if (args.exporter !== 'agent' && args.exporter !== 'log') {
  console.error(`--exporter ${args.exporter}: expected agent or log`);
  process.exit(2);
}
const EXPORTER: TraceExporter = args.exporter;
const RUNS = Number(args.runs ?? (quick ? 3 : 7));
const LOOP: LoopShape = quick
  ? { batches: 8, batchSize: 250, warmupBatches: 1 }
  : { batches: 20, batchSize: 250, warmupBatches: 2 };
/** Side-by-side warm runs: processes per Node version, and each one's rounds of alternating batches. */
const PAIRED = quick
  ? { processes: 2, rounds: 12, warmupRounds: 2, batchSize: 100 }
  : { processes: 4, rounds: 24, warmupRounds: 3, batchSize: 100 };
const MERGER_SIZES = quick ? [1_000, 30_000, 100_000] : [1_000, 100_000, 1_000_000];
const MAJORS = String(args.node).split(',').filter(Boolean);
const OUT = path.join(root, 'bench-out');
function nodeBinary(major: string): string {
  const bin = path.join(root, 'node_modules', `node${major}`, 'bin', 'node');
  if (!existsSync(bin)) throw new Error(`Node ${major} is missing at ${bin}: run npm ci`);
  return bin;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** A fresh clone has no dist/: build it. A stale dist/ is only reported (rebuilding wipes dist/ under other users). */
function ensureBuilt(): void {
  const bundle = path.join(root, 'dist/index.cjs');
  if (!existsSync(bundle)) {
    console.log('dist/ is missing: building (npm run build)');
    execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
  } else if (newestMtime(path.join(root, 'src')) > statSync(bundle).mtimeMs) {
    console.log('note: src/ is newer than dist/index.cjs; run `npm run build` for current figures');
  }
  const layerOut = path.join(root, 'layer/out');
  const hasZip = existsSync(layerOut) && readdirSync(layerOut).some((f) => f.endsWith('.zip'));
  if (!hasZip && existsSync(path.join(root, 'layer/build.mjs'))) {
    console.log('layer/out has no zip: building the layer (npm run layer:build)');
    try {
      execFileSync(process.execPath, [path.join(root, 'layer/build.mjs')], { cwd: root, stdio: 'inherit' });
    } catch {
      console.log('the layer build failed; its size budget is skipped');
    }
  }
}

function layerZips(): Array<{ name: string; bytes: number }> {
  const dir = path.join(root, 'layer/out');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.zip'))
    .map((name) => ({ name, bytes: statSync(path.join(dir, name)).size }));
}

/** Did the first invocation's `aws.lambda` span land in the X-Ray trace with the X-Ray parent? */
function mergedIntoXRay(received: Received, header: string): boolean {
  const parsed = parseTraceHeader(header);
  if (!parsed.root || !parsed.parent) return false;
  const traceId = datadogTraceId(parsed.root, 'compat').traceId;
  const parentId = datadogSpanId(parsed.parent);
  return decodeSpans(received.bodies).some(
    (span) => span.name === 'aws.lambda' && span.trace_id === traceId && span.parent_id === parentId,
  );
}

function figures(subject: Subject, result: ChildResult, received: Received): RunFigures {
  // With the log exporter no span reaches the stand-in agent, so there is nothing to check.
  const merges = EXPORTER === 'agent' && subject.base !== 'bare' && subject.base !== 'floor';
  return {
    importMs: result.importMs,
    importCpuMs: result.importCpuMs,
    firstMs: result.firstMs,
    warmUs: summarize(result.warmUs).median,
    cpuUs: summarize(result.warmCpuUs).median,
    rssMb: result.rssMb,
    bootMs: result.bootMs,
    traceRequests: received.requests,
    datagrams: received.datagrams,
    ...(merges ? { merged: mergedIntoXRay(received, result.firstHeader) } : {}),
  };
}

async function measureMajor(
  major: string,
  taskRoot: string,
  standIns: StandIns,
  layerDirs: LayerDirs | undefined,
): Promise<{ reports: SubjectReport[]; overhead: Overhead | undefined }> {
  const node = nodeBinary(major);
  const env = lambdaEnv(taskRoot, standIns, major, EXPORTER);
  const callbacks = major === '22';
  const only = args.only?.split(',');
  // b' (the floor with the wrapper's parent and tags) only when asked: it attributes, it is not a subject.
  const wanted = (id: string) =>
    id === 'floor' || (only ? only.includes(id) : id !== 'floor-merged' || args.attribution === true);
  let list = subjects(taskRoot).filter((s) => wanted(s.id));
  if (layerDirs) list = list.concat([layerAtOpt(layerDirs.plain, false), layerAtOpt(layerDirs.cached, true)]);
  const reports = new Map<string, SubjectReport>(
    list.map((s) => {
      const skipped = unavailable(s);
      return [
        s.id,
        {
          id: s.id,
          letter: s.letter,
          label: s.label,
          entry: path.relative(root, s.entry),
          runs: [],
          ...(skipped ? { skipped } : {}),
        },
      ];
    }),
  );
  const active = list.filter((s) => !reports.get(s.id)?.skipped);
  const optMountOf = (s: Subject) => (s.optMount ? { optMount: s.optMount } : {});

  for (let round = 0; round < RUNS; round += 1) {
    // Rotate the order each round so slow phases of the machine spread over every subject.
    const order = active.map((_, i) => active[(i + round) % active.length]!);
    for (const subject of order) {
      const report = reports.get(subject.id)!;
      standIns.reset();
      try {
        const result = await runChild({
          node,
          entry: subject.entry,
          env,
          loop: LOOP,
          callbacks,
          ...optMountOf(subject),
        });
        report.runs.push(figures(subject, result, standIns.reset()));
      } catch (error) {
        report.skipped = `failed: ${(error as Error).message.slice(0, 300)}`;
      }
      process.stdout.write('.');
    }
  }
  process.stdout.write('\n');

  // One more, untimed, process per subject with every module load recorded.
  for (const subject of active.filter((s) => !s.optMount && s.base !== 'bare')) {
    try {
      const result = await runChild({
        node,
        entry: subject.entry,
        env,
        loop: { batches: 1, batchSize: 20, warmupBatches: 0 },
        callbacks,
        mode: 'modules',
      });
      const urls = result.modules ?? [];
      reports.get(subject.id)!.modules = {
        byOrigin: loadsByOrigin(urls),
        offInvokePath: offInvokePath(urls),
      };
    } catch (error) {
      console.log(`module trace of ${subject.id} failed: ${(error as Error).message}`);
    }
    standIns.reset();
  }

  for (const report of reports.values()) {
    if (report.runs.length === 0) continue;
    report.importMs = summarize(report.runs.map((r) => r.importMs));
    report.firstMs = summarize(report.runs.map((r) => r.firstMs));
    report.warmUs = summarize(report.runs.map((r) => r.warmUs));
    report.cpuUs = summarize(report.runs.map((r) => r.cpuUs));
    report.rssMb = summarize(report.runs.map((r) => r.rssMb));
  }
  const floor = reports.get('floor');
  for (const report of reports.values()) {
    if (!floor?.importMs || !report.importMs) continue;
    report.toFloor = {
      importMs: ratio(report.importMs.median, floor.importMs.median),
      firstMs: ratio(report.firstMs!.median, floor.firstMs!.median),
      warmUs: ratio(report.warmUs!.median, floor.warmUs!.median),
      cpuUs: ratio(report.cpuUs!.median, floor.cpuUs!.median),
      rssMb: ratio(report.rssMb!.median, floor.rssMb!.median),
    };
  }
  // Rounds are interleaved, so each round's wrapper and floor ran close together: the median of the
  // per-round differences cancels the machine's slow drifts better than a difference of medians.
  const wrapper = reports.get('wrapper');
  const paired = (metric: 'importMs' | 'importCpuMs' | 'firstMs' | 'warmUs' | 'cpuUs') => {
    const rounds = Math.min(wrapper?.runs.length ?? 0, floor?.runs.length ?? 0);
    return median(
      Array.from({ length: rounds }, (_, i) => wrapper!.runs[i]![metric] - floor!.runs[i]![metric]),
    );
  };
  const sideBySide = await measureSideBySide(node, env, callbacks, list);
  const ownImport = wrapper?.importMs ? await measureOwnImport(node, env) : undefined;
  const overhead =
    wrapper?.importMs && floor?.importMs
      ? {
          importMs: paired('importMs'),
          importCpuMs: paired('importCpuMs'),
          ...(ownImport !== undefined ? { ownImportMs: ownImport } : {}),
          firstMs: paired('firstMs'),
          warmUs: sideBySide?.wrapperUs ?? paired('warmUs'),
          warmFreshUs: paired('warmUs'),
          ...(sideBySide?.parentAndTagsUs !== undefined
            ? { warmParentAndTagsUs: sideBySide.parentAndTagsUs }
            : {}),
          cpuUs: paired('cpuUs'),
        }
      : undefined;
  return { reports: [...reports.values()], overhead };
}

/**
 * The wrapper's own import+init with dd-trace already loaded and initialised
 * (scripts/bench/own-import-child.mjs): the median of fresh processes, an attribution of c - b.
 */
async function measureOwnImport(node: string, env: NodeJS.ProcessEnv): Promise<number | undefined> {
  const spec = JSON.stringify({
    ddTrace: path.join(root, 'node_modules/dd-trace'),
    bundle: path.join(root, 'dist/index.cjs'),
  });
  const child = path.join(root, 'scripts/bench/own-import-child.mjs');
  const times: number[] = [];
  for (let i = 0; i < RUNS * 2; i += 1) {
    try {
      const { ms } = (await runJsonChild(node, [child, spec], env)) as { ms: number };
      times.push(ms);
    } catch (error) {
      console.log(`own import run failed: ${(error as Error).message.slice(0, 300)}`);
    }
  }
  return times.length > 0 ? median(times) : undefined;
}

interface LayerDirs {
  readonly plain: string;
  readonly cached: string;
}

/**
 * --compile-cache: this machine's architecture's layer zip, built without and with its V8 compile
 * cache and unpacked, for subjects d1 and d2, which run with the unpacked layer mounted on /opt
 * (where Lambda mounts it, and where the cache's entries point). Undefined when that cannot be done here.
 */
async function unpackLayers(dir: string): Promise<LayerDirs | undefined> {
  const arch = ({ x64: 'x86_64', arm64: 'arm64' } as const)[process.arch as 'x64' | 'arm64'];
  if (!arch || !canMountOnOpt()) {
    console.log(
      '--compile-cache: this machine cannot mount the layer on /opt; the cache subjects are skipped',
    );
    return undefined;
  }
  const { buildLayer } = await import('../../layer/build.mjs');
  const { readZip } = await import('../../layer/zip.mjs');
  const unpack = (name: string, compileCache: boolean): string => {
    const [built] = buildLayer({ outDir: path.join(dir, `${name}-zip`), archs: [arch], compileCache });
    const target = path.join(dir, name);
    stage(readZip(readFileSync(built!.zipPath)), target);
    console.log(
      `layer ${name}: ${(built!.size / 2 ** 20).toFixed(2)} MiB${compileCache ? `, compile cache for ${built!.compileCaches.join(', ') || 'none'}` : ''}`,
    );
    return target;
  };
  return { plain: unpack('plain', false), cached: unpack('cached', true) };
}

/**
 * Warm cost over the floor with the subjects side by side in one process (scripts/bench/paired-child.mjs):
 * the median, over every round of every process, of the wrapper's batch minus the floor's batch.
 * With --attribution, b' runs alongside too and its difference to the floor is dd-trace's own cost
 * of the parent and tags the wrapper sets.
 */
async function measureSideBySide(
  node: string,
  env: NodeJS.ProcessEnv,
  callbacks: boolean,
  list: readonly Subject[],
): Promise<{ wrapperUs: number; parentAndTagsUs?: number } | undefined> {
  const entry = (id: string) => list.find((s) => s.id === id && !unavailable(s))?.entry;
  const floor = entry('floor');
  const wrapper = entry('wrapper');
  if (!floor || !wrapper) return undefined;
  const attributed = entry('floor-merged');
  const entries = attributed ? [floor, wrapper, attributed] : [floor, wrapper];
  const wrapperMinusFloor: number[] = [];
  const attributedMinusFloor: number[] = [];
  for (let i = 0; i < PAIRED.processes; i += 1) {
    try {
      const { rounds } = await runPaired({ node, entries, env, callbacks, ...PAIRED });
      const [floorRounds = [], wrapperRounds = [], attributedRounds] = rounds;
      floorRounds.forEach((floorUs, r) => {
        wrapperMinusFloor.push((wrapperRounds[r] ?? Number.NaN) - floorUs);
        if (attributedRounds) attributedMinusFloor.push((attributedRounds[r] ?? Number.NaN) - floorUs);
      });
    } catch (error) {
      console.log(`side-by-side run failed: ${(error as Error).message.slice(0, 300)}`);
    }
    process.stdout.write(':');
  }
  process.stdout.write('\n');
  if (wrapperMinusFloor.length === 0) return undefined;
  return {
    wrapperUs: median(wrapperMinusFloor),
    ...(attributedMinusFloor.length > 0 ? { parentAndTagsUs: median(attributedMinusFloor) } : {}),
  };
}

// ---- main ---------------------------------------------------------------------------------------

function write(results: Results): void {
  mkdirSync(OUT, { recursive: true });
  writeFileSync(path.join(OUT, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(path.join(OUT, 'bench.svg'), chartSvg(results));
  // The README's chart comes from full runs only.
  const docs = !results.settings.quick;
  if (docs) {
    mkdirSync(path.join(root, 'docs'), { recursive: true });
    copyFileSync(path.join(OUT, 'bench.svg'), path.join(root, 'docs/bench.svg'));
  }
  console.log(`\nwrote bench-out/results.json, bench-out/bench.svg${docs ? ', docs/bench.svg' : ''}`);
}

async function measureAll(): Promise<Results> {
  const started = Date.now();
  ensureBuilt();
  const taskRoot = writeTaskRoot();
  const cacheRoot = mkdtempSync(path.join(os.tmpdir(), 'xddm-bench-layer-'));
  const layerDirs = args['compile-cache'] ? await unpackLayers(cacheRoot) : undefined;
  const standIns = await startStandIns();
  const loadBefore = os.loadavg();
  const nodes: Record<string, SubjectReport[]> = {};
  const overhead: Record<string, Overhead | undefined> = {};
  try {
    for (const major of MAJORS) {
      console.log(
        `Node ${major}: ${RUNS} rounds of fresh processes, ${LOOP.batches} x ${LOOP.batchSize} warm invocations each; then ${PAIRED.processes} processes running floor and wrapper side by side, ${PAIRED.rounds} rounds of ${PAIRED.batchSize} each; dd-trace exporting ${EXPORTER === 'agent' ? 'to the loopback agent' : 'to stdout (log exporter)'}`,
      );
      const measured = await measureMajor(major, taskRoot, standIns, layerDirs);
      nodes[major] = measured.reports;
      overhead[major] = measured.overhead;
    }
  } finally {
    await standIns.close();
    removeTaskRoot(taskRoot);
    rmSync(cacheRoot, { recursive: true, force: true });
  }

  let merger: MergerResult[] = [];
  if (!args['skip-merger']) {
    if (mergerAvailable()) {
      console.log(
        `Merger: ${MERGER_SIZES.map((n) => n.toLocaleString('en')).join(', ')} segments, ${quick ? 1 : 3} fresh processes each`,
      );
      merger = await measureMerger(nodeBinary(MAJORS[0] ?? '22'), MERGER_SIZES, quick ? 1 : 3);
    } else console.log('Merger: no convert function yet (src/merge/convert.ts); skipped');
  }

  // The stream path (issue 24): its own section and bench-out/stream.json.
  if (!args['skip-stream']) await (await import('./stream.ts')).measureStream(quick);

  const forbiddenModules: Record<string, string[]> = {};
  for (const [major, reports] of Object.entries(nodes)) {
    for (const r of reports) {
      if ((r.id === 'wrapper' || r.id === 'layer') && r.modules) {
        forbiddenModules[`Node ${major} ${r.label}`] = r.modules.offInvokePath;
      }
    }
  }
  const zips = layerZips();
  return {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      loadAverage: { before: loadBefore, after: os.loadavg() },
    },
    settings: {
      quick,
      runs: RUNS,
      loop: LOOP,
      sideBySide: PAIRED,
      majors: MAJORS,
      compileCache: args['compile-cache'] === true,
      exporter: EXPORTER,
    },
    nodes,
    overhead,
    layerZips: zips,
    merger,
    budgets: checkBudgets({ overhead, layerZips: zips, merger, forbiddenModules }),
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

// --render redraws the table and chart from the last results.json without measuring.
const results: Results = args.render
  ? JSON.parse(readFileSync(path.join(OUT, 'results.json'), 'utf8'))
  : await measureAll();
console.log(textReport(results));
write(results);
if (!args.render) console.log(`(${results.seconds} s)`);
if (args.check && anyFailed(results.budgets)) process.exitCode = 1;
