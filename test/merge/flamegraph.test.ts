// The HTML flame graph: pure layout and escaping checks, then the page itself in real headless
// Chromium (bars, colours, hover, errors, a hostile span name, no network, no console errors).
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Page } from 'playwright-core';
import { type FlameBar, layoutTrace, renderFlameGraph } from '../../src/merge/flamegraph.ts';
import { type DatadogSpan, ORIGIN_TAG } from '../../src/merge/span.ts';
import { datadogSpanId, datadogTraceId } from '../../src/xray/ids.ts';
import { type OpenedPage, openHtmlPage, type PageWatch } from '../helpers/browser.ts';

const ROOT = '1-5e272390-8c398be037738dc042009320';
const TRACE_ID = datadogTraceId(ROOT, 'compat').traceId;
const T0 = 1_579_623_312_000_000_000n; // 0x5e272390 seconds, in ns
const MS = 1_000_000n;
const MALICIOUS = '<script>window.__pwned=1</script>';

const ID = {
  gateway: datadogSpanId('53995c3f42cd8ad8'),
  lambdaService: datadogSpanId('94ae789b969f1cc5'),
  functionSegment: datadogSpanId('0b11cc4230d3e09e'),
  init: datadogSpanId('1c3a5e7f9b2d4f60'),
  dynamoSubsegment: datadogSpanId('7e5f4a3b2c1d0e9f'),
  awsLambda: '5421346887393216012',
  validate: '1700000000000000001',
  price: '1700000000000000002',
  pricingCall: '1700000000000000003',
  save: '1700000000000000004',
  dynamoSpan: '1700000000000000005',
  sqs: '1700000000000000006',
  malicious: '1700000000000000007',
  orphan: '1700000000000000008',
};
const MISSING_PARENT = '1234567890123456789';

function span(
  origin: 'xray' | 'datadog',
  fields: Partial<DatadogSpan> & { span_id: string; parent_id: string; name: string },
  fromMs: number,
  toMs: number,
): DatadogSpan {
  return {
    trace_id: TRACE_ID,
    service: 'checkout-fn',
    resource: fields.name,
    type: '',
    error: 0,
    metrics: {},
    ...fields,
    meta: { [ORIGIN_TAG]: origin, ...fields.meta },
    start: T0 + BigInt(Math.round(fromMs * 1000)) * 1000n,
    duration: BigInt(Math.round((toMs - fromMs) * 1000)) * 1000n,
  };
}

