// What a bench run found, and its three renderings: the terminal table, the JSON file, the chart.
// Kept apart from the measuring so `--render` can redraw from bench-out/results.json.
import type { Overhead, Verdict } from './budgets.ts';
import type { ColdStartMajor } from './cold-start.ts';
import { type ConvertInputResult, convertInputReport, type HtmlResult, htmlReport } from './convert-input.ts';
import type { MergerResult } from './merger.ts';
import type { Summary } from './stats.ts';
import { type Panel, renderChart } from './svg.ts';

/** One fresh process's figures. */
export interface RunFigures {
  importMs: number;
  importCpuMs: number;
  firstMs: number;
  /** Median over the process's warm batches of the mean time per invocation. */
  warmUs: number;
  /** Median over the warm batches of the process's CPU time per invocation (export included). */
  cpuUs: number;
  rssMb: number;
  /** V8 heap bytes allocated per warm invocation. */
  allocatedBytes?: number;
  /** RSS right after loading the entry, before the first invocation. */
  rssLoadedMb?: number;
  /** Node's own start, up to the child's first line. */
  bootMs: number;
  traceRequests: number;
  datagrams: number;
  /** Whether the first invocation's `aws.lambda` span carried the X-Ray-derived ids; absent when not checked. */
  merged?: boolean;
}

export type Metric = 'importMs' | 'firstMs' | 'warmUs' | 'cpuUs' | 'rssMb' | 'allocatedBytes';

export interface SubjectReport {
  id: string;
  letter: string;
  label: string;
  entry: string;
  skipped?: string;
  runs: RunFigures[];
  importMs?: Summary;
  firstMs?: Summary;
  warmUs?: Summary;
  cpuUs?: Summary;
  rssMb?: Summary;
  allocatedBytes?: Summary;
  /** Medians divided by the floor's medians. */
  toFloor?: Partial<Record<Metric, number>>;
  modules?: { byOrigin: Array<[string, number]>; offInvokePath: string[] };
}

export interface Results {
  date: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; platform: string; loadAverage: unknown };
  settings: {
    quick: boolean;
    runs: number;
    loop: unknown;
    sideBySide?: unknown;
    majors: string[];
    compileCache: boolean;
    /** Absent in results written before the option existed: those used the agent exporter. */
    exporter?: 'agent' | 'log';
  };
  nodes: Record<string, SubjectReport[]>;
  /** Wrapper minus floor: the median of the per-round differences (rounds are interleaved). */
  overhead: Record<string, Overhead | undefined>;
  layerZips: Array<{ name: string; bytes: number }>;
  merger: MergerResult[];
  /** The built CLI's convert on large files (absent in results from before it existed). */
  convertInput?: ConvertInputResult[];
  /** The built CLI's HTML flame graph of 4,000 traces. */
  html?: HtmlResult;
  /** Cold start under the real runtime client, per Node major; absent when not run. */
  coldStart?: Record<string, ColdStartMajor>;
  budgets: Verdict[];
  seconds: number;
}

const COLORS: Record<string, string> = {
  bare: '#9aa5b1',
  floor: '#52606d',
  'same-work': '#7b8794',
  wrapper: '#0f9d8a',
  layer: '#2d6cdf',
  peer: '#d9622b',
};

export const fmt = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

function cell(summary: Summary | undefined, toFloor: number | undefined, digits: number): string {
  if (!summary) return '-';
  const spread = `[${fmt(summary.min, digits)}-${fmt(summary.max, digits)}]`;
  return `${fmt(summary.median, digits)} ${spread} x${fmt(toFloor ?? Number.NaN, 2)}`;
}

function kilobytes(summary: Summary | undefined): Summary | undefined {
  if (!summary || summary.n === 0) return undefined;
  const kb = (v: number) => v / 1024;
  return {
    ...summary,
    median: kb(summary.median),
    q1: kb(summary.q1),
    q3: kb(summary.q3),
    min: kb(summary.min),
    max: kb(summary.max),
  };
}

