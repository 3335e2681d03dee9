// Runtime + merger end to end: the sample function under the real runtime client through the layer,
// then the merger over the real X-Ray client. The merged trace must be one tree:
// X-Ray root -> function segment -> aws.lambda -> user spans, with no orphans.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { type DemoResult, runDemo } from '../../scripts/demo/run-demo.ts';
import type { DatadogSpan } from '../../src/merge/span.ts';
import { formatSpanJson } from '../../src/merge/span-json.ts';
import { launchChromium, watchPage } from '../helpers/browser.ts';

const outDir = mkdtempSync(path.join(os.tmpdir(), 'xddm-demo-test-'));
let result: DemoResult;

before(async () => {
  const major = Number(process.versions.node.split('.')[0]) >= 24 ? 24 : 22;
  result = await runDemo({ outDir, major });
});
after(() => rmSync(outDir, { recursive: true, force: true }));

function childrenOf(trace: readonly DatadogSpan[], parent: DatadogSpan): DatadogSpan[] {
  return trace.filter((s) => s.parent_id === parent.span_id);
}

describe('npm run demo, end to end', () => {
  it('the function answered exactly what it returns', () => {
    assert.equal(result.responses.length, 3);
    for (const body of result.responses)
      assert.match(body, /^\{"statusCode":200,"body":"\{\\"ok\\":true,\\"items\\":\d\}"\}$/);
  });

  it('each X-Ray-started invocation is one tree: service -> function segment -> aws.lambda -> user spans', () => {
    const merged = result.traces.filter((trace) => trace.some((s) => s.name === 'aws.lambda.service'));
    assert.equal(merged.length, 3, 'three X-Ray traces');
    const withLambda = merged.filter(
      (trace) =>
        trace.some((s) => s.name === 'aws.lambda') && !trace.some((s) => s.service === 'checkout-web'),
    );
    assert.equal(withLambda.length, 2, 'the two invocations X-Ray started hold their aws.lambda span');
    for (const trace of withLambda) {
      const ids = new Set(trace.map((s) => s.span_id));
      const roots = trace.filter((s) => s.parent_id === '0' || !ids.has(s.parent_id));
      assert.equal(roots.length, 1, 'one root, no orphans');
      const [service] = roots;
      assert.equal(service!.name, 'aws.lambda.service');
      const fn = childrenOf(trace, service!).find((s) => s.name === 'aws.lambda.function');
      assert.ok(fn, 'the function segment is under the service segment');
      const lambda = childrenOf(trace, fn).find((s) => s.name === 'aws.lambda');
      assert.ok(lambda, 'aws.lambda nests under the function segment');
      assert.equal(lambda.meta['_merge.origin'] ?? 'datadog', 'datadog');
      assert.equal(lambda.meta['_dd.parent_source'], 'xray');
      const user = childrenOf(trace, lambda).map((s) => s.name);
      assert.deepEqual(user.sort(), ['cart.load', 'order.save', 'payment.authorize']);
    }
  });

  it('hybrid: checkout-web (dd-trace) -> API Gateway (X-Ray) -> function is one trace, host span at the root', () => {
    assert.equal(result.host.status, 200);
    assert.equal(result.host.body, '{"ok":true,"items":2}');
    const hybrid = result.traces.find((trace) => trace.some((s) => s.service === 'checkout-web'));
    assert.ok(hybrid, 'the host service trace');
    assert.ok(
      hybrid.every((s) => s.trace_id === result.host.trace_id),
      'one Datadog trace id',
    );
    const ids = new Set(hybrid.map((s) => s.span_id));
    const roots = hybrid.filter((s) => s.parent_id === '0' || !ids.has(s.parent_id));
    assert.deepEqual(
      roots.map((s) => [s.service, s.name, s.span_id]),
      [['checkout-web', 'web.request', result.host.root_span_id]],
    );
    const byId = new Map(hybrid.map((s) => [s.span_id, s]));
    const chain: string[] = [];
    for (let at = hybrid.find((s) => s.name === 'order.save'); at; at = byId.get(at.parent_id)) {
      chain.unshift(`${at.meta['_merge.origin'] === 'xray' ? 'X-Ray' : 'Datadog'} ${at.name}`);
    }
    assert.deepEqual(chain, [
      'Datadog web.request',
      'Datadog http.request',
      'X-Ray aws.apigateway.stage',
      'X-Ray aws.request',
      'X-Ray aws.lambda.service',
      'X-Ray aws.lambda.function',
      'Datadog aws.lambda',
      'Datadog order.save',
    ]);
    const client = hybrid.find((s) => s.name === 'http.request') as DatadogSpan;
    const lambda = hybrid.find((s) => s.name === 'aws.lambda') as DatadogSpan;
    assert.equal(lambda.meta['_dd.parent_source'], 'event');
    const stage = hybrid.find((s) => s.name === 'aws.apigateway.stage') as DatadogSpan;
    // dd-trace parented it on the inferred aws.apigateway span (under the call), which the merger
    // folded into X-Ray's stage span: the same request's hop, kept once (README: "No hop twice").
    assert.equal(lambda.meta['_merge.datadog_parent_id'], stage.meta['_merge.inferred_span_id']);
    assert.equal(stage.meta['_merge.inferred_name'], 'aws.apigateway');
    assert.equal(result.report.duplicateHops.length, 1);
    assert.ok(client, 'the call');
    assert.equal(lambda.meta['aws.xray.trace_id'], stage.meta['xray.trace_id'], 'the X-Ray trace it ran in');
    for (const span of hybrid.filter((s) => s.meta['_merge.origin'] === 'xray')) {
      assert.equal(span.meta.env, 'prod', `${span.name}: the env all services share`);
    }
    assert.equal(result.datagrams, 1, 'one datadog-metadata subsegment, for the upstream-traced invocation');
    assert.ok(hybrid.some((s) => s.resource === 'datadog-metadata'));
    assert.deepEqual(result.report.orphans, []);
    assert.equal(result.report.hybrid.invocations.length, 1);
    assert.deepEqual(result.report.hybrid.malformed, []);
  });

  it('the CLI merges the same inputs into the same trace, 0 orphans', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'xddm-demo-cli-'));
    try {
      const xray = path.join(dir, 'batch-get-traces.json');
      const datadog = path.join(dir, 'datadog.ndjson');
      writeFileSync(xray, JSON.stringify({ Traces: result.pulled }));
      writeFileSync(datadog, result.datadog.map((s) => formatSpanJson(s)).join('\n'));
      const run = spawnSync(
        process.execPath,
        ['dist/cli.js', 'merge', '--xray', xray, '--datadog', datadog, '--to', 'ndjson'],
        { encoding: 'utf8' },
      );
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stderr, /merge: 3 traces, \d+ spans; 0 orphans/);
      assert.match(
        run.stderr,
        /merge: 1 invocation joined to upstream Datadog traces by datadog-metadata \(aws\.lambda placed under the function segment: 1; upstream span not in the input: 0\); 0 malformed/,
      );
      const spans = run.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { trace_id: string; service: string });
      const host = spans.filter((s) => s.trace_id === result.host.trace_id);
      assert.ok(host.some((s) => s.service === 'checkout-web'));
      assert.ok(host.some((s) => s.service === 'checkout-fn' || s.service === 'checkout'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes the flame graph', () => {
    assert.ok(existsSync(result.htmlPath));
    const html = readFileSync(result.htmlPath, 'utf8');
    assert.match(html, /<title>[^<]*checkout-fn/);
    assert.doesNotMatch(html, /https?:\/\//);
  });

  it('the flame graph draws the hybrid trace as one tree, host to the function spans (Chromium)', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const watch = watchPage(page);
      await page.goto(pathToFileURL(result.htmlPath).href);
      const section = page.locator(`section.trace[data-trace-id="${result.host.trace_id}"]`);
      await section.scrollIntoViewIfNeeded();
      const text = (await section.textContent()) ?? '';
      for (const name of [
        'web.request',
        'aws.apigateway.stage',
        'aws.lambda.function',
        'aws.lambda',
        'order.save',
      ]) {
        assert.ok(text.includes(name), `the hybrid trace shows ${name}`);
      }
      assert.doesNotMatch(text, /orphan/i);
      await mkdir('test-artifacts', { recursive: true });
      await section.screenshot({ path: 'test-artifacts/demo-hybrid-trace.png' });
      assert.deepEqual(watch.errors, []);
    } finally {
      await browser.close();
    }
  });
});
