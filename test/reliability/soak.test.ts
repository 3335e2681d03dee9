// Soak: 100,000 invocations in one process, 50 in flight at once, each with its own X-Ray header
// and a child span. Every trace reaches the loopback agent exactly once with its own parent, and
// memory stays flat after warm-up.
//
// Pacing: in Lambda, dd-trace exports each trace on its own request over a single socket, so an
// unpaced loop outruns the export and measures dd-trace's backlog, not the wrapper. The child keeps
// at most WINDOW invocations ahead of what the agent has received (the test writes the agent's
// count to the child's stdin): the steady state of a function whose invocations arrive as fast as
// they are exported.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LeanAgent, type LeanSpan, startLeanAgent } from './lean-agent.ts';
import { lambdaEnv, runChild } from './run-child.ts';

const INVOCATIONS = 100_000;
const CONCURRENCY = 50;
const WINDOW = 1000;
const WARMUP = 20_000;
const RSS_GROWTH_BOUND = 64 * 2 ** 20;
const HEAP_GROWTH_BOUND = 32 * 2 ** 20;
/** The X-Ray Root of invocation n ends in this plus n (see headerFor in child/invoke.ts). */
const ROOT_BASE = 0x5000_0000n;

let agent: LeanAgent;
before(async () => {
  agent = await startLeanAgent();
});
after(() => agent.close());

describe(`soak: ${INVOCATIONS.toLocaleString('en')} invocations, ${CONCURRENCY} at a time`, () => {
  it('every trace arrives once with its own parent; RSS and heap stay flat after warm-up', async () => {
    const started = Date.now();
    const run = await runChild(
      {
        invocations: INVOCATIONS,
        concurrency: CONCURRENCY,
        handler: 'traced',
        warmup: WARMUP,
        window: WINDOW,
      },
      lambdaEnv(agent.url),
      {
        nodeArgs: ['--expose-gc'],
        timeoutMs: 170_000,
        onStart: (stdin) => {
          let told = 0;
          agent.onProgress((received) => {
            if (received - told >= 50 || received === INVOCATIONS) {
              told = received;
              stdin.write(`${received}\n`);
            }
          });
        },
      },
    );
    const { result } = run;
    assert.deepEqual(result.wrong, []);
    assert.equal(result.ok, INVOCATIONS);
    assert.deepEqual(result.unhandled, []);
    assert.deepEqual(run.output, [], 'nothing logged');
    await agent.waitForTraces(INVOCATIONS);

    // Exactly once, each its own: one aws.lambda span per trace id, parented on its own X-Ray
    // Parent, and one child span under that aws.lambda span.
    const byTrace = new Map<bigint, LeanSpan[]>();
    for (const trace of agent.traces) {
      for (const span of trace) {
        const spans = byTrace.get(span.traceId);
        if (spans) spans.push(span);
        else byTrace.set(span.traceId, [span]);
      }
    }
    assert.equal(byTrace.size, INVOCATIONS, 'one trace per invocation');
    let checked = 0;
    for (const [traceId, spans] of byTrace) {
      const n = traceId - ROOT_BASE;
      const lambda = spans.filter((s) => s.name === 'aws.lambda');
      const inner = spans.filter((s) => s.name === 'inner');
      if (lambda.length !== 1 || inner.length !== 1 || spans.length !== 2)
        assert.fail(
          `trace of invocation ${n}: ${spans.length} spans (${spans.map((s) => s.name).join(', ')})`,
        );
      if (n < 0n || n >= BigInt(INVOCATIONS)) assert.fail(`trace id ${traceId} belongs to no invocation`);
      if (lambda[0]?.parentId !== n + 1n)
        assert.fail(`invocation ${n}: aws.lambda parent ${lambda[0]?.parentId}, expected ${n + 1n}`);
      if (inner[0]?.parentId !== lambda[0]?.spanId)
        assert.fail(`invocation ${n}: inner span under another parent`);
      checked += 1;
    }
    assert.equal(checked, INVOCATIONS);

    const { afterWarmup, end } = result.memory;
    assert.ok(afterWarmup);
    const rss = end.rss - afterWarmup.rss;
    const heap = end.heapUsed - afterWarmup.heapUsed;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `soak: ${INVOCATIONS} invocations in ${seconds} s; RSS ${(afterWarmup.rss / 2 ** 20).toFixed(0)} -> ` +
        `${(end.rss / 2 ** 20).toFixed(0)} MB, heap ${(afterWarmup.heapUsed / 2 ** 20).toFixed(1)} -> ` +
        `${(end.heapUsed / 2 ** 20).toFixed(1)} MB; RSS every 10k: ${result.memory.rssSeries.join(' ')} MB`,
    );
    assert.ok(rss < RSS_GROWTH_BOUND, `RSS grew ${(rss / 2 ** 20).toFixed(1)} MB after warm-up`);
    assert.ok(heap < HEAP_GROWTH_BOUND, `heap grew ${(heap / 2 ** 20).toFixed(1)} MB after warm-up`);
  });
});
