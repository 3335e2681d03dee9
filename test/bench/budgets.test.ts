// The bench's budget checker: a fabricated result over budget must fail, one within must pass, and
// what was not measured is skipped, not passed. No timing here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anyFailed, type BudgetInput, checkBudgets, LIMITS } from '../../scripts/bench/budgets.ts';
import { offInvokePath, origin } from '../../scripts/bench/measure.ts';
import { quantile, summarize } from '../../scripts/bench/stats.ts';

const withinOverhead = {
  importMs: 2,
  firstMs: 1,
  warmUs: 20,
  warmOwnUs: 4,
  rssMb: 2,
  allocatedBytes: { floor: 11_700, sameWork: 15_200, wrapper: 16_100 },
};

const withinBudget: BudgetInput = {
  overhead: { '22': withinOverhead },
  layerZips: [{ name: 'layer-x86_64.zip', bytes: 3 * 2 ** 20 }],
  merger: [
    { segments: 100_000, perSecond: 400_000, peakRssMb: 100, retainedHeapMb: 11 },
    { segments: 1_000_000, perSecond: 380_000, peakRssMb: 110, retainedHeapMb: 11.5 },
  ],
  forbiddenModules: { 'Node 22 wrapper': [] },
  coldStart: {
    '22': [
      { way: 'handler redirect', pollMs: 1.5, responseMs: 2 },
      { way: 'exec wrapper', pollMs: 3, responseMs: 4.9 },
    ],
  },
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
      { ...withinBudget, overhead: { '22': { ...withinOverhead, importMs: LIMITS.importMs + 0.1 } } },
      'Node 22 import+init',
    ],
    [
      'first invocation overhead',
      { ...withinBudget, overhead: { '22': { ...withinOverhead, firstMs: LIMITS.firstMs + 0.1 } } },
      'Node 22 first invocation',
    ],
    [
      'warm overhead over the floor',
      { ...withinBudget, overhead: { '22': { ...withinOverhead, warmUs: LIMITS.warmUs + 0.1 } } },
      'Node 22 warm invocation over the floor',
    ],
    [
      "wrapper's own warm cost (over same-work)",
      { ...withinBudget, overhead: { '22': { ...withinOverhead, warmOwnUs: LIMITS.warmOwnUs + 0.1 } } },
      'Node 22 warm invocation, wrapper over same-work',
    ],
    [
      'RSS over the floor',
      { ...withinBudget, overhead: { '22': { ...withinOverhead, rssMb: LIMITS.rssMb + 0.1 } } },
      'Node 22 RSS after 2,000',
    ],
    [
      'allocation over same-work',
      {
        ...withinBudget,
        overhead: {
          '22': { ...withinOverhead, allocatedBytes: { floor: 10_000, sameWork: 10_000, wrapper: 13_001 } },
        },
      },
      'Node 22 heap allocated',
    ],
    [
      'cold start to the first /next',
      {
        ...withinBudget,
        coldStart: { '22': [{ way: 'exec wrapper', pollMs: LIMITS.coldStartMs + 0.1, responseMs: 1 }] },
      },
      'Node 22 cold start, layer by exec wrapper, spawn to first /next',
    ],
    [
      'cold start to the first response',
      {
        ...withinBudget,
        coldStart: { '22': [{ way: 'handler redirect', pollMs: 1, responseMs: LIMITS.coldStartMs + 0.1 }] },
      },
      'Node 22 cold start, layer by handler redirect, spawn to first response',
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
      coldStart: { '24': 'aws-lambda-ric is not built in test/runtimes/nodejs24' },
    };
    const verdicts = checkBudgets(input);
    assert.ok(verdicts.length > 0);
    assert.deepEqual(new Set(verdicts.map((v) => v.status)), new Set(['SKIP']));
    assert.equal(anyFailed(verdicts), false);
    const cold = verdicts.find((v) => v.budget.startsWith('Node 24 cold start'));
    assert.match(cold?.measured ?? '', /aws-lambda-ric is not built/);
    assert.equal(cold?.margin, undefined);
  });

  const margins: Array<[string, BudgetInput, string, string]> = [
    [
      'a warm figure within',
      withinBudget,
      'Node 22 warm invocation, wrapper over same-work',
      'holds by 4.0 us',
    ],
    [
      'a warm figure over',
      { ...withinBudget, overhead: { '22': { ...withinOverhead, warmUs: 42.5 } } },
      'Node 22 warm invocation over the floor',
      'misses by 12.5 us',
    ],
    ['the allocation ratio', withinBudget, 'Node 22 heap allocated', 'holds by 0.24 x'],
    [
      'a cold start',
      withinBudget,
      'Node 22 cold start, layer by exec wrapper, spawn to first response',
      'holds by 0.1 ms',
    ],
  ];
  for (const [name, input, prefix, margin] of margins) {
    it(`gives the margin of ${name}`, () => {
      assert.equal(checkBudgets(input).find((v) => v.budget.startsWith(prefix))?.margin, margin);
    });
  }

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
    const noisy = { ...withinOverhead, importMs: LIMITS.importMs + 20, ownImportMs: LIMITS.importMs - 1 };
    const own = checkBudgets({ ...withinBudget, overhead: { '22': noisy } }).find((v) =>
      v.budget.startsWith('Node 22 import+init'),
    );
    assert.equal(own?.status, 'PASS');
    assert.match(own?.measured ?? '', /fresh processes c - b: 25\.00 ms/);
    const tooSlow = { ...withinOverhead, importMs: 0, ownImportMs: LIMITS.importMs + 0.1 };
    assert.equal(statusOf({ ...withinBudget, overhead: { '22': tooSlow } }, 'Node 22 import+init'), 'FAIL');
  });

  it('judges the exact limit as within budget', () => {
    const input = {
      ...withinBudget,
      overhead: { '22': { ...withinOverhead, importMs: LIMITS.importMs } },
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
