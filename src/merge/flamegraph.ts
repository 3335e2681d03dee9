/**
 * The merged trace as a person looks at it: one self-contained HTML page (inline CSS and JS, no
 * network) with a flame chart per trace. Root on top, children below, x = time; bars coloured by
 * origin (X-Ray or Datadog), errors outlined, hatched and marked, orphans drawn as extra roots, a
 * time axis, and a tooltip with every tag on hover.
 *
 * Layout happens here, in pure code; the page's script only draws what it is given. Span data
 * travels as JSON in a `<script type="application/json">` block with `<`, `>`, `&`, `/`, U+2028
 * and U+2029 escaped, and the page builds its DOM with `textContent` only, so a span named
 * `<script>…</script>` shows as text. A Content-Security-Policy with hashes of the page's own
 * script and style allows nothing else to run or load.
 */

import { createHash } from 'node:crypto';
import { DEFAULT_SKEW_TOLERANCE_NS } from './join.ts';
import { type DatadogSpan, type SpanOrigin, spanOrigin } from './span.ts';

/** Pages larger than this open slowly in a browser; the CLI says so, and how to narrow the input. */
export const LARGE_PAGE_MB = 30;

export interface FlameGraphOptions {
  /** The page's title and top heading. Default `Merged traces`. */
  title?: string;
}

/** One bar of the chart: a span placed on a row, its times relative to the start of its trace. */
export interface FlameBar {
  spanId: string;
  parentId: string;
  traceId: string;
  name: string;
  service: string;
  resource: string;
  type: string;
  origin: SpanOrigin;
  error: boolean;
  /** The span names a parent that is not in the trace; it is drawn as an extra root. */
  orphan: boolean;
  /** Why the span is drawn where it is when that is not obvious (orphan, parent cycle). */
  note: string;
  /** How the span sticks out of its parent's time (clock skew between hosts), or ''. */
  skew: string;
  /** The row of the span's parent in the chart, or -1 for a root: the page links them. */
  parentRow: number;
  /** Nanoseconds from the start of the trace. */
  start: number;
  /** Nanoseconds. */
  duration: number;
  /** 0 is the top row. */
  row: number;
  /** 0..3, picked from the service name so one service keeps one shade. */
  shade: number;
  meta: Array<[string, string]>;
  metrics: Array<[string, string]>;
}

/** One trace, laid out: bars in depth-first order (a parent before its children). */
export interface TraceLayout {
  traceId: string;
  rootName: string;
  rootResource: string;
  rootService: string;
  /** The earliest span start as an ISO 8601 UTC time with nanoseconds, or '' when there is none. */
  start: string;
  /** Nanoseconds from the earliest start to the latest end. */
  duration: number;
  rows: number;
  /** The spacer row above spans drawn as extra roots (orphans, cycles), or -1 when there are none. */
  detachedRow: number;
  errors: number;
  orphans: number;
  /** Spans that start before or end after their parent by more than the tolerance. */
  skews: number;
  bars: FlameBar[];
}

/**
 * Lays one trace out as an icicle chart. Each subtree is packed as a block under its parent:
 * siblings whose subtrees do not overlap in time share rows, and one that overlaps an earlier
 * sibling's subtree goes below all of it, so concurrent work never overlaps and never looks nested
 * in a neighbour. Spans whose parent is missing, and spans caught in a parent cycle, become extra
 * roots below the main tree, after a spacer row (`detachedRow`) the page labels. Deterministic:
 * the input order of the spans does not matter.
 *
 * @example
 * const layout = layoutTrace(spans);
 * layout.bars[0].row; // 0, the root
 */
