/**
 * The merged trace as a person looks at it: one self-contained HTML page (inline CSS and JS, no
 * network) with a flame chart per trace. Root on top, children below, x = time; bars coloured by
 * origin (X-Ray or Datadog), errors outlined, hatched and marked, orphans drawn as extra roots, a
 * time axis, and a tooltip with every tag on hover.
 *
 * Layout happens here, in pure code; the page's script (flamegraph/page.js, styled by
 * flamegraph/page.css) only draws what it is given. Span data
 * travels as JSON in a `<script type="application/json">` block with `<`, `>`, `&`, `/`, U+2028
 * and U+2029 escaped, and the page builds its DOM with `textContent` only, so a span named
 * `<script>…</script>` shows as text. A Content-Security-Policy with hashes of the page's own
 * script and style allows nothing else to run or load.
 */

import { createHash } from 'node:crypto';
import { CLIENT_SCRIPT, STYLE } from './flamegraph/page-assets.ts';
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
<div class="search"><label for="search">Search</label><input id="search" type="search" placeholder="name, resource or service  ( / )" autocomplete="off"><span id="search-count" class="search-count" aria-live="polite"></span></div>
<p class="hint">Labels: the resource or X-Ray name, then service · span name. Hover or focus a bar for its details; click to pin; Esc to close; double-click (or Enter) to zoom to it.</p>
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
