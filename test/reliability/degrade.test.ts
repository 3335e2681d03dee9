// The wrapper's own failures degrade to a plain call of the handler, with at most one log line per
// cause: bad configuration, a user extractor that throws, dd-trace missing, and a dd-trace that is a
// different major or broken in some way. Each scenario runs in its own process, with the package
// bundled as it ships (esbuild, dd-trace external) beside whatever dd-trace the scenario gives it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as esbuild from 'esbuild';
import { type AgentStandIn, startAgent } from '../helpers/agent.ts';
import { type ChildRun, lambdaEnv, ROOT, repeatedLines, runChild, type Scenario } from './run-child.ts';

const INVOCATIONS = 20;
const SCENARIO: Scenario = { invocations: INVOCATIONS, concurrency: 2, xray: 'unique' };

let agent: AgentStandIn;
let workDir: string;
let bundle: string;

before(async () => {
  agent = await startAgent();
  workDir = mkdtempSync(path.join(os.tmpdir(), 'xddm-degrade-'));
  const built = await esbuild.build({
    entryPoints: [path.join(ROOT, 'src/index.ts')],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    external: ['dd-trace', '@aws-sdk/*', 'aws-xray-sdk-core', 'aws-xray-sdk'],
    logLevel: 'silent',
    write: false,
  });
  bundle = built.outputFiles[0]?.text ?? '';
});
after(async () => {
  await agent.close();
  rmSync(workDir, { recursive: true, force: true });
});

/** A directory holding the bundled package as `index.cjs` and, when given, a dd-trace module. */
function installation(name: string, ddTrace?: string): string {
  const dir = path.join(workDir, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'index.cjs'), bundle);
  if (ddTrace !== undefined) {
    const pkg = path.join(dir, 'node_modules', 'dd-trace');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(path.join(pkg, 'package.json'), '{"name":"dd-trace","version":"99.0.0","main":"index.js"}');
    writeFileSync(path.join(pkg, 'index.js'), ddTrace);
  }
  return path.join(dir, 'index.cjs');
}

function assertPassThrough(run: ChildRun, maxLines: number): void {
  assert.deepEqual(run.result.wrong, [], 'every invocation returned its own value');
  assert.equal(run.result.ok, INVOCATIONS);
  assert.deepEqual(run.result.unhandled, []);
  assert.deepEqual(run.result.uncaught, []);
  assert.equal(run.exitCode, 0);
  assert.deepEqual(repeatedLines(run.output), [], 'no line is repeated');
  assert.ok(run.output.length <= maxLines, `at most ${maxLines} line(s), got:\n${run.output.join('\n')}`);
}

describe('bad configuration', () => {
  const BAD = {
    DD_XRAY_TRACE_ID_MODE: 'bogus',
    DD_XRAY_SAMPLING: 'maybe',
    DD_APM_FLUSH_DEADLINE_MILLISECONDS: '-5',
    DD_XRAY_METADATA: 'perhaps',
    DD_CAPTURE_LAMBDA_PAYLOAD: 'sometimes',
  };

  it('each bad variable is named once, the defaults are used, and invocations are still traced', async () => {
    const run = await runChild(SCENARIO, lambdaEnv(agent.url, BAD));
    assertPassThrough(run, Object.keys(BAD).length);
    for (const [name, value] of Object.entries(BAD)) {
      const lines = run.output.filter((line) => line.includes(name));
      assert.equal(lines.length, 1, `${name} is named once`);
      assert.ok(lines[0]?.includes(value), `the line shows the value given for ${name}`);
    }
    const spans = await agent.waitForSpans(
      INVOCATIONS,
      'aws.lambda',
      (s) => s.meta.functionname === 'reliability-fn',
    );
    assert.ok(spans.length >= INVOCATIONS, 'tracing went on with the defaults');
  });

  it('a bad DD_LOG_LEVEL is reported once and the rest still works', async () => {
    const run = await runChild(SCENARIO, lambdaEnv(agent.url, { DD_LOG_LEVEL: 'loud' }));
    assertPassThrough(run, 1);
  });
});

