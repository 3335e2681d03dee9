// The bench's budget checker: a fabricated result over budget must fail, one within must pass, and
// what was not measured is skipped, not passed. No timing here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anyFailed, type BudgetInput, checkBudgets, LIMITS } from '../../scripts/bench/budgets.ts';
import { offInvokePath, origin } from '../../scripts/bench/measure.ts';
import { quantile, summarize } from '../../scripts/bench/stats.ts';

const withinBudget: BudgetInput = {
  overhead: { '22': { importMs: 2, firstMs: 1, warmUs: 4 } },
  layerZips: [{ name: 'layer-x86_64.zip', bytes: 3 * 2 ** 20 }],
  merger: [
    { segments: 100_000, perSecond: 400_000, peakRssMb: 100, retainedHeapMb: 11 },
    { segments: 1_000_000, perSecond: 380_000, peakRssMb: 110, retainedHeapMb: 11.5 },
  ],
  forbiddenModules: { 'Node 22 wrapper': [] },
};

function statusOf(input: BudgetInput, prefix: string): string | undefined {
  return checkBudgets(input).find((v) => v.budget.startsWith(prefix))?.status;
}

describe('checkBudgets', () => {
  it('passes figures within every budget', () => {
    const verdicts = checkBudgets(withinBudget);
    assert.deepEqual(
      verdicts.filter((v) => v.status !== 'PASS'),
      [],
    );
    assert.equal(anyFailed(verdicts), false);
  });

  const overBudget: Array<[string, BudgetInput, string]> = [
    [
      'import+init overhead',
      { ...withinBudget, overhead: { '22': { importMs: LIMITS.importMs + 0.1, firstMs: 1, warmUs: 4 } } },
      'Node 22 import+init',
    ],
    [
      'first invocation overhead',
      { ...withinBudget, overhead: { '22': { importMs: 1, firstMs: LIMITS.firstMs + 0.1, warmUs: 4 } } },
      'Node 22 first invocation',
    ],
    [
      'warm overhead',
      { ...withinBudget, overhead: { '22': { importMs: 1, firstMs: 1, warmUs: LIMITS.warmUs + 0.1 } } },
      'Node 22 warm invocation',
    ],
    [
      'layer size',
      { ...withinBudget, layerZips: [{ name: 'big.zip', bytes: LIMITS.layerBytes + 1 }] },
      'layer big.zip',
    ],
    [
      'merger throughput',
      {
        ...withinBudget,
        merger: [
          { segments: 100_000, perSecond: 150_000, peakRssMb: 100, retainedHeapMb: 11 },
          { segments: 1_000_000, perSecond: 390_000, peakRssMb: 100, retainedHeapMb: 11 },
        ],
      },
      'merger >=',
    ],
    [
      'merger throughput per CPU second (judged before wall time)',
      {
        ...withinBudget,
        merger: [
          {
            segments: 100_000,
            perSecond: 400_000,
            cpuPerSecond: 150_000,
            peakRssMb: 100,
            retainedHeapMb: 11,
          },
          {
            segments: 1_000_000,
            perSecond: 390_000,
            cpuPerSecond: 390_000,
            peakRssMb: 100,
            retainedHeapMb: 11,
          },
        ],
      },
      'merger >=',
    ],
    [
      'merger memory growth',
      {
        ...withinBudget,
        merger: [
          // The converter keeping what it saw: the live heap grows with the traces.
          { segments: 100_000, perSecond: 400_000, peakRssMb: 150, retainedHeapMb: 40 },
          { segments: 1_000_000, perSecond: 400_000, peakRssMb: 400, retainedHeapMb: 320 },
        ],
      },
      'merger memory flat',
    ],
    [
      'AWS SDK on the invoke path',
      { ...withinBudget, forbiddenModules: { 'Node 22 wrapper': ['@aws-sdk/client-xray'] } },
      'Node 22 wrapper: invoke path',
    ],
  ];
  for (const [name, input, prefix] of overBudget) {
    it(`fails when the ${name} is over budget`, () => {
      assert.equal(statusOf(input, prefix), 'FAIL');
      assert.equal(anyFailed(checkBudgets(input)), true);
    });
  }

  it('skips what was not measured, and skipping does not fail the check', () => {
    const input: BudgetInput = {
      overhead: { '22': undefined },
      layerZips: [],
      merger: [],
      forbiddenModules: {},
    };
    const verdicts = checkBudgets(input);
    assert.ok(verdicts.length > 0);
    assert.deepEqual(new Set(verdicts.map((v) => v.status)), new Set(['SKIP']));
    assert.equal(anyFailed(verdicts), false);
  });

  it('judges memory on the live heap after GC, not on peak RSS', () => {
    // Peak RSS grows with the GC's slack over a longer run; what is live after a full GC does not.
    const slackOnly: BudgetInput = {
      ...withinBudget,
      merger: [
        { segments: 100_000, perSecond: 400_000, peakRssMb: 150, retainedHeapMb: 11.4 },
        { segments: 1_000_000, perSecond: 400_000, peakRssMb: 195, retainedHeapMb: 11.5 },
      ],
    };
    assert.equal(statusOf(slackOnly, 'merger memory flat'), 'PASS');
    const verdict = checkBudgets(slackOnly).find((v) => v.budget.startsWith('merger memory flat'));
    assert.match(verdict?.measured ?? '', /11\.4 -> 11\.5 MB \(x1\.01\); peak RSS 150 -> 195 MB \(x1\.30\)/);
    const justOver: BudgetInput = {
      ...withinBudget,
      merger: [
        { segments: 100_000, perSecond: 400_000, peakRssMb: 150, retainedHeapMb: 10 },
        { segments: 1_000_000, perSecond: 400_000, peakRssMb: 150, retainedHeapMb: 12.6 },
      ],
    };
    assert.equal(statusOf(justOver, 'merger memory flat'), 'FAIL');
  });

  it("judges import+init on the wrapper's own figure when it was measured, else on c - b", () => {
    const noisy = { importMs: LIMITS.importMs + 20, ownImportMs: LIMITS.importMs - 1, firstMs: 1, warmUs: 4 };
    const own = checkBudgets({ ...withinBudget, overhead: { '22': noisy } }).find((v) =>
      v.budget.startsWith('Node 22 import+init'),
    );
    assert.equal(own?.status, 'PASS');
    assert.match(own?.measured ?? '', /fresh processes c - b: 25\.00 ms/);
    const tooSlow = { importMs: 0, ownImportMs: LIMITS.importMs + 0.1, firstMs: 1, warmUs: 4 };
    assert.equal(statusOf({ ...withinBudget, overhead: { '22': tooSlow } }, 'Node 22 import+init'), 'FAIL');
  });

  it('judges the exact limit as within budget', () => {
    const input = {
      ...withinBudget,
      overhead: { '22': { importMs: LIMITS.importMs, firstMs: 0, warmUs: 0 } },
    };
    assert.equal(statusOf(input, 'Node 22 import+init'), 'PASS');
  });
});

describe('module trace classification', () => {
  it('names packages and repository files, and flags what has no place on the invoke path', () => {
    const urls = [
      'file:///work/main/node_modules/dd-trace/index.js',
      'file:///work/main/node_modules/@aws-sdk/client-xray/dist-cjs/index.js',
      'file:///opt/nodejs/node_modules/aws-xray-sdk-core/dist/lib/index.js',
      'file:///work/main/node_modules/dd-trace/node_modules/@datadog/pprof/index.js',
    ];
    assert.equal(origin(urls[0]!), 'dd-trace');
    assert.equal(origin(urls[3]!), '@datadog/pprof');
    assert.deepEqual(offInvokePath(urls), ['@aws-sdk/client-xray', 'aws-xray-sdk-core']);
  });
});

describe('stats', () => {
  it('interpolates quantiles and summarizes with the spread', () => {
    assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
    assert.deepEqual(summarize([3, 1, 2, Number.NaN]), { n: 3, median: 2, q1: 1.5, q3: 2.5, min: 1, max: 3 });
  });
});
