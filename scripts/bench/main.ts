// `npm run bench`: cold start and per-invocation cost of each subject, side by side, each cold figure
// from a fresh process; the floor (b), same-work (b') and the wrapper (c) side by side in one
// process for the warm figures; cold start under the real runtime client; the merger's throughput;
// the budgets, each with its margin. Writes bench-out/results.json and bench-out/bench.svg; a full
// run also writes docs/bench.svg and the figures between the bench markers in README.md.
//
//   npm run bench                      full run (Node 22 and 24, 11 rounds per subject)
//   npm run bench -- --quick           fewer rounds, merger up to 100k segments, no docs/bench.svg or README
//   npm run bench -- --check           exit 1 when a budget fails
//   npm run bench -- --compile-cache   also d1/d2: the layer zip mounted on /opt, without and with its compile cache
//   npm run bench -- --render          redraw the table, chart and README figures from bench-out/results.json
//   npm run bench -- --attribution     accepted for old command lines: same-work (b') always runs now
//   npm run bench -- --skip-cold-start without the cold start under the runtime client
//   npm run bench -- --exporter log    dd-trace writes traces to stdout (Lambda without the Datadog extension) instead of the loopback agent
//   npm run bench -- --node 22 --runs 5 --only wrapper,peer --skip-merger
//   npm run bench -- --skip-inferred   without the inferred spans' warm cost and cold-start tracing's cold-start cost
//   npm run bench -- --convert-input   only the merger's input bench (convert on 50 MB and 500 MB files; needs a build)
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
import { anyFailed, type ColdStartOverhead, checkBudgets, LIMITS, type Overhead } from './budgets.ts';
import { type ColdStartMajor, measureColdStart } from './cold-start.ts';
import {
  type ConvertInputResult,
  convertInputAvailable,
  convertInputReport,
  type HtmlResult,
  htmlReport,
  measureConvertInput,
  measureHtml,
} from './convert-input.ts';
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
import {
  chartSvg,
  type Results,
  type RunFigures,
  readmeSection,
  replaceBetweenMarkers,
  type SubjectReport,
  textReport,
} from './report.ts';
import { median, quantile, ratio, summarize } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    'compile-cache': { type: 'boolean', default: false },
    'skip-merger': { type: 'boolean', default: false },
    'skip-cold-start': { type: 'boolean', default: false },
    'skip-stream': { type: 'boolean', default: false },
    node: { type: 'string', default: '22,24' },
    exporter: { type: 'string', default: 'agent' },
    runs: { type: 'string' },
    only: { type: 'string' },
    render: { type: 'boolean', default: false },
    attribution: { type: 'boolean', default: false },
    'convert-input': { type: 'boolean', default: false },
    'skip-inferred': { type: 'boolean', default: false },
  },
});