/** A checkout request through API Gateway into a Lambda function, X-Ray and Datadog halves merged. */
function checkoutTrace(): DatadogSpan[] {
  return [
    span(
      'xray',
      {
        span_id: ID.gateway,
        parent_id: '0',
        name: 'aws.apigateway',
        service: 'checkout-api',
        resource: 'POST /checkout',
        type: 'web',
        meta: {
          'aws.xray.origin': 'AWS::ApiGateway::Stage',
          'http.method': 'POST',
          'http.url': 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/checkout',
          'http.status_code': '200',
        },
      },
      0,
      412.5,
    ),
    span(
      'xray',
      {
        span_id: ID.lambdaService,
        parent_id: ID.gateway,
        name: 'aws.lambda.invoke',
        resource: 'checkout-fn',
        type: 'serverless',
        meta: { 'aws.xray.origin': 'AWS::Lambda', 'aws.request_id': 'c6af9ac6-7b61-11e6-9a41-93e812345678' },
      },
      3,
      409,
    ),
    span(
      'xray',
      {
        span_id: ID.functionSegment,
        parent_id: ID.lambdaService,
        name: 'aws.lambda.function',
        resource: 'checkout-fn',
        type: 'serverless',
        meta: {
          'aws.xray.origin': 'AWS::Lambda::Function',
          'aws.function_arn': 'arn:aws:lambda:eu-west-1:123456789012:function:checkout-fn',
        },
      },
      6,
      405,
    ),
    span('xray', { span_id: ID.init, parent_id: ID.functionSegment, name: 'Initialization' }, 6, 38),
    span(
      'datadog',
      {
        span_id: ID.awsLambda,
        parent_id: ID.functionSegment,
        name: 'aws.lambda',
        resource: 'checkout-fn',
        type: 'serverless',
        meta: {
          function_arn: 'arn:aws:lambda:eu-west-1:123456789012:function:checkout-fn',
          cold_start: 'true',
          '_dd.parent_source': 'xray',
        },
        metrics: { _sampling_priority_v1: 2 },
      },
      40,
      401,
    ),
    span(
      'datadog',
      { span_id: ID.validate, parent_id: ID.awsLambda, name: 'checkout.validate', resource: 'validateCart' },
      42,
      78,
    ),
    span(
      'datadog',
      { span_id: ID.price, parent_id: ID.awsLambda, name: 'checkout.price', resource: 'priceCart' },
      80,
      190,
    ),
    span(
      'datadog',
      {
        span_id: ID.pricingCall,
        parent_id: ID.price,
        name: 'http.request',
        resource: 'GET pricing.internal/quote',
        type: 'http',
        meta: { 'http.url': 'http://pricing.internal/quote?cart=42', 'http.status_code': '200' },
      },
      88,
      182,
    ),
    span(
      'datadog',
      { span_id: ID.save, parent_id: ID.awsLambda, name: 'checkout.save', resource: 'saveOrder' },
      194,
      330,
    ),
    span(
      'datadog',
      {
        span_id: ID.dynamoSpan,
        parent_id: ID.save,
        name: 'aws.request',
        service: 'checkout-fn-aws-sdk',
        resource: 'dynamodb.putItem',
        type: 'http',
        error: 1,
        meta: {
          'aws.operation': 'putItem',
          tablename: 'orders',
          'error.type': 'ConditionalCheckFailedException',
        },
      },
      198,
      264,
    ),
    span(
      'xray',
      {
        span_id: ID.dynamoSubsegment,
        parent_id: ID.functionSegment,
        name: 'aws.dynamodb',
        service: 'DynamoDB',
        resource: 'PutItem orders',
        type: 'aws',
        error: 1,
        meta: {
          'aws.operation': 'PutItem',
          'aws.table_name': 'orders',
          'aws.region': 'eu-west-1',
          'error.type': 'ConditionalCheckFailedException',
          'error.message': 'The conditional request failed',
          'http.status_code': '400',
        },
        metrics: { 'aws.retries': 0, 'http.response.content_length': 120 },
      },
      200,
      262,
    ),
    span(
      'datadog',
      {
        span_id: ID.sqs,
        parent_id: ID.awsLambda,
        name: 'aws.request',
        resource: 'sqs.sendMessage',
        service: 'checkout-fn-aws-sdk',
      },
      334,
      372,
    ),
    span(
      'datadog',
      {
        span_id: ID.malicious,
        parent_id: ID.awsLambda,
        name: MALICIOUS,
        resource: '<img src=x onerror="window.__pwned=2">',
        meta: { note: '</script><script>window.__pwned=3</script>', 'line.separators': 'a\u2028b\u2029c' },
      },
      376,
      398,
    ),
    span(
      'datadog',
      { span_id: ID.orphan, parent_id: MISSING_PARENT, name: 'orders.notify', resource: 'notifyWarehouse' },
      280,
      352,
    ),
  ];
}

/** A second, sub-millisecond trace, so the page holds more than one section. */
function healthTrace(): DatadogSpan[] {
  const trace_id = '7061401722432811040';
  const at = (us: number) => T0 + 5_000n * MS + BigInt(us) * 1000n;
  const base = { trace_id, service: 'health-fn', type: 'serverless', error: 0 as const, metrics: {} };
  return [
    {
      ...base,
      span_id: '11',
      parent_id: '0',
      name: 'aws.lambda.function',
      resource: 'health-fn',
      meta: { [ORIGIN_TAG]: 'xray' },
      start: at(0),
      duration: 850_000n,
    },
    {
      ...base,
      span_id: '12',
      parent_id: '11',
      name: 'aws.lambda',
      resource: 'health-fn',
      meta: { [ORIGIN_TAG]: 'datadog' },
      start: at(60),
      duration: 720_000n,
    },
    {
      ...base,
      span_id: '13',
      parent_id: '12',
      name: 'health.check',
      resource: 'GET /health',
      meta: { [ORIGIN_TAG]: 'datadog' },
      start: at(90),
      duration: 410_000n,
    },
  ];
}

