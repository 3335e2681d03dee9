// A page of many traces opens on an index (one row per trace, sortable) and draws a trace only when
// it is picked, in headless Chromium. Screenshots go to test-artifacts/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { lambdaTrace } from '../../scripts/bench/lambda-traces.mjs';
import { convertTraces } from '../../src/merge/convert.ts';
import { renderFlameGraph } from '../../src/merge/flamegraph.ts';
import { joinSpans } from '../../src/merge/join.ts';
import { type OpenedPage, openHtmlPage, type PageWatch } from '../helpers/browser.ts';

// 60 generated Lambda traces (every 50th failed); trace 7 made the longest by stretching its root.
const xray = Array.from({ length: 60 }, (_, i) => lambdaTrace(i));
const { traces } = joinSpans(convertTraces(xray).spans);
const longest = traces.findIndex((spans) => spans.some((span) => span.meta['xray.trace_id'] === xray[7]!.Id));
const longestTrace = traces[longest]!;
for (const span of longestTrace) if (span.parent_id === '0') span.duration *= 3n;

describe('many traces: an index, each trace drawn on demand (headless Chromium)', () => {
  let opened: OpenedPage | undefined;
  let page: Page;
  let watch: PageWatch;
  const rowTexts = () =>
    page.$$eval('.index tbody tr', (rows) =>
      rows.map((row) => (row as unknown as { innerText: string }).innerText),
    );

  before(async () => {
    opened = await openHtmlPage(renderFlameGraph(traces, { title: '60 traces' }), 'flamegraph-index');
    ({ page, watch } = opened);
  });
  after(() => opened?.close());

  it('opens on the index: one row per trace, no trace drawn yet', async () => {
    assert.equal(await page.locator('.index tbody tr').count(), 60);
    assert.equal(await page.locator('section.trace').count(), 0);
    assert.equal(await page.locator('.bar').count(), 0);
  });

  it('sorts by duration (longest first) and by errors', async () => {
    await page.click('th button[data-key="duration"]');
    assert.equal(await page.getAttribute('th:has(button[data-key="duration"])', 'aria-sort'), 'descending');
    const [first] = await rowTexts();
    assert.match(first ?? '', /1\.24 s/);
    await page.click('th button[data-key="errors"]');
    const rows = await rowTexts();
    // Traces 0 and 50 failed: two spans with an error each.
    assert.match(rows[0] ?? '', /\t2\t/);
    assert.match(rows[1] ?? '', /\t2\t/);
    assert.match(rows[2] ?? '', /\t0\t/);
  });

  it('draws a trace when its row is clicked, and another on Enter', async () => {
    // Another column first, then duration: longest first again.
    await page.click('th button[data-key="duration"]');
    assert.equal(await page.getAttribute('th:has(button[data-key="duration"])', 'aria-sort'), 'descending');
    await page.click('.index tbody tr:first-child');
    await page.waitForSelector('.shown section.trace');
    assert.equal(await page.locator('section.trace').count(), 1);
    assert.equal(await page.locator('section.trace .bar').count(), longestTrace.length);
    assert.equal(await page.getAttribute('section.trace', 'data-trace-id'), longestTrace[0]!.trace_id);
    await page.focus('.index tbody tr:nth-child(2)');
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('section.trace').count(), 2);
    assert.equal(await page.locator('.index tbody tr.open').count(), 2);
    // Picking a drawn trace again draws nothing new.
    await page.click('.index tbody tr:first-child');
    assert.equal(await page.locator('section.trace').count(), 2);
  });

  it('loads nothing, logs no error; keeps screenshots', async () => {
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/flamegraph-index.png', fullPage: true });
    assert.deepEqual(watch.errors, []);
    assert.deepEqual(
      watch.requests.filter((url) => !url.startsWith('file:')),
      [],
    );
  });
});

describe('one big trace (5,000 spans) in headless Chromium', () => {
  let opened: OpenedPage | undefined;
  let page: Page;
  let watch: PageWatch;
  // A Lambda trace's shape, repeated: 700 invocations' worth of spans under one root.
  const root = lambdaTrace(0);
  const big = convertTraces([root]).spans;
  const rootSpan = big.find((span) => span.parent_id === '0')!;
  const spans = [...big];
  for (let i = 1; spans.length < 5000; i += 1) {
    for (const span of convertTraces([lambdaTrace(i)]).spans) {
      spans.push({
        ...span,
        trace_id: rootSpan.trace_id,
        parent_id: span.parent_id === '0' ? rootSpan.span_id : span.parent_id,
        start: rootSpan.start + ((span.start - rootSpan.start) % rootSpan.duration),
      });
    }
  }

  before(async () => {
    opened = await openHtmlPage(renderFlameGraph([spans], { title: 'one big trace' }), 'flamegraph-big');
    ({ page, watch } = opened);
  });
  after(() => opened?.close());

  it('draws every span of it, searchable and zoomable', async () => {
    assert.equal(await page.locator('.bar').count(), spans.length);
    await page.fill('#search', 'GetItem');
    const matches = spans.filter((span) =>
      `${span.resource}\n${span.name}\n${span.service}`.toLowerCase().includes('getitem'),
    ).length;
    assert.equal(await page.locator('.bar.match').count(), matches);
    await page.fill('#search', '');
    await page.locator('.bar').nth(1).dblclick();
    assert.equal(await page.locator('.zoom-reset').isVisible(), true);
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/flamegraph-big-trace.png' });
    assert.deepEqual(watch.errors, []);
  });
});
