// The flame graph of real documents (the fixtures of test/merge/fixtures/xray-real and the checkout
// trace) in headless Chromium: labels say what X-Ray and Datadog show first, with the service;
// small bars keep a label beside them where there is room and never write over another bar; a
// child lower than right under its parent is linked to it; clock skew is marked; the legend names
// every colour and mark. Screenshots go to test-artifacts/ for a person to look at.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { convertDocuments } from '../../src/merge/convert.ts';
import { renderFlameGraph } from '../../src/merge/flamegraph.ts';
import { joinSpans } from '../../src/merge/join.ts';
import { readSegmentDocuments } from '../../src/merge/xray-input.ts';
import { type OpenedPage, openHtmlPage, type PageWatch } from '../helpers/browser.ts';

const fixture = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8');
const documents = [
  '../fixtures/segments/checkout-trace.json',
  'fixtures/xray-real/aws-devguide-batch-get-traces.json',
  'fixtures/xray-real/otel-go-sdk-ddb-sample.json',
  'fixtures/xray-real/xray-sdk-node-aws-sdk-v2.ndjson',
].flatMap((name) => readSegmentDocuments(fixture(name)).documents);
const { traces, report } = joinSpans(convertDocuments(documents).spans);

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
/** What the page code below touches of the DOM (the project's types have no DOM library). */
interface PageElement {
  dataset: Record<string, string | undefined>;
  classList: { contains(name: string): boolean };
  querySelector(selector: string): PageElement;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  getBoundingClientRect(): Box;
}
declare function getComputedStyle(element: unknown): { display: string };