function mergedCell(report: SubjectReport): string {
  const checked = report.runs.filter((r) => r.merged !== undefined);
  if (checked.length === 0) return '';
  const ok = checked.filter((r) => r.merged).length;
  return ok === checked.length ? 'yes' : `${ok}/${checked.length}`;
}

function table(major: string, runs: number, reports: readonly SubjectReport[]): string[] {
  const header = [
    '',
    'subject',
    'import+init ms',
    'first invocation ms',
    'warm us/invocation',
    'CPU us/invocation',
    'RSS MB after 2,000',
    'heap KB allocated/invocation',
    'merged',
  ];
  const rows = reports.map((r) =>
    r.runs.length === 0
      ? [r.letter, r.label, `skipped: ${r.skipped ?? 'no runs'}`, '', '', '', '', '', '']
      : [
          r.letter,
          r.label,
          cell(r.importMs, r.toFloor?.importMs, 1),
          cell(r.firstMs, r.toFloor?.firstMs, 2),
          cell(r.warmUs, r.toFloor?.warmUs, 1),
          cell(r.cpuUs, r.toFloor?.cpuUs, 1),
          cell(r.rssMb, r.toFloor?.rssMb, 0),
          cell(kilobytes(r.allocatedBytes), r.toFloor?.allocatedBytes, 1),
          mergedCell(r),
        ],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [
    '',
    `Node ${major}: median [min-max] of ${runs} fresh processes, xN = median / floor (b)`,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
  ];
}

/** The terminal report: one table per Node version, the overhead, the layer, the merger, the budgets. */
export function textReport(results: Results): string {
  const lines: string[] = [];
  for (const [major, reports] of Object.entries(results.nodes)) {
    lines.push(...table(major, results.settings.runs, reports));
    if (results.settings.exporter === 'log')
      lines.push('   dd-trace exported each trace to stdout (--exporter log)');
    const failed = reports.filter((r) => r.skipped && r.runs.length > 0);
    for (const r of failed) lines.push(`   ${r.letter}: some runs failed: ${r.skipped}`);
  }
  lines.push('');
  for (const [major, o] of Object.entries(results.overhead)) {
    if (o) lines.push(...overheadLines(major, o));
  }
  for (const [major, cold] of Object.entries(results.coldStart ?? {}))
    lines.push(...coldStartLines(major, cold));
  for (const zip of results.layerZips) lines.push(`layer ${zip.name}: ${fmt(zip.bytes / 2 ** 20, 2)} MiB`);
  if (results.convertInput !== undefined && results.convertInput.length > 0) {
    lines.push('', ...convertInputReport(results.convertInput));
  }
  if (results.html !== undefined) lines.push(htmlReport(results.html));
  if (results.merger.length > 0) {
    lines.push(
      '',
      `Merger (${results.merger[0]?.from}): one process per size, streamed in chunks of whole traces, after ${(results.merger[0]?.warmupSegments ?? 0).toLocaleString('en')} segments of untimed warm-up`,
    );
    for (const r of results.merger) {
      const cpuRate = Math.round(r.cpuPerSecond ?? Number.NaN).toLocaleString('en');
      const spread = r.cpuPerSecondRange
        ? ` [${r.cpuPerSecondRange.map((v) => Math.round(v / 1000)).join('-')}k of ${r.runs}]`
        : '';
      const size = `${r.segments.toLocaleString('en').padStart(9)} segments (${r.documents.toLocaleString('en')} documents)`;
      lines.push(
        `  ${size}  ${cpuRate.padStart(9)} segments per CPU second${spread} (${Math.round(r.perSecond).toLocaleString('en')} per wall second)  live heap after GC ${fmt(r.retainedHeapMb ?? Number.NaN, 1)} MB, peak RSS ${fmt(r.peakRssMb, 0)} MB, peak heap ${fmt(r.peakHeapMb, 0)} MB`,
      );
    }
  }
  lines.push('', 'Budgets');
  for (const v of results.budgets)
    lines.push(`  ${verdictWord(v)}  ${v.budget}: ${v.measured}${v.margin ? ` (${v.margin})` : ''}`);
  return lines.join('\n');
}

/** hold / miss / skip, padded for the terminal. */
export function verdictWord(v: Verdict): string {
  return ({ PASS: 'hold', FAIL: 'MISS', SKIP: 'skip' } as const)[v.status];
}

/** The three entries side by side: what the wrapper adds over the floor and over same-work. */
function overheadLines(major: string, o: Overhead): string[] {
  const lines = [
    `Node ${major}, the wrapper (c) against the floor (b) and same-work (b'):`,
    `  import+init c - b ${fmt(o.importMs, 2)} ms (fresh processes, median of paired rounds; CPU ${fmt(o.importCpuMs ?? Number.NaN, 2)} ms)${o.ownImportMs !== undefined ? `; the wrapper's own, dd-trace already loaded: ${fmt(o.ownImportMs, 2)} ms` : ''}`,
    `  first invocation c - b ${fmt(o.firstMs, 2)} ms`,
    `  warm, side by side in one process: c - b ${fmt(o.warmUs, 1)} us, c - b' ${fmt(o.warmOwnUs ?? Number.NaN, 1)} us (the wrapper's own code), b' - b ${fmt(o.warmParentAndTagsUs ?? Number.NaN, 1)} us (dd-trace's cost of the parent and tags); from separate processes c - b ${fmt(o.warmFreshUs ?? Number.NaN, 1)} us`,
    ...(o.warmSpreadUs
      ? [
          `    quartiles over ${o.warmSpreadUs.rounds} rounds: c - b ${fmt(o.warmSpreadUs.overFloor[0], 1)} to ${fmt(o.warmSpreadUs.overFloor[1], 1)} us, c - b' ${fmt(o.warmSpreadUs.own[0], 1)} to ${fmt(o.warmSpreadUs.own[1], 1)} us`,
        ]
      : []),
    ...(o.cpuSideBySideUs
      ? [
          `    in process CPU time per invocation, side by side: c - b ${fmt(o.cpuSideBySideUs.overFloor, 1)} us, c - b' ${fmt(o.cpuSideBySideUs.own, 1)} us (not judged; steadier when the machine is loaded)`,
        ]
      : []),
    `  RSS after 2,000 invocations c - b ${fmt(o.rssMb ?? Number.NaN, 1)} MB${o.rssLoadedMb !== undefined ? ` (once loaded, before any invocation: ${fmt(o.rssLoadedMb, 1)} MB)` : ''}; process CPU per warm invocation c - b ${fmt(o.cpuUs ?? Number.NaN, 1)} us`,
  ];
  const bytes = o.allocatedBytes;
  if (bytes) {
    lines.push(
      `  heap allocated per warm invocation: floor ${fmt(bytes.floor / 1024, 1)} KB, same-work ${fmt(bytes.sameWork / 1024, 1)} KB, wrapper ${fmt(bytes.wrapper / 1024, 1)} KB (x${fmt(bytes.wrapper / bytes.sameWork, 2)} same-work)`,
    );
  }
  return lines;
}

function coldStartLines(major: string, cold: ColdStartMajor): string[] {
  if ('skipped' in cold)
    return [`Node ${major} cold start under the runtime client: skipped, ${cold.skipped}`];
  const lines = [
    `Node ${major} cold start under the real runtime client (aws-lambda-ric ${cold.client}, loopback Runtime API${cold.layerOnOpt ? ', the layer mounted on /opt as in Lambda' : ''}): median [min-max] of ${cold.rounds} fresh processes, alternating`,
  ];
  for (const s of cold.subjects) {
    const range = (x: Summary) => `${fmt(x.median, 1)} [${fmt(x.min, 1)}-${fmt(x.max, 1)}]`;
    lines.push(
      `  ${s.label.padEnd(34)} spawn -> first /next ${range(s.pollMs)} ms   spawn -> first response ${range(s.responseMs)} ms${s.failures ? `   (${s.failures} runs failed)` : ''}`,
    );
  }
  for (const o of cold.overhead) {
    lines.push(
      `  layer by ${o.way} over dd-trace alone (median of per-round differences): first /next ${fmt(o.pollMs, 1)} ms, first response ${fmt(o.responseMs, 1)} ms`,
    );
  }
  return lines;
}

function chartPanels(byMajor: Record<string, SubjectReport[]>): Panel[] {
  const majors = Object.keys(byMajor);
  const ids = [...new Set(Object.values(byMajor).flatMap((reports) => reports.map((r) => r.id)))];
  const metrics: Array<[Metric, string, string, number]> = [
    ['importMs', 'Import + init (ms): loading the handler module until the handler is ready', 'ms', 1],
    ['firstMs', 'First invocation (ms)', 'ms', 2],
    ['warmUs', 'Warm invocation (us): time in the handler, median of batch means', 'us', 1],
    ['cpuUs', 'Process CPU per warm invocation (us): background export included', 'us', 1],
    ['rssMb', 'RSS after 2,000 invocations (MB)', 'MB', 0],
    ['allocatedBytes', 'V8 heap allocated per warm invocation (KB): export included', 'KB', 1],
  ];
  return metrics.map(([key, title, unit, digits]) => ({
    title,
    rows: ids.flatMap((id) => {
      const reports = majors.map((major) => byMajor[major]!.find((r) => r.id === id));
      const named = reports.find((r) => r?.[key] && Number.isFinite(r[key].median));
      if (!named) return [];
      const bars = reports.flatMap((report, series) => {
        const raw = report?.[key];
        const summary = key === 'allocatedBytes' ? kilobytes(raw) : raw;
        if (!report || !summary || !Number.isFinite(summary.median)) return [];
        const times = report.toFloor ? `  x${fmt(report.toFloor[key] ?? Number.NaN, 2)}` : '';
        const note = `${fmt(summary.median, digits)} ${unit}${times}`;
        return [{ series, median: summary.median, low: summary.min, high: summary.max, note }];
      });
      const color = COLORS[id.replace('+cache', '')] ?? '#888888';
      return [{ label: `${named.letter}  ${named.label}`, color, bars }];
    }),
  }));
}

/** Cold start under the runtime client: one row per subject, one bar per Node version. */
function coldStartPanels(coldStart: Record<string, ColdStartMajor> | undefined): Panel[] {
  const measured = Object.entries(coldStart ?? {}).filter(
    (entry): entry is [string, Exclude<ColdStartMajor, { skipped: string }>] => !('skipped' in entry[1]),
  );
  if (measured.length === 0) return [];
  const majors = Object.keys(coldStart ?? {});
  const ids = [...new Set(measured.flatMap(([, cold]) => cold.subjects.map((s) => s.id)))];
  const colors: Record<string, string> = {
    bare: COLORS.bare!,
    floor: COLORS.floor!,
    redirect: COLORS.layer!,
    'exec-wrapper': COLORS.wrapper!,
  };
  const panel = (key: 'pollMs' | 'responseMs', title: string): Panel => ({
    title,
    rows: ids.flatMap((id) => {
      let label = id;
      const bars = measured.flatMap(([major, cold]) => {
        const subject = cold.subjects.find((s) => s.id === id);
        const summary = subject?.[key];
        if (!subject || !summary || !Number.isFinite(summary.median)) return [];
        label = subject.label;
        const floor = cold.subjects.find((s) => s.id === 'floor')?.[key].median ?? Number.NaN;
        return [
          {
            series: majors.indexOf(major),
            median: summary.median,
            low: summary.min,
            high: summary.max,
            note: `${fmt(summary.median, 1)} ms  x${fmt(summary.median / floor, 2)}`,
          },
        ];
      });
      return bars.length > 0 ? [{ label, color: colors[id] ?? '#888888', bars }] : [];
    }),
  });
  return [
    panel('pollMs', 'Cold start under aws-lambda-ric (ms): spawn to the first GET /next'),
    panel('responseMs', 'Cold start under aws-lambda-ric (ms): spawn to the first response posted'),
  ];
}

export function chartSvg(results: Results): string {
  const { machine, settings } = results;
  return renderChart({
    title: 'Cold start and per-invocation cost, side by side',
    subtitle: `Median of ${settings.runs} fresh processes per subject; whiskers min-max; xN = ratio to dd-trace alone (b)${settings.exporter === 'log' ? '; traces exported to stdout' : ''}. ${machine.cpus} cores (${machine.cpuModel}), shared and noisy: compare ratios.`,
    series: Object.keys(results.nodes).map((major) => `Node ${major}`),
    panels: [...chartPanels(results.nodes), ...coldStartPanels(results.coldStart)],
    footer: [
      'Same conditions for every subject: Lambda env vars, dd-trace exporting to a loopback agent, telemetry, remote config and runtime metrics off,',
      'a fresh X-Ray trace header per invocation, DD_MERGE_XRAY_TRACES=true (compat ids). Reproduce with `npm run bench`.',
    ],
  });
}

/** Markers around the bench's figures in README.md; `npm run bench` rewrites what is between them. */
export const README_MARKERS = {
  start: '<!-- bench:results:start (written by npm run bench; edits here are overwritten) -->',
  end: '<!-- bench:results:end -->',
} as const;

/**
 * The README's figures of one run: the machine and its load, the subjects' table, the three
 * entries side by side, the cold start, the budgets with their margins. Markdown, between
 * {@link README_MARKERS}.
 */
export function readmeSection(results: Results): string {
  const { machine, settings } = results;
  const load = machine.loadAverage as { before?: number[]; after?: number[] } | undefined;
  const loadText = (values: number[] | undefined) =>
    values ? values.map((v) => v.toFixed(2)).join(' ') : '?';
  const lines = [
    `Figures of one run: ${results.date.slice(0, 16).replace('T', ' ')} UTC, ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, ${machine.platform}; load average ${loadText(load?.before)} before, ${loadText(load?.after)} after; ${settings.runs} rounds of fresh processes per subject, dd-trace exporting ${settings.exporter === 'log' ? 'to stdout' : 'to the loopback agent'}${settings.quick ? '; a --quick run' : ''}. Noise across rounds is in the [min-max] spreads and the quartiles below.`,
    '',
    '![Cold start and per-invocation cost](docs/bench.svg)',
    '',
    '```',
    textReport({ ...results, budgets: [] })
      .split('\n')
      .filter((line) => line !== 'Budgets')
      .join('\n')
      .trim(),
    '```',
    '',
    '| Budget | Verdict | Measured |',
    '|---|---|---|',
    ...results.budgets.map(
      (v) =>
        `| ${v.budget.replace(/\|/g, '\\|')} | ${v.status === 'SKIP' ? 'skipped' : `**${verdictWord(v)}**${v.margin ? `, ${v.margin.replace(/^(holds|misses) /, '')}` : ''}`} | ${v.measured.replace(/\|/g, '\\|')} |`,
    ),
  ];
  return lines.join('\n');
}

/** `readme` with the text between the markers replaced by `section`; undefined when the markers are missing. */
export function replaceBetweenMarkers(readme: string, section: string): string | undefined {
  const start = readme.indexOf(README_MARKERS.start);
  const end = readme.indexOf(README_MARKERS.end);
  if (start === -1 || end === -1 || end < start) return undefined;
  return `${readme.slice(0, start + README_MARKERS.start.length)}\n${section}\n${readme.slice(end)}`;
}