function dataOf(html: string): { traces: Array<{ bars: FlameBar[]; rows: number }> } {
  const match = /<script type="application\/json" id="flame-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(match, 'the page carries its data in a JSON script block');
  return JSON.parse(match[1]!);
}

function overlaps(a: FlameBar, b: FlameBar): boolean {
  return a.start < b.start + b.duration && b.start < a.start + a.duration;
}

/** Every bar once; no two bars on one row overlap in time; children sit below their parents. */
function assertSoundLayout(spans: DatadogSpan[], bars: FlameBar[]): void {
  assert.equal(bars.length, spans.length);
  assert.deepEqual(bars.map((b) => b.spanId).sort(), spans.map((s) => s.span_id).sort());
  const byRow = new Map<number, FlameBar[]>();
  for (const bar of bars) byRow.set(bar.row, [...(byRow.get(bar.row) ?? []), bar]);
  for (const row of byRow.values()) {
    row.sort((a, b) => a.start - b.start);
    for (let i = 1; i < row.length; i++) {
      assert.ok(
        !overlaps(row[i - 1]!, row[i]!),
        `${row[i - 1]!.spanId} and ${row[i]!.spanId} overlap on one row`,
      );
    }
  }
  const byId = new Map(bars.map((b) => [b.spanId, b]));
  for (const bar of bars) {
    const parent = byId.get(bar.parentId);
    if (parent && parent !== bar && bar.note === '')
      assert.ok(bar.row > parent.row, `${bar.spanId} is drawn below its parent`);
  }
}

describe('layoutTrace', () => {
  const at = (id: string, parent: string, from: number, to: number): DatadogSpan =>
    span('datadog', { span_id: id, parent_id: parent, name: `s${id}` }, from, to);
  const rows = (spans: DatadogSpan[]) =>
    Object.fromEntries(layoutTrace(spans).bars.map((b) => [b.spanId, b.row]));

  const cases: Array<{ what: string; spans: DatadogSpan[]; rows: Record<string, number> }> = [
    {
      what: 'sequential siblings share a row',
      spans: [at('1', '0', 0, 100), at('2', '1', 0, 40), at('3', '1', 50, 90)],
      rows: { '1': 0, '2': 1, '3': 1 },
    },
    {
      what: 'overlapping siblings stack',
      spans: [at('1', '0', 0, 100), at('2', '1', 0, 60), at('3', '1', 30, 90)],
      rows: { '1': 0, '2': 1, '3': 2 },
    },
    {
      what: 'an overlapping sibling goes below the whole subtree of the earlier one',
      spans: [at('1', '0', 0, 100), at('2', '1', 0, 80), at('4', '2', 10, 70), at('3', '1', 30, 90)],
      rows: { '1': 0, '2': 1, '4': 2, '3': 3 },
    },
    {
      what: 'an orphan is an extra root below the main tree and a spacer row',
      spans: [at('1', '0', 0, 100), at('2', '1', 10, 90), at('9', '77', 20, 30)],
      rows: { '1': 0, '2': 1, '9': 3 },
    },
    {
      what: 'an orphan goes below the tree even where the tree has room',
      spans: [at('1', '0', 0, 50), at('9', '77', 60, 90), at('8', '77', 70, 95)],
      rows: { '1': 0, '9': 2, '8': 3 },
    },
    {
      what: 'a parent cycle is drawn, not lost',
      spans: [at('1', '0', 0, 100), at('5', '6', 10, 20), at('6', '5', 12, 18)],
      rows: { '1': 0, '5': 2, '6': 3 },
    },
    {
      what: 'only orphans: the spacer row is the top row',
      spans: [at('5', '77', 0, 20), at('6', '5', 5, 15)],
      rows: { '5': 1, '6': 2 },
    },
  ];
  for (const c of cases) {
    it(c.what, () => assert.deepEqual(rows(c.spans), c.rows));
  }

  it('marks orphans and counts errors, with the root named in the summary', () => {
    const layout = layoutTrace(checkoutTrace());
    assert.equal(layout.traceId, TRACE_ID);
    assert.equal(layout.rootName, 'aws.apigateway');
    assert.equal(layout.errors, 2);
    assert.equal(layout.orphans, 1);
    assert.equal(layout.detachedRow, 7);
    assert.equal(layout.start, '2020-01-21T16:15:12.000000000Z');
    assert.equal(layout.duration, 412_500_000);
    const orphan = layout.bars.find((b) => b.spanId === ID.orphan)!;
    assert.equal(orphan.orphan, true);
    assert.match(orphan.note, new RegExp(MISSING_PARENT));
    assertSoundLayout(checkoutTrace(), layout.bars);
  });

  it('the X-Ray DynamoDB subsegment, concurrent with aws.lambda, goes below the aws.lambda subtree', () => {
    const bars = new Map(layoutTrace(checkoutTrace()).bars.map((b) => [b.spanId, b]));
    const deepestUnderLambda = Math.max(
      ...[ID.awsLambda, ID.validate, ID.price, ID.pricingCall, ID.save, ID.dynamoSpan].map(
        (id) => bars.get(id)!.row,
      ),
    );
    assert.ok(bars.get(ID.dynamoSubsegment)!.row > deepestUnderLambda);
    assert.equal(bars.get(ID.awsLambda)!.row, bars.get(ID.functionSegment)!.row + 1);
  });

  it('is sound for random forests with orphans and cycles (property)', () => {
    const spanArb = fc.record({
      parent: fc.nat({ max: 80 }),
      from: fc.nat({ max: 1000 }),
      length: fc.nat({ max: 400 }),
    });
    fc.assert(
      fc.property(fc.array(spanArb, { minLength: 1, maxLength: 80 }), (drafts) => {
        // parent index >= count means "missing" (an orphan); parents may form cycles
        const spans = drafts.map((d, i) =>
          at(String(i + 1), d.parent === 0 ? '0' : String(d.parent), d.from, d.from + d.length),
        );
        assertSoundLayout(spans, layoutTrace(spans).bars);
      }),
      { numRuns: 200 },
    );
  });

  it('lays out five thousand spans', (t) => {
    const spans: DatadogSpan[] = [at('1', '0', 0, 10_000)];
    for (let i = 2; i <= 5000; i++) {
      const parent = String(Math.max(1, Math.floor(i / 7)));
      const from = (i * 37) % 9000;
      spans.push(at(String(i), parent, from, from + 5 + ((i * 13) % 900)));
    }
    const began = performance.now();
    const html = renderFlameGraph([spans]);
    t.diagnostic(`5000 spans rendered in ${Math.round(performance.now() - began)} ms, ${html.length} bytes`);
    assertSoundLayout(spans, dataOf(html).traces[0]!.bars);
  });
});

