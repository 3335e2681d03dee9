// The bench's README writer: the figures go between the markers and nowhere else, and a README
// without the markers is left alone. Pure: no timing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkBudgets } from '../../scripts/bench/budgets.ts';
import {
  README_MARKERS,
  type Results,
  readmeSection,
  replaceBetweenMarkers,
} from '../../scripts/bench/report.ts';

const results: Results = {
  date: '2026-12-06T01:30:00.000Z',
  machine: {
    cpus: 2,
    cpuModel: 'AMD EPYC',
    memoryGb: 24,
    platform: 'linux 6.1 x64',
    loadAverage: { before: [1, 1, 1], after: [2, 2, 2] },
  },
  settings: { quick: false, runs: 11, loop: {}, majors: ['22'], compileCache: false, exporter: 'agent' },
  nodes: {},
  overhead: {
    '22': {
      importMs: 3,
      firstMs: 1,
      warmUs: 42.5,
      warmOwnUs: 6,
      rssMb: 1,
      allocatedBytes: { floor: 30_000, sameWork: 31_000, wrapper: 32_000 },
    },
  },
  layerZips: [],
  merger: [],
  coldStart: { '22': { skipped: 'aws-lambda-ric is not built here' } },
  budgets: [],
  seconds: 1,
};
const judged: Results = {
  ...results,
  budgets: checkBudgets({ overhead: results.overhead, layerZips: [], merger: [], forbiddenModules: {} }),
};

describe('readmeSection', () => {
  const section = readmeSection(judged);
  const cases: Array<[string, RegExp]> = [
    [
      'the machine and its load',
      /2 × AMD EPYC, 24 GB, linux 6\.1 x64; load average 1\.00 1\.00 1\.00 before/,
    ],
    ['the chart', /!\[[^\]]*\]\(docs\/bench\.svg\)/],
    ['the wrapper against same-work', /c - b' 6\.0 us/],
    ['the allocation of all three', /floor 29\.3 KB, same-work 30\.3 KB, wrapper 31\.3 KB/],
    [
      'a cold start skipped, with why',
      /cold start under the runtime client: skipped, aws-lambda-ric is not built here/,
    ],
    [
      'a miss with its margin',
      /\| Node 22 warm invocation over the floor <= 30 us \| \*\*MISS\*\*, by 12\.5 us \| 42\.5 us \|/,
    ],
    [
      'a hold with its margin',
      /\| Node 22 warm invocation, wrapper over same-work \(its own code\) <= 8 us \| \*\*hold\*\*, by 2\.0 us \|/,
    ],
  ];
  for (const [what, pattern] of cases) {
    it(`shows ${what}`, () => assert.match(section, pattern));
  }
});

describe('replaceBetweenMarkers', () => {
  it('replaces only what is between the markers', () => {
    const readme = `# x\n\nbefore\n${README_MARKERS.start}\nold figures\n${README_MARKERS.end}\nafter\n`;
    assert.equal(
      replaceBetweenMarkers(readme, 'new figures'),
      `# x\n\nbefore\n${README_MARKERS.start}\nnew figures\n${README_MARKERS.end}\nafter\n`,
    );
  });

  it('leaves a README without both markers alone', () => {
    assert.equal(replaceBetweenMarkers(`# x\n${README_MARKERS.start}\n`, 'new'), undefined);
    assert.equal(replaceBetweenMarkers('# x\n', 'new'), undefined);
  });

  it('finds the markers in the README itself', () => {
    return import('node:fs').then(({ readFileSync }) => {
      const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
      assert.notEqual(replaceBetweenMarkers(readme, 'x'), undefined);
    });
  });
});