describe('a user extractor that fails', () => {
  for (const extractor of ['throws', 'rejects', 'hostile'] as const) {
    for (const level of ['warn', 'debug']) {
      it(`${extractor}, DD_LOG_LEVEL=${level}: the handler runs, the X-Ray parent is used`, async () => {
        const service = `extractor-${extractor}-${level}`;
        const run = await runChild(
          { ...SCENARIO, extractor },
          lambdaEnv(agent.url, { DD_LOG_LEVEL: level, DD_SERVICE: service }),
        );
        assertPassThrough(run, level === 'debug' ? 2 : 0);
        const spans = await agent.waitForSpans(INVOCATIONS, 'aws.lambda', (s) => s.service === service);
        assert.ok(spans.every((s) => s.meta['_dd.parent_source'] === 'xray'));
      });
    }
  }

  it('DD_TRACE_EXTRACTOR naming a module that throws when loaded', async () => {
    const taskRoot = path.join(workDir, 'task-extractor');
    mkdirSync(taskRoot, { recursive: true });
    writeFileSync(path.join(taskRoot, 'tracing.cjs'), "throw new Error('module load failure');\n");
    const run = await runChild(
      SCENARIO,
      lambdaEnv(agent.url, {
        LAMBDA_TASK_ROOT: taskRoot,
        DD_TRACE_EXTRACTOR: 'tracing.extract',
        DD_LOG_LEVEL: 'debug',
      }),
    );
    assertPassThrough(run, 2);
  });
});

describe('dd-trace missing', () => {
  it('the bundle with no dd-trace to load: one warning, then plain calls', async () => {
    const entry = installation('missing');
    assert.throws(
      () => createRequire(entry).resolve('dd-trace'),
      'precondition: dd-trace cannot be resolved',
    );
    const run = await runChild({ ...SCENARIO, entry }, lambdaEnv(agent.url));
    assertPassThrough(run, 1);
    assert.match(run.output[0] ?? '', /dd-trace/);
  });
});

describe('dd-trace of another major, or broken', () => {
  const SPAN = `{
    context: () => ({ toTraceId: () => '1', toSpanId: () => '2' }),
    setTag() {}, addTags() {}, finish() {},
  }`;
  const fakes: Array<[string, string]> = [
    ['an API without startSpan', 'module.exports = { init() { return this; }, tracer: {} };'],
    ['init throws', `module.exports = { init() { throw new Error('init'); }, startSpan: () => (${SPAN}) };`],
    [
      'startSpan throws',
      `module.exports = { init() { return this; }, extract: () => ({}), scope: () => ({ activate: (s, f) => f() }),
        startSpan() { throw new Error('startSpan'); } };`,
    ],
    [
      'extract throws',
      `module.exports = { init() { return this; }, extract() { throw new Error('extract'); },
        scope: () => ({ activate: (s, f) => f() }), startSpan: () => (${SPAN}) };`,
    ],
    [
      'no scope()',
      `module.exports = { init() { return this; }, extract: () => ({}), startSpan: () => (${SPAN}) };`,
    ],
    [
      'activate throws',
      `module.exports = { init() { return this; }, extract: () => ({}), startSpan: () => (${SPAN}),
        scope: () => ({ activate() { throw new Error('activate'); } }) };`,
    ],
    [
      'activate never calls back',
      `module.exports = { init() { return this; }, extract: () => ({}), startSpan: () => (${SPAN}),
        scope: () => ({ activate() { return undefined; } }) };`,
    ],
    [
      'spans without methods',
      `module.exports = { init() { return this; }, extract: () => ({}), startSpan: () => ({}),
        scope: () => ({ activate: (s, f) => f() }), inject() {} };`,
    ],
  ];
  for (const [name, source] of fakes) {
    for (const level of ['warn', 'debug']) {
      it(`${name}, DD_LOG_LEVEL=${level}: the handler's value, every time`, async () => {
        const entry = installation(`fake-${name.replaceAll(/\W+/g, '-')}`, source);
        const run = await runChild({ ...SCENARIO, entry }, lambdaEnv(agent.url, { DD_LOG_LEVEL: level }));
        assertPassThrough(run, level === 'debug' ? 3 : 1);
      });
    }
  }
});
