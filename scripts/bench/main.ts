// `npm run bench`: cold start and per-invocation cost of each subject, side by side, each cold figure
// from a fresh process; the merger's throughput; the budgets. Writes bench-out/results.json and
// bench-out/bench.svg (copied to docs/bench.svg) and prints a table.
//
//   npm run bench                      full run (Node 22 and 24, 7 runs per subject)
//   npm run bench -- --quick           fewer runs and invocations, merger up to 100k segments, no docs/bench.svg
//   npm run bench -- --check           exit 1 when a budget fails
//   npm run bench -- --compile-cache   also measure b-e with a V8 compile cache (NODE_COMPILE_CACHE)
//   npm run bench -- --node 22 --runs 5 --skip-merger
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseTraceHeader } from '../../src/xray/header.ts';
import { datadogSpanId, datadogTraceId } from '../../src/xray/ids.ts';
import { decodeSpans, type Received, type StandIns, startStandIns } from './agent.ts';
import { anyFailed, type BudgetInput, checkBudgets, type Overhead, type Verdict } from './budgets.ts';
import {
  type ChildResult,
  type LoopShape,
  lambdaEnv,
  loadsByOrigin,
  offInvokePath,
  removeTaskRoot,
  root,
  runChild,
  type Subject,
  subjects,
  unavailable,
  withCompileCache,
  writeTaskRoot,
} from './measure.ts';
import { type MergerResult, measureMerger, mergerAvailable } from './merger.ts';
import { ratio, type Summary, summarize } from './stats.ts';
import { type Panel, renderChart } from './svg.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    'compile-cache': { type: 'boolean', default: false },
    'skip-merger': { type: 'boolean', default: false },
    node: { type: 'string', default: '22,24' },
    runs: { type: 'string' },
    only: { type: 'string' },
  },
});

const quick = args.quick === true;
const RUNS = Number(args.runs ?? (quick ? 3 : 7));
const LOOP: LoopShape = quick
  ? { batches: 8, batchSize: 250, warmupBatches: 1 }
  : { batches: 20, batchSize: 500, warmupBatches: 2 };
const MERGER_SIZES = quick ? [1_000, 30_000, 100_000] : [1_000, 100_000, 1_000_000];
const MAJORS = String(args.node).split(',').filter(Boolean);
const OUT = path.join(root, 'bench-out');
const COLORS: Record<string, string> = {
  bare: '#9aa5b1',
  floor: '#52606d',
  wrapper: '#0f9d8a',
  layer: '#2d6cdf',
  peer: '#d9622b',
};

interface RunFigures {
  importMs: number;
  firstMs: number;
  warmUs: number;
  rssMb: number;
  bootMs: number;
  traceRequests: number;
  datagrams: number;
  /** Whether the first invocation's `aws.lambda` span carried the X-Ray-derived ids; undefined when not checked. */
  merged?: boolean;
}

interface SubjectReport {
  id: string;
  letter: string;
  label: string;
  entry: string;
  skipped?: string;
  runs: RunFigures[];
  importMs?: Summary;
  firstMs?: Summary;
  warmUs?: Summary;
  rssMb?: Summary;
  /** Medians divided by the floor's medians. */
  toFloor?: { importMs: number; firstMs: number; warmUs: number; rssMb: number };
  modules?: { byOrigin: Array<[string, number]>; offInvokePath: string[] };
}

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
  const merges = subject.base === 'wrapper' || subject.base === 'layer' || subject.base === 'peer';
  return {
    importMs: result.importMs,
    firstMs: result.firstMs,
    warmUs: summarize(result.warmUs).median,
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
  cacheRoot: string,
): Promise<{ reports: SubjectReport[]; overhead: Overhead | undefined }> {
  const node = nodeBinary(major);
  const env = lambdaEnv(taskRoot, standIns, major);
  const callbacks = major === '22';
  const only = args.only?.split(',');
  let list = subjects(taskRoot).filter((s) => !only || only.includes(s.id) || s.id === 'floor');
  if (args['compile-cache']) {
    list = list.concat(
      list
        .filter((s) => s.base !== 'bare')
        .map((s) => withCompileCache(s, path.join(cacheRoot, `${major}-${s.base}`))),
    );
  }
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
  const envFor = (s: Subject) => (s.compileCache ? { ...env, NODE_COMPILE_CACHE: s.compileCache } : env);

  // Fill each compile cache with one untimed run, as a layer build would.
  for (const s of active.filter((x) => x.compileCache)) {
    await runChild({ node, entry: s.entry, env: envFor(s), loop: LOOP, callbacks }).catch(() => undefined);
    standIns.reset();
  }

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
          env: envFor(subject),
          loop: LOOP,
          callbacks,
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
  for (const subject of active.filter((s) => !s.compileCache && s.base !== 'bare')) {
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
    report.rssMb = summarize(report.runs.map((r) => r.rssMb));
  }
  const floor = reports.get('floor');
  for (const report of reports.values()) {
    if (!floor?.importMs || !report.importMs) continue;
    report.toFloor = {
      importMs: ratio(report.importMs.median, floor.importMs.median),
      firstMs: ratio(report.firstMs!.median, floor.firstMs!.median),
      warmUs: ratio(report.warmUs!.median, floor.warmUs!.median),
      rssMb: ratio(report.rssMb!.median, floor.rssMb!.median),
    };
  }
  const wrapper = reports.get('wrapper');
  const overhead =
    floor?.importMs && wrapper?.importMs
      ? {
          importMs: wrapper.importMs.median - floor.importMs.median,
          firstMs: wrapper.firstMs!.median - floor.firstMs!.median,
          warmUs: wrapper.warmUs!.median - floor.warmUs!.median,
        }
      : undefined;
  return { reports: [...reports.values()], overhead };
}