describe('renderFlameGraph output', () => {
  it('references nothing outside the page', () => {
    const html = renderFlameGraph([checkoutTrace(), healthTrace()]);
    assert.equal(html.match(/https?:\/\/\S{0,40}/gi), null);
    const markup = html.replace(/id="flame-data">[\s\S]*?<\/script>/, '');
    assert.equal(markup.match(/\s(src|href)\s*=\S{0,40}/gi), null, 'no element loads anything');
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;/);
  });

  it('is deterministic: same input, same string; input order does not matter', () => {
    const a = renderFlameGraph([checkoutTrace(), healthTrace()], { title: 'checkout' });
    const b = renderFlameGraph([checkoutTrace(), healthTrace()], { title: 'checkout' });
    assert.equal(a, b);
    const shuffled = checkoutTrace().reverse();
    assert.equal(renderFlameGraph([shuffled, healthTrace()], { title: 'checkout' }), a);
  });

  it('escapes data: the JSON block cannot close its script, and values survive the round trip', () => {
    const html = renderFlameGraph([checkoutTrace()], { title: '<b>"orders" & co</b>' });
    const block = /id="flame-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
    assert.doesNotMatch(block, /[<>\u2028\u2029]/);
    assert.equal(html.split('</script>').length - 1, 2, 'exactly two script elements end');
    assert.ok(!html.includes('<script>window'), 'no data script tag in the markup');
    assert.match(html, /<title>&#60;b&#62;&#34;orders&#34; &#38; co&#60;\/b&#62;<\/title>/);
    const bar = dataOf(html).traces[0]!.bars.find((b) => b.spanId === ID.malicious)!;
    assert.equal(bar.name, MALICIOUS);
    const { keys } = dataOf(html) as unknown as { keys: string[] };
    const meta = Object.fromEntries(bar.meta.map(([key, value]) => [keys[key as unknown as number], value]));
    assert.deepEqual(meta.note, '</script><script>window.__pwned=3</script>');
    assert.deepEqual(meta['line.separators'], 'a\u2028b\u2029c');
  });

  it('renders an empty list and an empty trace without failing', () => {
    assert.match(renderFlameGraph([]), /0 traces · 0 spans/);
    assert.equal(dataOf(renderFlameGraph([[]])).traces[0]!.bars.length, 0);
  });
});