export function layoutTrace(spans: readonly DatadogSpan[]): TraceLayout {
  const count = spans.length;
  if (count === 0) {
    return {
      traceId: '',
      rootName: '',
      rootResource: '',
      rootService: '',
      start: '',
      duration: 0,
      rows: 0,
      detachedRow: -1,
      errors: 0,
      orphans: 0,
      skews: 0,
      bars: [],
    };
  }

  const order = sortedIndices(spans);
  let traceStart = spans[0]!.start;
  let traceEnd = spans[0]!.start + nonNegative(spans[0]!.duration);
  for (const span of spans) {
    if (span.start < traceStart) traceStart = span.start;
    const end = span.start + nonNegative(span.duration);
    if (end > traceEnd) traceEnd = end;
  }
  const total = Math.max(1, Number(traceEnd - traceStart));
  // A very short span still gets a few pixels on screen; pack it as that wide so it is not hidden.
  const minWidth = total * 0.002;

  const starts = new Float64Array(count);
  const ends = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const span = spans[i]!;
    starts[i] = Number(span.start - traceStart);
    ends[i] = starts[i]! + Math.max(Number(nonNegative(span.duration)), minWidth);
  }

  // The first span with an id owns it; a duplicate id is still drawn, under the same parent.
  const byId = new Map<string, number>();
  for (const i of order) if (!byId.has(spans[i]!.span_id)) byId.set(spans[i]!.span_id, i);

  const children: number[][] = Array.from({ length: count }, () => []);
  const roots: number[] = [];
  const orphanRoots: number[] = [];
  const notes: string[] = new Array(count).fill('');
  const orphan = new Uint8Array(count);
  for (const i of order) {
    const parentId = spans[i]!.parent_id;
    const parent = byId.get(parentId);
    if (parent !== undefined && parent !== i) children[parent]!.push(i);
    else if (parent === i) {
      notes[i] = 'it names itself as its parent; drawn as a root';
      roots.push(i);
    } else if (parent === undefined && parentId !== '0' && parentId !== '') {
      orphan[i] = 1;
      notes[i] = `parent ${parentId} is not in this trace; drawn as a root`;
      orphanRoots.push(i);
    } else roots.push(i);
  }

  // Depth-first preorder over the tree; anything unreached sits on a parent cycle.
  const visited = new Uint8Array(count);
  const treeChildren: number[][] = Array.from({ length: count }, () => []);
  const preorder: number[] = [];
  const mainRoots: number[] = [];
  const detachedRoots: number[] = [];
  const walk = (root: number, into: number[]): void => {
    visited[root] = 1;
    into.push(root);
    const stack = [root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      preorder.push(node);
      const next: number[] = [];
      for (const child of children[node]!) {
        if (visited[child]) continue;
        visited[child] = 1;
        next.push(child);
      }
      treeChildren[node] = next;
      for (let k = next.length - 1; k >= 0; k--) stack.push(next[k]!);
    }
  };
  for (const i of roots) walk(i, mainRoots);
  for (const i of orphanRoots) walk(i, detachedRoots);
  for (const i of order) {
    if (visited[i]) continue;
    notes[i] = 'its parents form a cycle; drawn as a root';
    walk(i, detachedRoots);
  }

  // Pack bottom-up: children before parents is the reverse of preorder.
  const offset = new Int32Array(count);
  const blocks: Array<Block | undefined> = new Array(count);
  for (let k = preorder.length - 1; k >= 0; k--) {
    const node = preorder[k]!;
    const below = packBlocks(treeChildren[node]!, blocks, offset);
    blocks[node] = {
      start: Math.min(starts[node]!, below.start),
      end: Math.max(ends[node]!, below.end),
      rows: 1 + below.rows,
    };
  }
  // Detached spans go below the main tree, after a labelled spacer row, so none looks nested in it.
  const mainRows = packBlocks(mainRoots, blocks, offset).rows;
  const detachedRow = detachedRoots.length > 0 ? mainRows : -1;
  packBlocks(detachedRoots, blocks, offset);
  for (const i of detachedRoots) offset[i] = offset[i]! + mainRows + 1;

  const row = new Int32Array(count);
  const parentInTree = new Int32Array(count).fill(-1);
  for (const node of preorder) for (const child of treeChildren[node]!) parentInTree[child] = node;
  let rows = 0;
  let errors = 0;
  let skews = 0;
  const bars: FlameBar[] = [];
  for (const node of preorder) {
    const parent = parentInTree[node]!;
    row[node] = parent < 0 ? offset[node]! : row[parent]! + 1 + offset[node]!;
    rows = Math.max(rows, row[node]! + 1);
    const span = spans[node]!;
    if (span.error) errors++;
    const skew = parent < 0 ? '' : skewOf(span, spans[parent]!);
    if (skew !== '') skews++;
    bars.push({
      spanId: span.span_id,
      parentId: span.parent_id,
      traceId: span.trace_id,
      name: span.name,
      service: span.service,
      resource: span.resource,
      type: span.type,
      origin: spanOrigin(span),
      error: span.error === 1,
      orphan: orphan[node] === 1,
      note: notes[node]!,
      skew,
      parentRow: parent < 0 ? -1 : row[parent]!,
      start: starts[node]!,
      duration: Number(nonNegative(span.duration)),
      row: row[node]!,
      shade: shadeOf(span.service),
      meta: sortedEntries(span.meta, String),
      metrics: sortedEntries(span.metrics, String),
    });
  }

  const root = spans[mainRoots[0] ?? detachedRoots[0]!]!;
  return {
    traceId: root.trace_id,
    rootName: root.name,
    rootResource: root.resource,
    rootService: root.service,
    start: isoNanos(traceStart),
    duration: Number(traceEnd - traceStart),
    rows,
    detachedRow,
    errors,
    orphans: orphanRoots.length,
    skews,
    bars,
  };
}

/**
 * How a span sticks out of its parent's time by more than the join's tolerance: its host's clock
 * and its parent's disagree (the join reports the same spans).
 */
function skewOf(span: DatadogSpan, parent: DatadogSpan): string {
  const early = parent.start - span.start;
  const late = span.start + nonNegative(span.duration) - (parent.start + nonNegative(parent.duration));
  const parts: string[] = [];
  if (early > DEFAULT_SKEW_TOLERANCE_NS) parts.push(`starts ${millis(early)} before its parent`);
  if (late > DEFAULT_SKEW_TOLERANCE_NS) parts.push(`ends ${millis(late)} after its parent`);
  return parts.length > 0 ? `clock skew: ${parts.join(' and ')}` : '';
}

function millis(ns: bigint): string {
  return `${(Number(ns) / 1e6).toFixed(3)} ms`;
}

/**
 * Renders merged traces as one self-contained HTML document: opening it needs no network, and
 * the same input always gives the same string.
 *
 * @example
 * import { writeFile } from 'node:fs/promises';
 * await writeFile('trace.html', renderFlameGraph([spansOfTraceA, spansOfTraceB], { title: 'checkout' }));
 */
