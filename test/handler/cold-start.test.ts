// Cold-start spans (DD_COLD_START_TRACING): the plan from recorded module loads (table), and on the
// wire in a fresh process whose first invocation is the cold one: the modules the function required
// after dd-trace loaded become aws.lambda.load and aws.lambda.require spans under aws.lambda.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { coldStartPlans } from '../../src/handler/cold-start.ts';
import type { ModuleLoad } from '../../src/tracer/module-loads.ts';
import type { AgentStandIn } from '../helpers/agent.ts';
import { lambdaContext, lambdaProcess } from '../helpers/lambda-env.ts';

function load(
  id: string,
  filename: string,
  startMs: number,
  endMs: number,
  children: ModuleLoad[] = [],
): ModuleLoad {
  return { id, filename, startMs, endMs, children };
}

describe('coldStartPlans', () => {
  const loads = [
    load('./orders', '/var/task/orders.js', 1000, 1020, [
      load('./pricing', '/var/task/pricing.js', 1001, 1010),
      load('fs', 'fs', 1011, 1012),
    ]),
    load('dd-trace', '/opt/nodejs/node_modules/dd-trace/index.js', 1020, 1060),
    load('./tiny', '/var/task/tiny.js', 1060, 1061),
  ];
  const options = { minDurationMs: 3, skip: [], functionName: 'checkout', lambdaStartMs: 1100 };

  it('one load span over all, one span per load of at least the minimum, named by where the file is', () => {
    const plans = coldStartPlans(loads, options);
    assert.deepEqual(
      plans.map((p) => [p.name, p.resource, p.startMs, p.endMs, p.parent]),
      [
        ['aws.lambda.load', 'checkout', 1000, 1061, -1],
        ['aws.lambda.require', './orders', 1000, 1020, 0],
        ['aws.lambda.require', './pricing', 1001, 1010, 1],
        ['aws.lambda.require_layer', 'dd-trace', 1020, 1060, 0],
      ],
    );
  });

  it('skipped libraries and their children are left out; the load span ends by aws.lambda start', () => {
    const plans = coldStartPlans(loads, { ...options, skip: ['./orders'], lambdaStartMs: 1050 });
    assert.deepEqual(
      plans.map((p) => [p.resource, p.endMs]),
      [
        ['checkout', 1050],
        ['dd-trace', 1060],
      ],
    );
  });

  it('nothing recorded: no spans', () => assert.deepEqual(coldStartPlans([], options), []));
});

describe('on the wire, the cold invocation of a fresh process', () => {
  let agent: AgentStandIn;
  before(async () => {
    agent = await lambdaProcess();
  });
  after(() => agent.close());

  it('aws.lambda.load and the require spans, under aws.lambda, on the first invocation only', async () => {
    const { withXRayMerge } = await import('../../src/index.ts');
    const handler = withXRayMerge(async (_event: unknown, _context: unknown) => 'ok', {
      coldStartTracing: true,
      minColdStartDuration: 1,
    });
    // The function's own modules, loaded after the wrapper (and dd-trace) are set up.
    const orders = createRequire(import.meta.url)('../fixtures/cold-start/orders.cjs');
    assert.equal(orders.total([1, 2]), 3);
    const cold = lambdaContext();
    assert.equal(await handler({}, cold), 'ok');
    const warm = lambdaContext();
    await handler({}, warm);
    const [lambda] = await agent.waitForSpans(
      1,
      'aws.lambda',
      (s) => s.meta.request_id === cold.awsRequestId,
    );
    await agent.waitForSpans(1, 'aws.lambda', (s) => s.meta.request_id === warm.awsRequestId);
    const all = agent.traces.flat().filter((s) => s.trace_id === lambda!.trace_id);
    const loadSpan = all.find((s) => s.name === 'aws.lambda.load');
    assert.ok(loadSpan, all.map((s) => s.name).join());
    assert.equal(loadSpan.parent_id, lambda!.span_id);
    const required = all.filter((s) => s.name === 'aws.lambda.require');
    const ordersSpan = required.find((s) => s.resource.endsWith('orders.cjs'));
    const pricingSpan = required.find((s) => s.resource.endsWith('pricing.cjs'));
    assert.ok(ordersSpan && pricingSpan, required.map((s) => s.resource).join());
    assert.equal(ordersSpan.parent_id, loadSpan.span_id);
    assert.equal(pricingSpan.parent_id, ordersSpan.span_id);
    assert.match(pricingSpan.meta.filename ?? '', /cold-start\/pricing\.cjs$/);
    const warmSpans = agent.traces.flat().filter((s) => s.name === 'aws.lambda.load');
    assert.equal(warmSpans.length, 1, 'only the cold invocation has them');
  });
});