// ---- output -------------------------------------------------------------------------------------

const fmt = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

function cell(summary: Summary | undefined, toFloor: number | undefined, digits: number): string {
  if (!summary) return '-';
  const spread = `[${fmt(summary.min, digits)}-${fmt(summary.max, digits)}]`;
  return `${fmt(summary.median, digits)} ${spread} x${fmt(toFloor ?? Number.NaN, 2)}`;
}

function mergedCell(report: SubjectReport): string {
  const checked = report.runs.filter((r) => r.merged !== undefined);
  if (checked.length === 0) return '';
  const ok = checked.filter((r) => r.merged).length;
  return ok === checked.length ? 'yes' : `${ok}/${checked.length}`;
}

function printTable(major: string, reports: readonly SubjectReport[]): void {
  const header = [
    '',
    'subject',
    'import+init ms',
    'first invocation ms',
    'warm us/invocation',
    'RSS MB',
    'merged',
  ];
  const rows = reports.map((r) =>
    r.skipped && r.runs.length === 0
      ? [r.letter, r.label, `skipped: ${r.skipped}`, '', '', '', '']
      : [
          r.letter,
          r.label,
          cell(r.importMs, r.toFloor?.importMs, 1),
          cell(r.firstMs, r.toFloor?.firstMs, 2),
          cell(r.warmUs, r.toFloor?.warmUs, 1),
          cell(r.rssMb, r.toFloor?.rssMb, 0),
          mergedCell(r),
        ],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  console.log(`\nNode ${major}: median [min-max] of ${RUNS} fresh processes, xN = median / floor (b)`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

function printMerger(results: readonly MergerResult[]): void {
  if (results.length === 0) return;
  console.log('\nMerger: segments converted per second (one process per size, streamed in chunks)');
  for (const r of results) {
    console.log(
      `  ${r.segments.toLocaleString('en').padStart(9)} segments  ${Math.round(r.perSecond).toLocaleString('en').padStart(9)}/s  peak RSS ${fmt(r.peakRssMb, 0)} MB`,
    );
  }
}

function printVerdicts(verdicts: readonly Verdict[]): void {
  console.log('\nBudgets');
  for (const v of verdicts) console.log(`  ${v.status}  ${v.budget}: ${v.measured}`);
}

function chartPanels(byMajor: Record<string, SubjectReport[]>): Panel[] {
  const majors = Object.keys(byMajor);
  const ids = [...new Set(Object.values(byMajor).flatMap((reports) => reports.map((r) => r.id)))];
  const metrics: Array<
    [keyof Pick<SubjectReport, 'importMs' | 'firstMs' | 'warmUs' | 'rssMb'>, string, string, number]
  > = [
    ['importMs', 'Import + init (ms): loading the handler module until the handler is ready', 'ms', 1],
    ['firstMs', 'First invocation (ms)', 'ms', 2],
    ['warmUs', 'Warm invocation (us): median of batch means', 'us', 1],
    ['rssMb', 'RSS after the warm invocations (MB)', 'MB', 0],
  ];
  return metrics.map(([key, title, unit, digits]) => ({
    title,
    rows: ids.flatMap((id) => {
      const first = majors.map((m) => byMajor[m]!.find((r) => r.id === id)).find((r) => r?.[key]);
      if (!first) return [];
      const bars = majors.flatMap((major, series) => {
        const report = byMajor[major]!.find((r) => r.id === id);
        const summary = report?.[key];
        if (!report || !summary) return [];
        const times = report.toFloor ? ` x${fmt(report.toFloor[key], 2)}` : '';
        return [
          {
            series,
            median: summary.median,
            low: summary.min,
            high: summary.max,
            note: `${fmt(summary.median, digits)} ${unit}${times}`,
          },
        ];
      });
      return [
        { label: `${first.letter}  ${first.label}`, color: COLORS[id.replace('+cache', '')] ?? '#888', bars },
      ];
    }),
  }));
}

// ---- main ---------------------------------------------------------------------------------------

const started = Date.now();
ensureBuilt();
mkdirSync(OUT, { recursive: true });
const taskRoot = writeTaskRoot();
const cacheRoot = mkdtempSync(path.join(os.tmpdir(), 'xddm-bench-cache-'));
const standIns = await startStandIns();
const loadBefore = os.loadavg();
const byMajor: Record<string, SubjectReport[]> = {};
const overhead: Record<string, Overhead | undefined> = {};
try {
  for (const major of MAJORS) {
    console.log(
      `Node ${major}: ${RUNS} rounds of fresh processes, ${LOOP.batches} x ${LOOP.batchSize} warm invocations each`,
    );
    const measured = await measureMajor(major, taskRoot, standIns, cacheRoot);
    byMajor[major] = measured.reports;
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
    console.log(`Merger: ${MERGER_SIZES.map((n) => n.toLocaleString('en')).join(', ')} segments`);
    merger = await measureMerger(nodeBinary(MAJORS[0] ?? '22'), MERGER_SIZES);
  } else console.log('Merger: no convert function yet (src/merge/convert.ts); skipped');
}

const forbiddenModules: Record<string, string[]> = {};
for (const [major, reports] of Object.entries(byMajor)) {
  for (const r of reports) {
    if ((r.id === 'wrapper' || r.id === 'layer') && r.modules)
      forbiddenModules[`Node ${major} ${r.label}`] = r.modules.offInvokePath;
  }
}
const budgetInput: BudgetInput = { overhead, layerZips: layerZips(), merger, forbiddenModules };
const verdicts = checkBudgets(budgetInput);

for (const [major, reports] of Object.entries(byMajor)) printTable(major, reports);
for (const [major, o] of Object.entries(overhead)) {
  if (o)
    console.log(
      `\nNode ${major} wrapper over the floor (c - b): import+init ${fmt(o.importMs, 2)} ms, first ${fmt(o.firstMs, 2)} ms, warm ${fmt(o.warmUs, 1)} us`,
    );
}
for (const zip of budgetInput.layerZips) console.log(`layer ${zip.name}: ${fmt(zip.bytes / 2 ** 20, 2)} MiB`);
printMerger(merger);
printVerdicts(verdicts);

const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  memoryGb: Math.round(os.totalmem() / 2 ** 30),
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  loadAverage: { before: loadBefore, after: os.loadavg() },
};
const results = {
  date: new Date().toISOString(),
  machine,
  settings: { quick, runs: RUNS, loop: LOOP, majors: MAJORS, compileCache: args['compile-cache'] },
  nodes: byMajor,
  overhead,
  layerZips: budgetInput.layerZips,
  merger,
  budgets: verdicts,
  seconds: Math.round((Date.now() - started) / 1000),
};
writeFileSync(path.join(OUT, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);

const svg = renderChart({
  title: 'Cold start and per-invocation cost, side by side',
  subtitle: `Median of ${RUNS} fresh processes per subject; whiskers min-max; xN = ratio to dd-trace alone (b). ${machine.cpus} cores, ${machine.cpuModel}.`,
  series: MAJORS.map((m) => `Node ${m}`),
  panels: chartPanels(byMajor),
  footer: [
    'Same process conditions for all: Lambda env vars, dd-trace exporting to a loopback agent, telemetry/remote config/runtime metrics off,',
    'a fresh X-Ray trace header per invocation, merging on (DD_MERGE_XRAY_TRACES=true, compat ids). `npm run bench` reproduces it.',
  ],
});
writeFileSync(path.join(OUT, 'bench.svg'), svg);
// The README's chart comes from full runs only.
if (!quick) {
  mkdirSync(path.join(root, 'docs'), { recursive: true });
  copyFileSync(path.join(OUT, 'bench.svg'), path.join(root, 'docs/bench.svg'));
}
console.log(
  `\nwrote bench-out/results.json, bench-out/bench.svg${quick ? '' : ', docs/bench.svg'} (${results.seconds} s)`,
);

if (args.check && anyFailed(verdicts)) process.exitCode = 1;