const intersects = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('flame graph readability, on real documents in headless Chromium', () => {
  let opened: OpenedPage | undefined;
  let page: Page;
  let watch: PageWatch;

  before(async () => {
    opened = await openHtmlPage(
      renderFlameGraph(traces, { title: 'Real X-Ray documents' }),
      'flamegraph-real',
    );
    ({ page, watch } = opened);
  });
  after(() => opened?.close());

  it('labels a bar with the resource (the X-Ray name) first, then service · span name', async () => {
    // The Go SDK's DynamoDB call: X-Ray shows "dynamodb", Datadog the resource.
    const call = BigInt('0x7318c46a385557f5').toString();
    const label = async (id: string) => [
      await page.textContent(`.bar[data-span-id="${id}"] .label .primary`),
      await page.textContent(`.bar[data-span-id="${id}"] .label .sub`),
    ];
    assert.deepEqual(await label(call), ['DescribeTable xray_sample_table', 'DDB · aws.request']);
    const plain = BigInt('0x23cf5bb60e4f66b1').toString();
    assert.deepEqual(await label(plain), ['attempt', 'DDB · xray.subsegment']);
  });

  it('small bars: a label beside them where their row has room, over no other bar; else none', async () => {
    const drawn = await page.$$eval('section.trace', (sections) =>
      sections.flatMap((section, trace) =>
        Array.from((section as unknown as PageElement).querySelectorAll('.bar')).map((bar) => {
          const label = bar.querySelector('.label');
          const box = (el: PageElement) => {
            const r = el.getBoundingClientRect();
            return { x: r.x, y: r.y, width: r.width, height: r.height };
          };
          return {
            trace,
            id: bar.dataset.spanId,
            tiny: bar.classList.contains('tiny'),
            labelShown: getComputedStyle(label).display !== 'none' && label.getBoundingClientRect().width > 0,
            bar: box(bar),
            label: box(label),
          };
        }),
      ),
    );
    const tiny = drawn.filter((bar) => bar.tiny);
    assert.ok(tiny.length >= 5, `real traces have small bars (${tiny.length})`);
    const labelled = tiny.filter((bar) => bar.labelShown);
    assert.ok(labelled.length >= 3, `most small bars keep a label (${labelled.length} of ${tiny.length})`);
    for (const small of labelled) {
      for (const other of drawn) {
        if (other === small || other.trace !== small.trace) continue;
        assert.ok(
          !intersects(small.label, other.bar),
          `the label of ${small.id} is drawn over bar ${other.id}`,
        );
      }
    }
  });

  it('links a child drawn lower than right under its parent to it', async () => {
    const links = await page.$$eval('.link', (nodes) =>
      nodes.map((n) => (n as unknown as PageElement).getBoundingClientRect().height),
    );
    assert.ok(links.length > 0);
    for (const height of links) assert.ok(height > 0);
  });

  it('marks clock skew the join found, on the bar, the trace facts and the tooltip', async () => {
    assert.equal(report.clockSkew.length, 1, 'the developer guide trace has one span outside its parent');
    const skewed = report.clockSkew[0]!.span_id;
    const bar = page.locator(`.bar[data-span-id="${skewed}"]`);
    assert.match((await bar.getAttribute('class')) ?? '', /\bskew\b/);
    assert.equal(await page.locator('.bar.skew').count(), 1);
    assert.match((await page.textContent(`.bar[data-span-id="${skewed}"] .skew-mark`)) ?? '', /±/);
    assert.match(
      await page.locator('section.trace', { has: bar }).locator('.facts').innerText(),
      /clock skews\s+1/,
    );
    await bar.hover();
    assert.match(
      await page.locator('#tooltip').innerText(),
      /clock skew: starts 766\.000 ms before its parent/,
    );
    await page.mouse.move(0, 0);
  });

  it('has a legend entry for every colour and mark', async () => {
    const legend = await page.$$eval('.legend li', (items) => items.map((li) => li.textContent?.trim()));
    assert.deepEqual(legend, [
      'AWS X-Ray',
      'Datadog APM',
      'shades of a colour: one per service',
      '!error',
      'orphan (parent missing)',
      '±clock skew (outside its parent)',
      'line to its parent, when not right above',
    ]);
  });

  it('search: "/" focuses the box; matching bars are outlined, the others dimmed, and counted', async () => {
    await page.keyboard.press('/');
    assert.equal(
      await page.evaluate(
        () =>
          (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement
            .id,
      ),
      'search',
    );
    await page.keyboard.type('PutItem');
    const expected = traces
      .flat()
      .filter((span) =>
        `${span.resource}\n${span.name}\n${span.service}`.toLowerCase().includes('dynamodb'),
      ).length;
    assert.ok(expected >= 2);
    assert.equal(await page.locator('.bar.match').count(), expected);
    assert.equal(await page.locator('.bar.dim').count(), traces.flat().length - expected);
    assert.equal(await page.textContent('#search-count'), `${expected} drawn spans match`);
    await page.screenshot({ path: 'test-artifacts/flamegraph-real-search.png' });
    await page.fill('#search', '');
    assert.equal(await page.locator('.bar.match, .bar.dim').count(), 0);
  });

  it('zoom: double-click a bar to see its time only, Reset zoom to undo; Enter on a focused bar zooms too', async () => {
    // The Go SDK's "dial" subsegment: 0.6 ms of a 57 ms trace.
    const dial = BigInt('0xf8dbc5c6b291017e').toString();
    const bar = page.locator(`.bar[data-span-id="${dial}"]`);
    const section = page.locator('section.trace', { has: bar });
    const chartWidth = (await section.locator('.chart').boundingBox())!.width;
    const before = (await bar.boundingBox())!.width;
    const ticksBefore = await section.locator('.tick').allTextContents();
    await bar.dblclick();
    const zoomed = (await bar.boundingBox())!.width;
    assert.ok(
      before < chartWidth * 0.95 && zoomed > chartWidth * 0.85,
      `${before} -> ${zoomed} of ${chartWidth}`,
    );
    assert.notDeepEqual(await section.locator('.tick').allTextContents(), ticksBefore);
    await page.screenshot({ path: 'test-artifacts/flamegraph-real-zoom.png' });
    await section.locator('.zoom-reset').click();
    assert.ok(Math.abs((await bar.boundingBox())!.width - before) < 1);
    assert.equal(await section.locator('.zoom-reset').isHidden(), true);
    await page.keyboard.press('Escape');
    await bar.focus();
    await page.keyboard.press('Enter');
    assert.ok((await bar.boundingBox())!.width > chartWidth * 0.85);
    await section.locator('.zoom-reset').click();
    await page.keyboard.press('Escape');
  });

  it('loads nothing, logs no error; keeps screenshots', async () => {
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/flamegraph-real.png', fullPage: true });
    await page.locator('.bar.tiny:not(.no-label)').first().hover();
    await page.screenshot({ path: 'test-artifacts/flamegraph-real-hover.png' });
    assert.deepEqual(watch.errors, []);
    assert.deepEqual(
      watch.requests.filter((url) => !url.startsWith('file:')),
      [],
    );
  });
});