// The callbacks given to page.$$eval and page.evaluate run in the page; the project compiles
// without the DOM lib, so the few browser names they use are declared here.
interface PageElement {
  dataset: Record<string, string | undefined>;
  className: string;
  textContent: string | null;
  getBoundingClientRect(): { x: number; y: number; width: number };
  querySelectorAll(selector: string): { length: number };
}
declare function getComputedStyle(element: unknown): { backgroundColor: string; boxShadow: string };
declare const window: { __pwned?: unknown };

describe('the flame graph in headless Chromium', () => {
  const traces = [checkoutTrace(), healthTrace()];
  const spanCount = traces.flat().length;
  let opened: OpenedPage | undefined;
  let page: Page;
  let watch: PageWatch;

  interface DrawnBar {
    spanId: string;
    origin: string;
    start: number;
    trace: number;
    x: number;
    y: number;
    width: number;
    classes: string;
    background: string;
    boxShadow: string;
    text: string;
    errMarks: number;
  }
  const drawnBars = (): Promise<DrawnBar[]> =>
    page.$$eval('.bar', (nodes) =>
      nodes.map((node) => {
        const el = node as unknown as PageElement;
        const box = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        return {
          spanId: el.dataset.spanId!,
          origin: el.dataset.origin!,
          start: Number(el.dataset.start),
          trace: Number(el.dataset.trace),
          x: box.x,
          y: box.y,
          width: box.width,
          classes: el.className,
          background: style.backgroundColor,
          boxShadow: style.boxShadow,
          text: el.textContent ?? '',
          errMarks: el.querySelectorAll('.err-mark').length,
        };
      }),
    );
  const barSelector = (spanId: string) => `.bar[data-span-id="${spanId}"]`;

  before(async () => {
    opened = await openHtmlPage(
      renderFlameGraph(traces, { title: 'checkout: merged X-Ray + Datadog' }),
      'flamegraph',
    );
    ({ page, watch } = opened);
  });
  after(() => opened?.close());

  it('draws one bar per span, each with a width, left to right in start order', async () => {
    const bars = await drawnBars();
    assert.equal(bars.length, spanCount);
    for (const bar of bars) assert.ok(bar.width > 0, `${bar.spanId} has a width`);
    for (const trace of [0, 1]) {
      const inStartOrder = bars.filter((b) => b.trace === trace).sort((a, b) => a.start - b.start);
      for (let i = 1; i < inStartOrder.length; i++) {
        const [a, b] = [inStartOrder[i - 1]!, inStartOrder[i]!];
        assert.ok(
          b.x >= a.x - 0.01,
          `${b.spanId} (start ${b.start}) is not left of ${a.spanId} (start ${a.start})`,
        );
      }
    }
    const byId = new Map(bars.map((b) => [b.spanId, b]));
    assert.ok(
      byId.get(ID.awsLambda)!.y > byId.get(ID.functionSegment)!.y,
      'aws.lambda is below the function segment',
    );
    assert.ok(byId.get(ID.orphan)!.width > 0, 'the orphan is drawn');
    assert.match(byId.get(ID.orphan)!.classes, /\borphan\b/);
  });

  it('one section per trace, with its id, root name, duration and span count', async () => {
    const sections = await page.$$eval('section.trace', (nodes) =>
      nodes.map((n) => n.querySelector('header')!.textContent),
    );
    assert.equal(sections.length, 2);
    assert.match(sections[0]!, new RegExp(`${TRACE_ID}.*412\\.5 ms.*spans14`));
    assert.match(sections[0]!, /^aws\.apigateway/);
    assert.match(sections[1]!, /7061401722432811040.*850 µs.*spans3/);
  });

  it('colours bars by origin', async () => {
    const bars = await drawnBars();
    const colours = (origin: string) =>
      new Set(bars.filter((b) => b.origin === origin).map((b) => b.background));
    const xray = colours('xray');
    const datadog = colours('datadog');
    assert.ok(xray.size > 0 && datadog.size > 0);
    for (const colour of xray) assert.ok(!datadog.has(colour), `${colour} is used for both origins`);
    const legend = await page.$$eval('.legend .swatch', (nodes) =>
      nodes.map((n) => getComputedStyle(n).backgroundColor),
    );
    assert.notEqual(legend[0], legend[1]);
  });

  it('marks error bars, and only those', async () => {
    const bars = await drawnBars();
    const errorIds = new Set(
      traces
        .flat()
        .filter((s) => s.error === 1)
        .map((s) => s.span_id),
    );
    assert.equal(errorIds.size, 2);
    for (const bar of bars) {
      const isError = errorIds.has(bar.spanId);
      assert.equal(/\berror\b/.test(bar.classes), isError, bar.spanId);
      assert.equal(bar.errMarks, isError ? 1 : 0, `${bar.spanId} error marker`);
      assert.equal(bar.boxShadow.includes('rgb(200, 16, 46)'), isError, `${bar.spanId} red outline`);
    }
  });

  it('hovering a bar shows a tooltip with its name, ids and tags', async () => {
    assert.equal(await page.isVisible('#tooltip'), false);
    await page.hover(barSelector(ID.dynamoSubsegment));
    await page.waitForSelector('#tooltip:not([hidden])');
    const text = await page.textContent('#tooltip');
    for (const expected of [
      'aws.dynamodb',
      'X-Ray',
      'error',
      'PutItem orders',
      'DynamoDB',
      '62 ms',
      ID.dynamoSubsegment,
      ID.functionSegment,
      TRACE_ID,
      'aws.table_name',
      'ConditionalCheckFailedException',
      'The conditional request failed',
      'http.response.content_length',
      '120',
    ]) {
      assert.ok(text!.includes(expected), `tooltip shows ${expected}: ${text}`);
    }
    const box = (await page.locator('#tooltip').boundingBox())!;
    assert.ok(
      box.x >= 0 && box.y >= 0 && box.x + box.width <= 1400 && box.y + box.height <= 900,
      'tooltip inside the viewport',
    );

    await page.hover(barSelector(ID.awsLambda));
    const lambdaText = await page.textContent('#tooltip');
    assert.ok(lambdaText!.includes('Datadog') && lambdaText!.includes('_sampling_priority_v1'), lambdaText!);
    assert.ok(!lambdaText!.includes('aws.table_name'), 'the tooltip follows the hovered bar');
    await page.mouse.move(2, 2);
    assert.equal(await page.isVisible('#tooltip'), false);
  });

  it('clicking a bar pins its tooltip until Escape', async () => {
    await page.click(barSelector(ID.pricingCall));
    await page.mouse.move(2, 2);
    assert.equal(await page.isVisible('#tooltip.pinned'), true);
    assert.ok((await page.textContent('#tooltip'))!.includes('http:/' + '/pricing.internal/quote?cart=42'));
    await page.keyboard.press('Escape');
    assert.equal(await page.isVisible('#tooltip'), false);
  });

  it('shows a hostile span name as text and runs none of it', async () => {
    const label = await page.textContent(`${barSelector(ID.malicious)} .name`);
    assert.equal(label, MALICIOUS);
    await page.hover(barSelector(ID.malicious));
    const text = await page.textContent('#tooltip');
    assert.ok(
      text!.includes(MALICIOUS) && text!.includes('</script><script>window.__pwned=3</script>'),
      text!,
    );
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.equal(await page.locator('img').count(), 0);
    assert.deepEqual(watch.dialogs, []);
  });

  it('loads nothing from the network and logs no errors; keeps screenshots', async () => {
    await mkdir('test-artifacts', { recursive: true });
    await page.mouse.move(2, 2);
    await page.screenshot({ path: 'test-artifacts/flamegraph.png', fullPage: true });
    await page.hover(barSelector(ID.dynamoSubsegment));
    await page.screenshot({ path: 'test-artifacts/flamegraph-hover.png', fullPage: true });
    assert.ok(watch.requests.length > 0, 'the page load itself was seen');
    for (const url of watch.requests) assert.match(url, /^file:/);
    assert.deepEqual(watch.errors, []);
  });
});
