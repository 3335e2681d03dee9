// A self-made SVG bar chart: one panel per figure, one row per subject, one bar per Node version,
// each bar the median with a whisker from the fastest to the slowest run. No libraries.

export interface Bar {
  /** Which series (Node version) this bar belongs to; picks its shade. */
  readonly series: number;
  readonly median: number;
  readonly low: number;
  readonly high: number;
  /** Printed after the bar, e.g. `65.2 ms  x1.00`. */
  readonly note: string;
}

export interface Row {
  readonly label: string;
  readonly color: string;
  readonly bars: readonly Bar[];
}

export interface Panel {
  readonly title: string;
  readonly rows: readonly Row[];
}

export interface Chart {
  readonly title: string;
  readonly subtitle: string;
  readonly series: readonly string[];
  readonly panels: readonly Panel[];
  readonly footer: readonly string[];
}

const WIDTH = 960;
const LABEL_WIDTH = 250;
const NOTE_WIDTH = 170;
const PLOT_WIDTH = WIDTH - LABEL_WIDTH - NOTE_WIDTH - 40;
const BAR_HEIGHT = 13;
const BAR_GAP = 3;
const ROW_GAP = 9;
const PANEL_TITLE = 42;
const PANEL_GAP = 18;
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Fill of a series' bar: the first full, later ones lighter, so Node 22 and 24 read as a pair. */
function fill(color: string, series: number): string {
  return series === 0 ? `fill="${color}"` : `fill="${color}" fill-opacity="0.55"`;
}

function rowHeight(row: Row): number {
  return Math.max(1, row.bars.length) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP;
}

function panelHeight(panel: Panel): number {
  return PANEL_TITLE + panel.rows.reduce((sum, row) => sum + rowHeight(row) + ROW_GAP, 0);
}

/** A round axis maximum at or above `value` whose quarters are round too (e.g. 200, 300, 400, 600). */
function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 1.2, 1.6, 2, 3, 4, 6, 8, 10].find((step) => step * power >= value) ?? 10) * power;
}

function renderPanel(panel: Panel, top: number): string[] {
  const out: string[] = [];
  const highest = Math.max(
    ...panel.rows.flatMap((row) => row.bars.map((bar) => Math.max(bar.high, bar.median))),
  );
  const axisMax = niceMax(highest);
  const x = (value: number) => LABEL_WIDTH + Math.max(0, Math.min(1, value / axisMax)) * PLOT_WIDTH;
  out.push(
    `<text x="20" y="${top + 17}" font-size="15" font-weight="bold" ${FONT}>${escapeXml(panel.title)}</text>`,
  );
  const plotTop = top + PANEL_TITLE - 6;
  const plotBottom = top + panelHeight(panel) - ROW_GAP + 4;
  for (const fraction of [0, 0.25, 0.5, 0.75, 1]) {
    const gx = x(axisMax * fraction);
    out.push(
      `<line x1="${gx}" y1="${plotTop}" x2="${gx}" y2="${plotBottom}" stroke="#ddd" stroke-width="1"/>`,
      `<text x="${gx}" y="${plotTop - 3}" font-size="10" fill="#888" text-anchor="middle" ${FONT}>${axisMax * fraction}</text>`,
    );
  }
  let y = top + PANEL_TITLE;
  for (const row of panel.rows) {
    const height = rowHeight(row);
    out.push(
      `<text x="${LABEL_WIDTH - 10}" y="${y + height / 2 + 4}" font-size="12.5" text-anchor="end" ${FONT}>${escapeXml(row.label)}</text>`,
    );
    row.bars.forEach((bar, index) => {
      const by = y + index * (BAR_HEIGHT + BAR_GAP);
      const mid = by + BAR_HEIGHT / 2;
      const width = Math.max(1, x(bar.median) - LABEL_WIDTH);
      out.push(
        `<rect x="${LABEL_WIDTH}" y="${by}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" ${fill(row.color, bar.series)}/>`,
        `<line x1="${x(bar.low).toFixed(1)}" y1="${mid}" x2="${x(bar.high).toFixed(1)}" y2="${mid}" stroke="#222" stroke-width="1.2"/>`,
        `<line x1="${x(bar.low).toFixed(1)}" y1="${mid - 3}" x2="${x(bar.low).toFixed(1)}" y2="${mid + 3}" stroke="#222" stroke-width="1.2"/>`,
        `<line x1="${x(bar.high).toFixed(1)}" y1="${mid - 3}" x2="${x(bar.high).toFixed(1)}" y2="${mid + 3}" stroke="#222" stroke-width="1.2"/>`,
        `<text x="${LABEL_WIDTH + PLOT_WIDTH + 12}" y="${mid + 4}" font-size="11.5" ${FONT}>${escapeXml(bar.note)}</text>`,
      );
    });
    y += height + ROW_GAP;
  }
  return out;
}

/**
 * Renders the whole chart as one SVG document.
 *
 * @example
 * const svg = renderChart({ title: 'Cold start', subtitle: '', series: ['Node 22'], footer: [],
 *   panels: [{ title: 'import+init (ms)', rows: [{ label: 'floor', color: '#888', bars: [{ series: 0, median: 65, low: 60, high: 70, note: '65 ms' }] }] }] });
 */
export function renderChart(chart: Chart): string {
  const header = 78;
  const body = chart.panels.reduce((sum, panel) => sum + panelHeight(panel) + PANEL_GAP, 0);
  const height = header + body + 16 * chart.footer.length + 12;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="20" y="30" font-size="19" font-weight="bold" ${FONT}>${escapeXml(chart.title)}</text>`,
    `<text x="20" y="50" font-size="12" fill="#555" ${FONT}>${escapeXml(chart.subtitle)}</text>`,
  ];
  chart.series.forEach((name, index) => {
    const lx = WIDTH - 20 - (chart.series.length - index) * 110;
    out.push(
      `<rect x="${lx}" y="60" width="14" height="10" ${fill('#555555', index)}/>`,
      `<text x="${lx + 19}" y="69" font-size="11.5" ${FONT}>${escapeXml(name)}</text>`,
    );
  });
  const whiskerX = WIDTH - 20 - chart.series.length * 110 - 90;
  out.push(
    `<line x1="${whiskerX}" y1="65" x2="${whiskerX + 14}" y2="65" stroke="#222" stroke-width="1.2"/>`,
    `<text x="${whiskerX + 18}" y="69" font-size="11.5" ${FONT}>min-max</text>`,
  );
  let top = header;
  for (const panel of chart.panels) {
    out.push(...renderPanel(panel, top));
    top += panelHeight(panel) + PANEL_GAP;
  }
  chart.footer.forEach((line, index) => {
    out.push(
      `<text x="20" y="${top + 4 + index * 16}" font-size="11.5" fill="#555" ${FONT}>${escapeXml(line)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