const quick = args.quick === true;
if (args.exporter !== 'agent' && args.exporter !== 'log') {
  console.error(`--exporter ${args.exporter}: expected agent or log`);
  process.exit(2);
}
const EXPORTER: TraceExporter = args.exporter;
const RUNS = Number(args.runs ?? (quick ? 3 : 11));
/** 2,000 warm invocations after the first (the RSS figure is read there), then the allocation count. */
const LOOP: LoopShape = { batches: 7, batchSize: 250, warmupBatches: 1, allocationBatch: quick ? 500 : 1000 };
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
    ...(result.allocatedBytes !== undefined ? { allocatedBytes: result.allocatedBytes } : {}),
    ...(result.rssLoadedMb !== undefined ? { rssLoadedMb: result.rssLoadedMb } : {}),
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
  // The floor and same-work always: every budget is judged against them.
  const wanted = (id: string) => id === 'floor' || id === 'same-work' || (only ? only.includes(id) : true);
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
        loop: { batches: 1, batchSize: 20, warmupBatches: 0, allocationBatch: 0 },
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
    report.allocatedBytes = summarize(report.runs.map((r) => r.allocatedBytes ?? Number.NaN));
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
      allocatedBytes: ratio(report.allocatedBytes!.median, floor.allocatedBytes!.median),
    };
  }
  // Rounds are interleaved, so each round's wrapper and floor ran close together: the median of the
  // per-round differences cancels the machine's slow drifts better than a difference of medians.
  const wrapper = reports.get('wrapper');
  const paired = (
    metric: 'importMs' | 'importCpuMs' | 'firstMs' | 'warmUs' | 'cpuUs' | 'rssMb' | 'rssLoadedMb',
  ) => {
    const rounds = Math.min(wrapper?.runs.length ?? 0, floor?.runs.length ?? 0);
    return median(
      Array.from(
        { length: rounds },
        (_, i) => (wrapper!.runs[i]![metric] ?? Number.NaN) - (floor!.runs[i]![metric] ?? Number.NaN),
      ).filter(Number.isFinite),
    );
  };
  const sameWork = reports.get('same-work');
  const sideBySide = await measureSideBySide(node, env, callbacks, list);
  const ownImport = wrapper?.importMs ? await measureOwnImport(node, env) : undefined;
  const overhead =
    wrapper?.importMs && floor?.importMs
      ? {
          importMs: paired('importMs'),
          importCpuMs: paired('importCpuMs'),
          ...(ownImport !== undefined ? { ownImportMs: ownImport } : {}),
          firstMs: paired('firstMs'),
          warmUs: sideBySide ? median(sideBySide.wrapperMinusFloor) : paired('warmUs'),
          warmFreshUs: paired('warmUs'),
          ...(sideBySide && sideBySide.wrapperMinusSameWork.length > 0
            ? {
                warmOwnUs: median(sideBySide.wrapperMinusSameWork),
                warmParentAndTagsUs: median(sideBySide.sameWorkMinusFloor),
                cpuSideBySideUs: {
                  overFloor: median(sideBySide.cpuWrapperMinusFloor.filter(Number.isFinite)),
                  own: median(sideBySide.cpuWrapperMinusSameWork.filter(Number.isFinite)),
                },
                warmSpreadUs: {
                  rounds: sideBySide.wrapperMinusFloor.length,
                  overFloor: quartiles(sideBySide.wrapperMinusFloor),
                  own: quartiles(sideBySide.wrapperMinusSameWork),
                },
              }
            : {}),
          rssMb: paired('rssMb'),
          rssLoadedMb: paired('rssLoadedMb'),
          ...(sameWork?.allocatedBytes && wrapper.allocatedBytes && floor.allocatedBytes
            ? {
                allocatedBytes: {
                  floor: floor.allocatedBytes.median,
                  sameWork: sameWork.allocatedBytes.median,
                  wrapper: wrapper.allocatedBytes.median,
                },
              }
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

const quartiles = (values: readonly number[]): [number, number] => [
  quantile(values, 0.25),
  quantile(values, 0.75),
];

/** Per-round differences of warm batches run side by side in one process, pooled over processes. */
interface SideBySide {
  readonly wrapperMinusFloor: number[];
  readonly wrapperMinusSameWork: number[];
  readonly sameWorkMinusFloor: number[];
  /** The same two differences in process CPU time per invocation: reported, steadier under load. */
  readonly cpuWrapperMinusFloor: number[];
  readonly cpuWrapperMinusSameWork: number[];
  /** Processes run: more than PAIRED.processes when a budget missed and the run was repeated. */
  processes: number;
}

/**
 * Warm cost with the floor (b), same-work (b') and the wrapper (c) side by side in one process
 * (scripts/bench/paired-child.mjs): per round, the difference of two subjects' batches, whose median
 * cancels the machine's drifts. When a warm budget misses, the run is repeated once and both runs'
 * rounds pooled, so a slow minute of the shared machine is not reported as a miss on its own.
 */
async function measureSideBySide(
  node: string,
  env: NodeJS.ProcessEnv,
  callbacks: boolean,
  list: readonly Subject[],
): Promise<SideBySide | undefined> {
  const entry = (id: string) => list.find((s) => s.id === id && !unavailable(s))?.entry;
  const floor = entry('floor');
  const wrapper = entry('wrapper');
  const sameWork = entry('same-work');
  if (!floor || !wrapper || !sameWork) return undefined;
  const pooled: SideBySide = {
    wrapperMinusFloor: [],
    wrapperMinusSameWork: [],
    sameWorkMinusFloor: [],
    cpuWrapperMinusFloor: [],
    cpuWrapperMinusSameWork: [],
    processes: 0,
  };
  const run = async () => {
    for (let i = 0; i < PAIRED.processes; i += 1) {
      try {
        const { rounds, cpuRounds } = await runPaired({
          node,
          entries: [floor, sameWork, wrapper],
          env,
          callbacks,
          ...PAIRED,
        });
        const [floorRounds = [], sameWorkRounds = [], wrapperRounds = []] = rounds;
        const [floorCpu = [], sameWorkCpu = [], wrapperCpu = []] = cpuRounds ?? [];
        floorRounds.forEach((floorUs, r) => {
          const c = wrapperRounds[r] ?? Number.NaN;
          const b2 = sameWorkRounds[r] ?? Number.NaN;
          pooled.wrapperMinusFloor.push(c - floorUs);
          pooled.wrapperMinusSameWork.push(c - b2);
          pooled.sameWorkMinusFloor.push(b2 - floorUs);
          const cpuC = wrapperCpu[r] ?? Number.NaN;
          pooled.cpuWrapperMinusFloor.push(cpuC - (floorCpu[r] ?? Number.NaN));
          pooled.cpuWrapperMinusSameWork.push(cpuC - (sameWorkCpu[r] ?? Number.NaN));
        });
        pooled.processes += 1;
      } catch (error) {
        console.log(`side-by-side run failed: ${(error as Error).message.slice(0, 300)}`);
      }
      process.stdout.write(':');
    }
  };
  await run();
  const misses = () =>
    median(pooled.wrapperMinusFloor) > LIMITS.warmUs ||
    median(pooled.wrapperMinusSameWork) > LIMITS.warmOwnUs;
  if (pooled.wrapperMinusFloor.length > 0 && misses()) {
    process.stdout.write(' (a warm budget missed: running the side-by-side again) ');
    await run();
  }
  process.stdout.write('\n');
  return pooled.wrapperMinusFloor.length > 0 ? pooled : undefined;
}

/** Per Node major, the layer's ways in over dd-trace alone, or why cold start was not measured. */
function coldStartOverheads(
  coldStart: Record<string, ColdStartMajor>,
): Record<string, ColdStartOverhead[] | string> {
  return Object.fromEntries(
    Object.entries(coldStart).map(([major, cold]) => [
      major,
      'skipped' in cold ? cold.skipped : cold.overhead,
    ]),
  );
}

// ---- main ---------------------------------------------------------------------------------------

function write(results: Results): void {
  mkdirSync(OUT, { recursive: true });
  writeFileSync(path.join(OUT, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(path.join(OUT, 'bench.svg'), chartSvg(results));
  // The README's chart and figures come from full runs only.
  const docs = !results.settings.quick;
  let readme = '';
  if (docs) {
    mkdirSync(path.join(root, 'docs'), { recursive: true });
    copyFileSync(path.join(OUT, 'bench.svg'), path.join(root, 'docs/bench.svg'));
    const file = path.join(root, 'README.md');
    const updated = replaceBetweenMarkers(readFileSync(file, 'utf8'), readmeSection(results));
    if (updated === undefined) console.log('README.md has no bench markers: its figures were not written');
    else {
      writeFileSync(file, updated);
      readme = ', README.md (between the bench markers)';
    }
  }
  console.log(
    `\nwrote bench-out/results.json, bench-out/bench.svg${docs ? `, docs/bench.svg${readme}` : ''}`,
  );
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
  let coldStart: Record<string, ColdStartMajor> | undefined;
  try {
    for (const major of MAJORS) {
      console.log(
        `Node ${major}: ${RUNS} rounds of fresh processes, ${LOOP.warmupBatches + LOOP.batches} x ${LOOP.batchSize} warm invocations each (RSS read after them), then ${LOOP.allocationBatch} counting heap allocation; then ${PAIRED.processes} processes running floor, same-work and wrapper side by side, ${PAIRED.rounds} rounds of ${PAIRED.batchSize} each; dd-trace exporting ${EXPORTER === 'agent' ? 'to the loopback agent' : 'to stdout (log exporter)'}`,
      );
      const measured = await measureMajor(major, taskRoot, standIns, layerDirs);
      nodes[major] = measured.reports;
      overhead[major] = measured.overhead;
    }
    if (!args['skip-cold-start']) {
      coldStart = await measureColdStart({
        majors: MAJORS,
        rounds: quick ? 11 : 31,
        agentUrl: standIns.agentUrl,
        taskRoot,
      });
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
  let convertInput: ConvertInputResult[] = [];
  let html: HtmlResult | undefined;
  if (!args['skip-merger'] && convertInputAvailable()) {
    console.log(`Convert input: ${CONVERT_INPUT_MB.join(' MB, ')} MB files; HTML of ${HTML_TRACES} traces`);
    convertInput = await measureConvertInput(nodeBinary(MAJORS[0] ?? '22'), CONVERT_INPUT_MB);
    html = await measureHtml(nodeBinary(MAJORS[0] ?? '22'), HTML_TRACES);
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
    convertInput,
    ...(html !== undefined ? { html } : {}),
    ...(coldStart ? { coldStart } : {}),
    budgets: checkBudgets({
      overhead,
      layerZips: zips,
      merger,
      forbiddenModules,
      ...(coldStart ? { coldStart: coldStartOverheads(coldStart) } : {}),
    }),
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

/** Input sizes of the convert input bench. */
const CONVERT_INPUT_MB = quick ? [50] : [50, 500];
/** Traces in the HTML flame graph bench. */
const HTML_TRACES = 4000;

if (args['convert-input']) {
  // The input bench alone: the built CLI on generated files, its figures to bench-out/convert-input.json.
  if (!convertInputAvailable()) {
    console.error('--convert-input needs the build (node scripts/build.mjs)');
    process.exit(2);
  }
  const convertInput = await measureConvertInput(nodeBinary(MAJORS[0] ?? '22'), CONVERT_INPUT_MB);
  const html = await measureHtml(nodeBinary(MAJORS[0] ?? '22'), HTML_TRACES);
  console.log([...convertInputReport(convertInput), htmlReport(html)].join('\n'));
  mkdirSync(OUT, { recursive: true });
  writeFileSync(path.join(OUT, 'convert-input.json'), `${JSON.stringify({ convertInput, html }, null, 2)}\n`);
} else {
  // --render redraws the table and chart from the last results.json without measuring.
  const results: Results = args.render
    ? JSON.parse(readFileSync(path.join(OUT, 'results.json'), 'utf8'))
    : await measureAll();
  console.log(textReport(results));
  write(results);
  if (!args.render) console.log(`(${results.seconds} s)`);
  // The warm cost of inferred spans and the cold-start cost of cold-start tracing, each measured
  // off and on side by side (scripts/bench/inferred.ts, scripts/bench/cold-start-tracing.ts).
  if (!args.render && args['skip-inferred'] !== true) {
    const { measureInferredCost } = await import('./inferred.ts');
    const { measureColdStartTracing } = await import('./cold-start-tracing.ts');
    const inferred = await measureInferredCost(
      quick ? { rounds: 15, batch: 100 } : { rounds: 40, batch: 200 },
    );
    const coldStart = await measureColdStartTracing(quick ? 7 : 21);
    console.log('\nInferred spans, warm (DD_TRACE_MANAGED_SERVICES on - off, same process):');
    for (const line of inferred) console.log(`  ${line}`);
    console.log(
      'Cold-start tracing, cold start (DD_COLD_START_TRACING on - off, layer entry, fresh processes):',
    );
    for (const line of coldStart) console.log(`  ${line}`);
  }
  if (args.check && anyFailed(results.budgets)) process.exitCode = 1;
}