export function renderFlameGraph(traces: DatadogSpan[][], options: FlameGraphOptions = {}): string {
  const title = options.title ?? 'Merged traces';
  const layouts = traces.map((spans) => layoutTrace(spans));
  const spanCount = layouts.reduce((n, layout) => n + layout.bars.length, 0);
  const summary = `${plural(layouts.length, 'trace')} · ${plural(spanCount, 'span')}`;
  const csp = [
    "default-src 'none'",
    `script-src '${sha256(CLIENT_SCRIPT)}'`,
    `style-src '${sha256(STYLE)}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header class="page-head">
<div class="page-title"><h1>${escapeHtml(title)}</h1><p class="summary">${escapeHtml(summary)}</p></div>
<ul class="legend" aria-label="Legend">
<li><span class="swatch xray"></span>AWS X-Ray</li>
<li><span class="swatch datadog"></span>Datadog APM</li>
<li><span class="swatch shades"><span class="xray s0"></span><span class="xray s2"></span><span class="datadog s0"></span><span class="datadog s1"></span></span>shades of a colour: one per service</li>
<li><span class="swatch error"><span class="err-mark">!</span></span>error</li>
<li><span class="swatch orphan"></span>orphan (parent missing)</li>
<li><span class="swatch skew"><span class="skew-mark">±</span></span>clock skew (outside its parent)</li>
<li><span class="swatch link"></span>line to its parent, when not right above</li>
</ul>
<p class="hint">Labels: the resource or X-Ray name, then service · span name. Hover or focus a bar for its details; click to pin; Esc to close.</p>
</header>
<main id="traces"><noscript>The flame graph is drawn by JavaScript; please enable it.</noscript></main>
<div id="tooltip" role="tooltip" hidden></div>
<script type="application/json" id="flame-data">${scriptSafeJson(pageData(layouts))}</script>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`;
}

/**
 * The layouts as the page carries them, smaller: tag keys (the same few hundred on every span) as
 * indices into one `keys` table, and no trace id on each bar (its trace has it).
 */
function pageData(layouts: readonly TraceLayout[]): { keys: string[]; traces: unknown[] } {
  const keys: string[] = [];
  const index = new Map<string, number>();
  const keyOf = (key: string): number => {
    let at = index.get(key);
    if (at === undefined) {
      at = keys.length;
      keys.push(key);
      index.set(key, at);
    }
    return at;
  };
  const traces = layouts.map((layout) => ({
    ...layout,
    bars: layout.bars.map(({ traceId: _traceId, meta, metrics, ...bar }) => ({
      ...bar,
      meta: meta.map(([key, value]) => [keyOf(key), value]),
      metrics: metrics.map(([key, value]) => [keyOf(key), value]),
    })),
  }));
  return { keys, traces };
}

/** A laid-out subtree: its time hull (padded bar ends included) and how many rows it takes. */
interface Block {
  start: number;
  end: number;
  rows: number;
}

/**
 * Stacks subtree blocks under a common parent. A block goes at the smallest row offset where its
 * rectangle (time hull x rows) meets no block placed before it, so nothing concurrent with a
 * subtree is drawn inside it, where it would read as a descendant. Writes each block's offset and
 * returns the rectangle of all of them (rows 0 when there are none).
 */
function packBlocks(roots: number[], blocks: Array<Block | undefined>, offset: Int32Array): Block {
  const placed: Array<{ block: Block; at: number }> = []; // ordered by `at`
  const hull: Block = { start: Number.POSITIVE_INFINITY, end: Number.NEGATIVE_INFINITY, rows: 0 };
  for (const root of roots) {
    const block = blocks[root]!;
    let at = 0;
    for (const other of placed) {
      if (other.at >= at + block.rows) break;
      const concurrent = other.block.start < block.end && block.start < other.block.end;
      if (concurrent && other.at + other.block.rows > at) at = other.at + other.block.rows;
    }
    offset[root] = at;
    let k = placed.length;
    while (k > 0 && placed[k - 1]!.at > at) k--;
    placed.splice(k, 0, { block, at });
    hull.start = Math.min(hull.start, block.start);
    hull.end = Math.max(hull.end, block.end);
    hull.rows = Math.max(hull.rows, at + block.rows);
    blocks[root] = undefined; // placed; free it
  }
  return hull;
}

/** Span indices by start time, then span id, then name, then input position. */
function sortedIndices(spans: readonly DatadogSpan[]): number[] {
  return spans
    .map((_, i) => i)
    .sort((a, b) => {
      const x = spans[a]!;
      const y = spans[b]!;
      if (x.start !== y.start) return x.start < y.start ? -1 : 1;
      const byId = compareDecimal(x.span_id, y.span_id);
      if (byId !== 0) return byId;
      if (x.name !== y.name) return x.name < y.name ? -1 : 1;
      return a - b;
    });
}

function compareDecimal(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function nonNegative(value: bigint): bigint {
  return value > 0n ? value : 0n;
}

function sortedEntries<T>(record: Record<string, T>, show: (value: T) => string): Array<[string, string]> {
  return Object.keys(record ?? {})
    .sort()
    .map((key): [string, string] => [key, show(record[key]!)]);
}

/** FNV-1a, folded to four shades. */
function shadeOf(service: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < service.length; i++) {
    hash ^= service.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % 4;
}

/** Epoch nanoseconds to `2024-01-02T03:04:05.123456789Z`; '' when out of Date's range. */
function isoNanos(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) return '';
  const nanosOfSecond = ((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
  return date.toISOString().replace(/\.\d{3}Z$/, `.${nanosOfSecond.toString().padStart(9, '0')}Z`);
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON that cannot end its `<script>` element early nor break a JS line (U+2028/2029). `/` is
 * escaped too, so no URL in a tag value appears verbatim in the page.
 */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&/\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

// Colours: X-Ray in AWS orange with dark text, Datadog in its purple with white text; each pair
// keeps a contrast ratio of at least 4.5:1. Red is kept for errors only.
const STYLE = `
:root {
  --row: 24px;
  --bar-h: 20px;
  --ink: #1d2330;
  --muted: #5b6372;
  --line: #e3e6eb;
  --error: #c8102e;
  --xray-0: #ff9900; --xray-1: #f7b32b; --xray-2: #f08a1c; --xray-3: #ffc061;
  --dd-0: #632ca6; --dd-1: #7646b8; --dd-2: #532494; --dd-3: #6d3fa0;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans", "DejaVu Sans", Arial, sans-serif;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
html { background: #f4f5f7; }
body { margin: 0; font: 13px/1.45 var(--sans); color: var(--ink); }
.page-head { display: flex; flex-wrap: wrap; align-items: center; gap: 10px 32px; padding: 18px 28px; background: #fff; border-bottom: 1px solid var(--line); }
.page-title { display: flex; align-items: baseline; gap: 14px; flex-wrap: wrap; }
h1 { margin: 0; font-size: 20px; font-weight: 650; letter-spacing: -0.01em; }
.summary { margin: 0; color: var(--muted); }
.legend { display: flex; flex-wrap: wrap; gap: 8px 18px; margin: 0 0 0 auto; padding: 0; list-style: none; color: #3a4150; }
.legend li { display: flex; align-items: center; gap: 7px; }
.swatch { display: inline-flex; align-items: center; justify-content: center; width: 22px; height: 14px; border-radius: 3px; }
.swatch.xray { background: var(--xray-0); }
.swatch.datadog { background: var(--dd-0); }
.swatch.error { background: #fde8eb; box-shadow: inset 0 0 0 2px var(--error); }
.swatch.orphan { background: #e9ebef; outline: 2px dashed #1f2937; outline-offset: -1px; }
.swatch.shades { width: auto; overflow: hidden; }
.swatch.shades span { width: 8px; height: 14px; }
.swatch.shades .xray.s0 { background: var(--xray-0); } .swatch.shades .xray.s2 { background: var(--xray-2); }
.swatch.shades .datadog.s0 { background: var(--dd-0); } .swatch.shades .datadog.s1 { background: var(--dd-1); }
.swatch.skew { background: #fff; outline: 2px dotted #8a5a00; outline-offset: -1px; }
.swatch.link { background: linear-gradient(#6b7280, #6b7280) center / 2px 100% no-repeat; border-radius: 0; }
.hint { flex-basis: 100%; margin: 0; color: var(--muted); font-size: 12px; }
main { padding: 20px 28px 48px; }
.index-wrap { margin: 0 0 22px; background: #fff; border: 1px solid var(--line); border-radius: 8px; }
.index-hint { margin: 0; padding: 12px 18px; color: var(--muted); }
.index-scroll { max-height: 60vh; overflow: auto; border-top: 1px solid var(--line); }
.index { width: 100%; border-collapse: collapse; font-size: 12.5px; }
.index th { position: sticky; top: 0; z-index: 1; background: #f8f9fb; border-bottom: 1px solid var(--line); text-align: left; padding: 0; }
.index th.num, .index td.num { text-align: right; font-variant-numeric: tabular-nums; }
.index .sort { width: 100%; padding: 7px 12px; border: 0; background: none; font: 600 12px var(--sans); color: var(--ink); text-align: inherit; cursor: pointer; }
.index th[aria-sort="ascending"] .sort::after { content: ' ▲'; }
.index th[aria-sort="descending"] .sort::after { content: ' ▼'; }
.index td { padding: 5px 12px; border-bottom: 1px solid #f0f1f4; white-space: nowrap; }
.index td.name .svc { margin-left: 8px; color: var(--muted); }
.index td.bad { color: var(--error); font-weight: 600; }
.index tbody tr { cursor: pointer; }
.index tbody tr:hover, .index tbody tr:focus-visible { background: #fff4e0; outline: none; }
.index tbody tr.open td:first-child { box-shadow: inset 3px 0 0 var(--xray-0); }
.empty { color: var(--muted); padding: 18px; }
.trace { margin: 0 0 22px; background: #fff; border: 1px solid var(--line); border-radius: 8px; box-shadow: 0 1px 2px rgba(16, 24, 40, 0.05); }
.trace-head { padding: 14px 18px 10px; }
.trace-head h2 { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 12px; margin: 0 0 6px; font-size: 16px; font-weight: 650; }
.trace-head h2 .root-resource { font-weight: 450; color: #3a4150; }
.trace-head h2 .root-service { font-size: 12px; font-weight: 500; color: var(--muted); background: #eef0f3; border-radius: 10px; padding: 1px 8px; }
.facts { display: flex; flex-wrap: wrap; gap: 4px 22px; margin: 0; color: var(--muted); font-size: 12px; }
.facts div { display: flex; gap: 6px; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; color: var(--ink); font-weight: 550; }
.facts .bad dd { color: var(--error); }
.mono { font-family: var(--mono); font-size: 12px; }
.chart-wrap { padding: 0 18px 18px; }
.axis { position: sticky; top: 0; z-index: 3; height: 24px; background: #fff; border-bottom: 1px solid #cfd4dc; }
.tick { position: absolute; top: 0; bottom: 0; padding-left: 4px; border-left: 1px solid #cfd4dc; color: var(--muted); font-size: 11px; line-height: 24px; white-space: nowrap; font-variant-numeric: tabular-nums; }
.tick.flip { padding: 0 4px 0 0; border-left: 0; border-right: 1px solid #cfd4dc; transform: translateX(-100%); }
.chart { position: relative; margin-top: 6px; }
.gridline { position: absolute; top: -6px; bottom: 0; width: 1px; background: #eef0f3; pointer-events: none; }
.bar { position: absolute; display: flex; align-items: center; gap: 5px; height: var(--bar-h); min-width: 2px; padding: 0 6px; border-radius: 3px; overflow: hidden; white-space: nowrap; font-size: 12px; cursor: default; box-shadow: inset 0 0 0 1px rgba(0, 0, 0, 0.14); }
.bar.xray { color: #231400; }
.bar.datadog { color: #fff; }
.bar.xray.s0 { background-color: var(--xray-0); } .bar.xray.s1 { background-color: var(--xray-1); }
.bar.xray.s2 { background-color: var(--xray-2); } .bar.xray.s3 { background-color: var(--xray-3); }
.bar.datadog.s0 { background-color: var(--dd-0); } .bar.datadog.s1 { background-color: var(--dd-1); }
.bar.datadog.s2 { background-color: var(--dd-2); } .bar.datadog.s3 { background-color: var(--dd-3); }
.bar .label { flex: 1 1 auto; min-width: 0; overflow: hidden; text-overflow: ellipsis; }
.bar .primary { font-weight: 600; }
.bar .sub { margin-left: 7px; font-weight: 400; opacity: 0.85; }
.bar.tiny { padding: 0; min-width: 3px; overflow: visible; }
.bar.tiny > * { display: none; }
.bar.tiny > .label { display: block; position: absolute; top: 0; left: calc(100% + 4px); max-width: 420px; color: var(--ink); line-height: var(--bar-h); pointer-events: none; }
.bar.tiny.tiny-left > .label { left: auto; right: calc(100% + 4px); text-align: right; }
.bar.tiny.no-label > .label { display: none; }
.bar.skew { outline: 2px dotted #8a5a00; outline-offset: 1px; }
.skew-mark { flex: none; width: 14px; height: 14px; border-radius: 3px; background: #ffe08a; color: #4d3200; font: 700 11px/14px var(--sans); text-align: center; }
.link { position: absolute; width: 0; border-left: 1px solid #6b7280; pointer-events: none; }
.bar.error { box-shadow: inset 0 0 0 2px var(--error); background-image: repeating-linear-gradient(135deg, rgba(200, 16, 46, 0.3) 0 4px, transparent 4px 9px); }
.bar.error.tiny { background-color: var(--error); }
.bar.orphan { outline: 2px dashed #1f2937; outline-offset: 1px; }
.detached { position: absolute; left: 0; right: 0; height: var(--row); padding-top: 5px; border-top: 1px dashed #9aa3b2; color: var(--muted); font-size: 11px; font-style: italic; line-height: 14px; pointer-events: none; }
.bar:hover, .bar.hot, .bar:focus-visible { outline: 2px solid #111827; outline-offset: 1px; z-index: 2; }
.err-mark { flex: none; width: 14px; height: 14px; border-radius: 50%; background: var(--error); color: #fff; font: 700 10px/14px var(--sans); text-align: center; box-shadow: 0 0 0 1px #fff; }
#tooltip { position: fixed; z-index: 10; left: 0; top: 0; max-width: min(560px, calc(100vw - 16px)); max-height: calc(100vh - 16px); overflow: hidden; padding: 10px 12px; background: #fff; color: var(--ink); border: 1px solid #d0d5dd; border-radius: 8px; box-shadow: 0 12px 32px rgba(16, 24, 40, 0.2); font-size: 12px; pointer-events: none; }
#tooltip[hidden] { display: none; }
#tooltip.pinned { pointer-events: auto; overflow: auto; }
.tt-head { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 8px; margin-bottom: 6px; }
.tt-name { font-size: 13px; font-weight: 650; overflow-wrap: anywhere; }
.badge { padding: 0 7px; border-radius: 9px; font-size: 11px; font-weight: 600; line-height: 18px; }
.badge.xray { background: var(--xray-0); color: #231400; }
.badge.datadog { background: var(--dd-0); color: #fff; }
.badge.error { background: var(--error); color: #fff; }
.badge.orphan { background: #374151; color: #fff; }
.tt-note { margin: 0 0 6px; color: #8a1c1c; }
.tt-grid { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 1px 12px; margin: 0; }
.tt-grid dt { color: var(--muted); }
.tt-grid dd { margin: 0; font-family: var(--mono); font-size: 11.5px; overflow-wrap: anywhere; }
.tt-section { margin: 8px 0 3px; padding-top: 6px; border-top: 1px solid #eef0f3; color: var(--muted); font-size: 10.5px; font-weight: 650; letter-spacing: 0.06em; text-transform: uppercase; }
.tt-hint { margin-top: 8px; color: #8a93a3; font-size: 11px; }
`;

// The page's script: plain JS for any current browser. It reads the JSON block and builds the DOM
// with textContent only; bars are positioned in percent, so only labels and ticks need a resize.
const CLIENT_SCRIPT = String.raw`
(() => {
  'use strict';
  const ROW = 24;
  const BAR_H = 20;
  /** More traces than this: an index, each trace drawn on demand. */
  const ON_DEMAND_ABOVE = 20;
  const MIN_LABEL_PX = 34;
  const TICK_PX = 110;
  const data = JSON.parse(document.getElementById('flame-data').textContent);
  const main = document.getElementById('traces');
  const tip = document.getElementById('tooltip');
  const views = [];
  let pinned = null;
  let hot = null;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function trimmed(value, decimals) {
    return String(Number(value.toFixed(decimals)));
  }
  function duration(ns) {
    if (ns < 1e3) return trimmed(ns, 0) + ' ns';
    const [unit, name] = ns < 1e6 ? [1e3, 'µs'] : ns < 1e9 ? [1e6, 'ms'] : [1e9, 's'];
    const v = ns / unit;
    return trimmed(v, v >= 10 ? 1 : 2) + ' ' + name;
  }
  function niceStep(raw) {
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const f = raw / power;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
  }
  function percent(fraction) {
    return (fraction * 100).toFixed(4) + '%';
  }
  function fact(list, term, value, className) {
    const item = el('div', className);
    item.append(el('dt', '', term), el('dd', '', value));
    list.append(item);
    return item;
  }

  function drawTrace(trace, t, into) {
    const target = into || main;
    const section = el('section', 'trace');
    section.dataset.traceId = trace.traceId;
    const head = el('header', 'trace-head');
    const h2 = el('h2');
    h2.append(el('span', 'root-name', trace.rootName || '(unnamed)'));
    if (trace.rootResource && trace.rootResource !== trace.rootName) h2.append(el('span', 'root-resource', trace.rootResource));
    if (trace.rootService) h2.append(el('span', 'root-service', trace.rootService));
    head.append(h2);
    const facts = el('dl', 'facts');
    fact(facts, 'trace id', trace.traceId).lastChild.className = 'mono';
    if (trace.start) {
      const start = fact(facts, 'start', trace.start.replace('T', ' ').replace(/(\.\d{3})\d*Z$/, '$1 UTC'));
      start.title = trace.start;
    }
    fact(facts, 'duration', duration(trace.duration));
    fact(facts, 'spans', String(trace.bars.length));
    if (trace.errors) fact(facts, 'errors', String(trace.errors), 'bad');
    if (trace.orphans) fact(facts, 'orphans', String(trace.orphans), 'bad');
    if (trace.skews) fact(facts, 'clock skews', String(trace.skews), 'bad');
    head.append(facts);
    section.append(head);

    if (trace.bars.length === 0) {
      section.append(el('p', 'empty', 'This trace has no spans.'));
      target.append(section);
      return section;
    }
    const wrap = el('div', 'chart-wrap');
    const axis = el('div', 'axis');
    const chart = el('div', 'chart');
    chart.style.height = Math.max(1, trace.rows) * ROW + 'px';
    const grid = el('div', 'grid');
    chart.append(grid);
    if (trace.detachedRow >= 0) {
      const divider = el('div', 'detached', 'Detached: spans whose parent is not in this trace, drawn as extra roots');
      divider.style.top = trace.detachedRow * ROW + 'px';
      chart.append(divider);
    }
    const total = Math.max(1, trace.duration);
    const bars = [];
    const fragment = document.createDocumentFragment();
    trace.bars.forEach((b, i) => {
      let className = 'bar ' + b.origin + ' s' + b.shade;
      if (b.error) className += ' error';
      if (b.orphan) className += ' orphan';
      const bar = el('div', className);
      bar.tabIndex = 0;
      bar.dataset.trace = String(t);
      bar.dataset.index = String(i);
      bar.dataset.spanId = b.spanId;
      bar.dataset.origin = b.origin;
      bar.dataset.start = String(b.start);
      const primary = b.resource || b.name;
      bar.setAttribute('aria-label', primary + ', ' + b.service + ' · ' + b.name + ', ' + duration(b.duration) + (b.error ? ', error' : '') + (b.skew ? ', ' + b.skew : ''));
      bar.style.left = percent(b.start / total);
      bar.style.width = percent(b.duration / total);
      bar.style.top = b.row * ROW + 'px';
      if (b.skew) bar.classList.add('skew');
      if (b.error) bar.append(el('span', 'err-mark', '!'));
      if (b.skew) bar.append(el('span', 'skew-mark', '±'));
      // What X-Ray and Datadog show first (the resource, which is the X-Ray name for plain
      // subsegments), then the service and the span name.
      const label = el('span', 'label');
      label.append(el('span', 'primary', primary));
      const sub = el('span', 'sub');
      sub.append(el('span', 'svc', b.service), document.createTextNode(' · '), el('span', 'name', b.name));
      label.append(sub);
      bar.append(label);
      fragment.append(bar);
      bars.push(bar);
      // A child drawn lower than right under its parent is linked to it by a line at its start.
      if (b.parentRow >= 0 && b.row > b.parentRow + 1) {
        const link = el('div', 'link');
        link.style.left = percent(b.start / total);
        link.style.top = b.parentRow * ROW + BAR_H + 'px';
        link.style.height = (b.row - b.parentRow) * ROW - BAR_H + 'px';
        fragment.append(link);
      }
    });
    chart.append(fragment);
    wrap.append(axis, chart);
    section.append(wrap);
    target.append(section);
    views.push({ trace, total, axis, chart, grid, bars, width: -1 });
    return section;
  }

  function fit(view) {
    const width = view.chart.clientWidth;
    if (width === view.width || width === 0) return;
    view.width = width;
    // A small bar's label goes beside it, on the side with more free room on its row, cut to fit
    // that room (and left out when there is next to none: the tooltip still has it).
    const byRow = new Map();
    view.trace.bars.forEach((b, i) => {
      const left = (b.start / view.total) * width;
      const right = left + Math.max(3, (b.duration / view.total) * width);
      if (!byRow.has(b.row)) byRow.set(b.row, []);
      byRow.get(b.row).push({ i, left, right });
    });
    for (const row of byRow.values()) {
      row.sort((a, b) => a.left - b.left);
      row.forEach((entry, k) => {
        const bar = view.bars[entry.i];
        const tiny = entry.right - entry.left < MIN_LABEL_PX;
        bar.classList.toggle('tiny', tiny);
        if (!tiny) return;
        let roomRight = width - entry.right;
        for (let n = k + 1; n < row.length; n++) roomRight = Math.min(roomRight, row[n].left - entry.right);
        let roomLeft = entry.left;
        for (let n = 0; n < k; n++) roomLeft = Math.min(roomLeft, entry.left - row[n].right);
        const toLeft = roomLeft > roomRight;
        const room = Math.max(roomLeft, roomRight) - 10;
        bar.classList.toggle('tiny-left', toLeft);
        bar.classList.toggle('no-label', room < 28);
        bar.lastChild.style.maxWidth = Math.max(0, Math.min(420, room)) + 'px';
      });
    }
    const step = niceStep(view.total / Math.max(2, Math.floor(width / TICK_PX)));
    const [unit, name] = view.total >= 1e9 ? [1e9, 's'] : view.total >= 1e6 ? [1e6, 'ms'] : view.total >= 1e3 ? [1e3, 'µs'] : [1, 'ns'];
    const decimals = Math.max(0, Math.ceil(-Math.log10(step / unit) - 1e-9));
    const ticks = document.createDocumentFragment();
    const lines = document.createDocumentFragment();
    for (let k = 0; k * step <= view.total; k++) {
      const at = k * step;
      const x = at / view.total;
      const tick = el('div', 'tick', k === 0 ? '0' : (at / unit).toFixed(decimals) + ' ' + name);
      tick.style.left = percent(x);
      if (k > 0 && x * width > width - 60) tick.classList.add('flip');
      ticks.append(tick);
      const line = el('div', 'gridline');
      line.style.left = percent(x);
      lines.append(line);
    }
    view.axis.replaceChildren(ticks);
    view.grid.replaceChildren(lines);
  }

  function spanOf(bar) {
    return data.traces[Number(bar.dataset.trace)].bars[Number(bar.dataset.index)];
  }
  function fillTooltip(b, traceId) {
    const head = el('div', 'tt-head');
    head.append(el('span', 'tt-name', (b.resource || b.name) + (b.resource && b.resource !== b.name ? ' · ' + b.name : '')));
    head.append(el('span', 'badge ' + b.origin, b.origin === 'xray' ? 'X-Ray' : 'Datadog'));
    if (b.error) head.append(el('span', 'badge error', 'error'));
    if (b.orphan) head.append(el('span', 'badge orphan', 'orphan'));
    const parts = [head];
    if (b.note) parts.push(el('p', 'tt-note', b.note));
    if (b.skew) parts.push(el('p', 'tt-note', b.skew));
    const grid = el('dl', 'tt-grid');
    const rows = [
      ['name', b.name],
      ['service', b.service],
      ['resource', b.resource],
      ['type', b.type],
      ['duration', duration(b.duration)],
      ['start', '+' + duration(b.start)],
      ['span id', b.spanId],
      ['parent id', b.parentId],
      ['trace id', traceId],
    ];
    for (const [term, value] of rows) if (value !== '') grid.append(el('dt', '', term), el('dd', '', value));
    parts.push(grid);
    for (const [title, entries] of [['meta', b.meta], ['metrics', b.metrics]]) {
      if (entries.length === 0) continue;
      parts.push(el('div', 'tt-section', title + ' (' + entries.length + ')'));
      const tags = el('dl', 'tt-grid tags-' + title);
      for (const [key, value] of entries) tags.append(el('dt', '', data.keys[key]), el('dd', '', value));
      parts.push(tags);
    }
    parts.push(el('div', 'tt-hint', pinned ? 'Esc or click elsewhere to close' : 'Click the bar to pin'));
    tip.replaceChildren(...parts);
    tip.hidden = false;
  }
  function place(x, y) {
    const gap = 14;
    const box = tip.getBoundingClientRect();
    let left = x + gap;
    let top = y + gap;
    if (left + box.width > innerWidth - 8) left = Math.max(8, x - gap - box.width);
    if (top + box.height > innerHeight - 8) top = Math.max(8, innerHeight - 8 - box.height);
    tip.style.left = left + 'px';
    tip.style.top = top + 'px';
  }
  function setHot(bar) {
    if (hot) hot.classList.remove('hot');
    hot = bar;
    if (hot) hot.classList.add('hot');
  }
  function show(bar, x, y) {
    setHot(bar);
    fillTooltip(spanOf(bar), data.traces[Number(bar.dataset.trace)].traceId);
    place(x, y);
  }
  function hide() {
    pinned = null;
    tip.classList.remove('pinned');
    tip.hidden = true;
    setHot(null);
  }

  document.addEventListener('mouseover', (event) => {
    if (pinned) return;
    const bar = event.target.closest && event.target.closest('.bar');
    if (bar) show(bar, event.clientX, event.clientY);
    else if (hot) hide();
  });
  document.addEventListener('mousemove', (event) => {
    if (!pinned && hot) place(event.clientX, event.clientY);
  });
  document.addEventListener('click', (event) => {
    if (tip.contains(event.target)) return;
    const bar = event.target.closest && event.target.closest('.bar');
    if (!bar || bar === pinned) return hide();
    pinned = bar;
    tip.classList.add('pinned');
    show(bar, event.clientX, event.clientY);
  });
  document.addEventListener('focusin', (event) => {
    const bar = event.target.closest && event.target.closest('.bar');
    if (!bar || pinned) return;
    const box = bar.getBoundingClientRect();
    show(bar, box.left, box.bottom);
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') hide();
  });

  // Many traces: an index first, each trace drawn when it is asked for, so the page opens fast.
  const COLUMNS = [
    ['trace', 'Trace', (t) => (t.rootResource || t.rootName) + ' ' + t.rootService],
    ['start', 'Start', (t) => t.start],
    ['duration', 'Duration', (t) => t.duration],
    ['spans', 'Spans', (t) => t.bars.length],
    ['errors', 'Errors', (t) => t.errors],
    ['orphans', 'Orphans', (t) => t.orphans],
    ['skews', 'Clock skews', (t) => t.skews],
  ];
  const observer = typeof ResizeObserver === 'function' ? new ResizeObserver(() => views.forEach(fit)) : null;
  const drawn = new Map();
  let shown = null;
  function open(t) {
    let section = drawn.get(t);
    if (!section) {
      const before = views.length;
      section = drawTrace(data.traces[t], t, shown);
      drawn.set(t, section);
      for (const view of views.slice(before)) {
        fit(view);
        if (observer) observer.observe(view.chart);
      }
    }
    shown.prepend(section);
    section.scrollIntoView({ block: 'start' });
    for (const row of main.querySelectorAll('.index tbody tr')) row.classList.toggle('open', drawn.has(Number(row.dataset.trace)));
  }
  function buildIndex() {
    const wrap = el('section', 'index-wrap');
    wrap.append(el('p', 'index-hint', data.traces.length + ' traces: pick one to draw it (sort by a column header).'));
    const table = el('table', 'index');
    const head = el('tr');
    const body = el('tbody');
    let sortKey = null;
    let descending = false;
    const order = data.traces.map((_, t) => t);
    function fill() {
      const rows = document.createDocumentFragment();
      for (const t of order) {
        const trace = data.traces[t];
        const row = el('tr', drawn.has(t) ? 'open' : '');
        row.dataset.trace = String(t);
        row.tabIndex = 0;
        const name = el('td', 'name');
        name.append(el('span', 'root', trace.rootResource || trace.rootName || '(unnamed)'), el('span', 'svc', trace.rootService));
        const start = trace.start ? trace.start.replace('T', ' ').replace(/(\.\d{3})\d*Z$/, '$1') : '';
        row.append(name, el('td', 'mono', start), el('td', 'num', duration(trace.duration)), el('td', 'num', String(trace.bars.length)));
        for (const count of [trace.errors, trace.orphans, trace.skews]) row.append(el('td', count ? 'num bad' : 'num', String(count)));
        rows.append(row);
      }
      body.replaceChildren(rows);
    }
    for (const [key, title, value] of COLUMNS) {
      const th = el('th', key === 'trace' || key === 'start' ? '' : 'num');
      const button = el('button', 'sort', title);
      button.type = 'button';
      button.dataset.key = key;
      button.addEventListener('click', () => {
        descending = sortKey === key ? !descending : key !== 'trace' && key !== 'start';
        sortKey = key;
        order.sort((a, b) => {
          const x = value(data.traces[a]);
          const y = value(data.traces[b]);
          return (x < y ? -1 : x > y ? 1 : a - b) * (descending ? -1 : 1);
        });
        for (const other of head.querySelectorAll('th')) other.removeAttribute('aria-sort');
        th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
        fill();
      });
      th.append(button);
      head.append(th);
    }
    const thead = el('thead');
    thead.append(head);
    table.append(thead, body);
    body.addEventListener('click', (event) => {
      const row = event.target.closest && event.target.closest('tr');
      if (row) open(Number(row.dataset.trace));
    });
    body.addEventListener('keydown', (event) => {
      const row = event.target.closest && event.target.closest('tr');
      if (row && (event.key === 'Enter' || event.key === ' ')) {
        event.preventDefault();
        open(Number(row.dataset.trace));
      }
    });
    fill();
    const scroller = el('div', 'index-scroll');
    scroller.append(table);
    wrap.append(scroller);
    return wrap;
  }

  main.replaceChildren();
  if (data.traces.length === 0) main.append(el('p', 'empty', 'No traces to show.'));
  else if (data.traces.length > ON_DEMAND_ABOVE) {
    shown = el('div', 'shown');
    main.append(buildIndex(), shown);
  } else {
    data.traces.forEach((trace, t) => drawTrace(trace, t));
    views.forEach(fit);
    if (observer) views.forEach((view) => observer.observe(view.chart));
  }
  document.body.dataset.rendered = 'true';
})();
`;
