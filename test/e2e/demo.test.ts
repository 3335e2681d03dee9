// Runtime + merger end to end: the sample function under the real runtime client through the layer,
// then the merger over the real X-Ray client. The merged trace must be one tree:
// X-Ray root -> function segment -> aws.lambda -> user spans, with no orphans.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type DemoResult, runDemo } from '../../scripts/demo/run-demo.ts';
import type { DatadogSpan } from '../../src/merge/span.ts';

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
    const withLambda = merged.filter((trace) => trace.some((s) => s.name === 'aws.lambda'));
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

  it('the upstream-traced invocation keeps its Datadog trace, and X-Ray learns it from the metadata subsegment', () => {
    const upstream = result.traces.find((trace) => trace[0]?.trace_id === '1311979541735842151');
    assert.ok(upstream, 'the upstream Datadog trace');
    const lambda = upstream.find((s) => s.name === 'aws.lambda');
    assert.equal(lambda?.parent_id, '8812930582129472881');
    assert.equal(lambda?.meta['_dd.parent_source'], 'event');
    assert.equal(result.datagrams, 1);
    const metadata = result.traces.flat().find((s) => s.resource === 'datadog-metadata');
    assert.ok(metadata, 'the datadog-metadata subsegment is in the X-Ray trace');
    assert.deepEqual(
      result.report.orphans.map((o) => o.parent_id),
      ['8812930582129472881'],
    );
  });

  it('writes the flame graph', () => {
    assert.ok(existsSync(result.htmlPath));
    const html = readFileSync(result.htmlPath, 'utf8');
    assert.match(html, /<title>[^<]*checkout-fn/);
    assert.doesNotMatch(html, /https?:\/\//);
  });
});
