// The parent choice: user extractor > event > Step Functions > client context > X-Ray, each
// malformed source one debug line and then the next.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { type Options, resolveConfig } from '../../src/config.ts';
import { chooseParent } from '../../src/context/parent.ts';
import { ddCarrier, fixture } from './fixtures.ts';

const ROOT = '1-5e272390-8c398be037738dc042009320';
const XRAY = { xRayTraceId: `Root=${ROOT};Parent=94ae789b969f1cc5;Sampled=1` };
const XRAY_CONTEXT = {
  traceId: '3995693151288333088',
  parentId: '10713633173203262661',
  samplingPriority: 2,
};
const SQS_PARENT = { traceId: '7606606606606606601', parentId: '7606606606606606602', samplingPriority: 1 };

let debugLines: string[];
beforeEach(() => {
  debugLines = [];
  mock.method(console, 'log', (line: string) => debugLines.push(line));
});
afterEach(() => mock.restoreAll());

function choose(options: Options, event: unknown, context: Record<string, unknown> = XRAY) {
  const config = resolveConfig({ mergeXrayTraces: true, logLevel: 'debug', ...options }, {});
  return chooseParent(config, event, context);
}

const clientContext = {
  clientContext: { custom: { _datadog: ddCarrier('8303303303303303301', '8303303303303303302', '1') } },
};

describe('priority', () => {
  it('user extractor over the event', () => {
    const chosen = choose(
      { traceExtractor: () => ({ traceId: '5', parentId: '6', samplingPriority: 2 }) },
      fixture('sqs'),
    );
    assert.equal(chosen.source, 'user-extractor');
    assert.deepEqual(chosen.context, { traceId: '5', parentId: '6', samplingPriority: 2 });
    assert.equal(chosen.xray?.root, ROOT, 'the X-Ray header is carried whoever wins');
  });

  it('the event over Step Functions', () => {
    const chosen = choose({}, { ...fixture('step-functions'), ...fixture('sqs') });
    assert.equal(chosen.source, 'event');
    assert.deepEqual(chosen.context, { ...SQS_PARENT, tags: '_dd.p.dm=-0' });
  });

  it('Step Functions over the client context', () => {
    const chosen = choose({}, fixture('step-functions'), { ...XRAY, ...clientContext });
    assert.equal(chosen.source, 'step-functions');
    assert.equal(chosen.context?.traceId, '8868809700783268305');
  });

  it('the client context over X-Ray', () => {
    const chosen = choose({}, {}, { ...XRAY, ...clientContext });
    assert.equal(chosen.source, 'client-context');
    assert.deepEqual(chosen.context, {
      traceId: '8303303303303303301',
      parentId: '8303303303303303302',
      samplingPriority: 1,
    });
    assert.equal(chosen.xray?.parent, '94ae789b969f1cc5');
  });

  it('the older client context form (headers straight in custom) is read too', () => {
    const chosen = choose({}, {}, { clientContext: { custom: ddCarrier('11', '12') } });
    assert.equal(chosen.source, 'client-context');
  });

  it('X-Ray last, when merging is on', () => {
    assert.deepEqual(choose({}, {}), {
      context: XRAY_CONTEXT,
      source: 'xray',
      xray: choose({}, {}).xray,
    });
  });

  it('merging off: the event still parents, no X-Ray header is read or carried', () => {
    const chosen = choose({ mergeXrayTraces: false }, fixture('sqs'));
    assert.equal(chosen.source, 'event');
    assert.equal(chosen.xray, undefined);
    assert.deepEqual(choose({ mergeXrayTraces: false }, {}), { source: 'none' });
  });

  it('an event context wins and the invocation X-Ray header is still carried (for the metadata subsegment)', () => {
    const chosen = choose({}, fixture('api-gateway-rest'));
    assert.equal(chosen.source, 'event');
    assert.equal(chosen.context?.traceId, '7102102102102102101');
    assert.equal(chosen.xray?.root, ROOT);
    assert.equal(chosen.xray?.parent, '94ae789b969f1cc5');
  });

  it('batch links ride along whichever stage wins after the event', () => {
    const event = fixture('sqs');
    event.Records[0].messageAttributes = {};
    const chosen = choose({}, event);
    assert.equal(chosen.source, 'xray');
    assert.deepEqual(
      chosen.links?.map((l) => l.traceId),
      ['7606606606606606611', '7606606606606606601'],
    );
  });
});

describe('an X-Amzn-Trace-Id request header naming the invocation own trace', () => {
  it('yields to the invocation header, whose Parent is the function segment', () => {
    const event = fixture('api-gateway-http');
    event.headers = { 'x-amzn-trace-id': `Root=${ROOT};Parent=1111111111111111;Sampled=1` };
    const chosen = choose({}, event);
    assert.equal(chosen.source, 'xray');
    assert.equal(chosen.context?.parentId, XRAY_CONTEXT.parentId);
  });
  it('a different trace in the request header is the parent', () => {
    const event = fixture('api-gateway-http');
    event.headers = {
      'x-amzn-trace-id': 'Root=1-5ce31dc2-2c779014b90ce44db5e03875;Parent=0b11cc4230d3e09e;Sampled=1',
    };
    const chosen = choose({}, event);
    assert.equal(chosen.source, 'event');
    assert.deepEqual(chosen.context, {
      traceId: '4110911582297405557',
      parentId: '797643193680388254',
      samplingPriority: 2,
    });
  });
});

describe('malformed sources: one debug line, then the next source', () => {
  const ours = () => debugLines.filter((l) => l.includes('DEBUG'));

  it('a malformed event carrier falls through to X-Ray', () => {
    const event = fixture('sqs');
    event.Records = [event.Records[0]];
    event.Records[0].messageAttributes._datadog.stringValue = '{broken';
    const chosen = choose({}, event);
    assert.equal(chosen.source, 'xray');
    assert.equal(ours().length, 1);
    assert.match(
      ours()[0] ?? '',
      /sqs event: record 0: messageAttributes\._datadog: carrier is not valid JSON/,
    );
  });

  it('a malformed event carrier falls through to the client context', () => {
    const event = fixture('eventbridge');
    event.detail._datadog = ddCarrier('0', '0');
    const chosen = choose({}, event, { ...XRAY, ...clientContext });
    assert.equal(chosen.source, 'client-context');
    assert.equal(ours().length, 1);
  });

  it('a malformed client context falls through to X-Ray', () => {
    const chosen = choose({}, {}, { ...XRAY, clientContext: { custom: { _datadog: 'not an object' } } });
    assert.equal(chosen.source, 'xray');
    assert.equal(ours().length, 1);
  });

  const badExtractors: Array<[string, () => unknown]> = [
    [
      'throws',
      () => {
        throw new Error('boom');
      },
    ],
    ['returns a promise', () => Promise.resolve({ traceId: '1', parentId: '2' })],
    ['returns a rejected promise', () => Promise.reject(new Error('late boom'))],
    ['returns a string', () => 'trace-id=1'],
    ['returns zero ids', () => ({ traceId: '0', parentId: '0' })],
    ['returns hex ids', () => ({ traceId: 'abc', parentId: 'def' })],
    ['returns a malformed text map', () => ({ 'x-datadog-trace-id': '1', 'x-datadog-parent-id': '-1' })],
  ];
  for (const [name, extractor] of badExtractors) {
    it(`a user extractor that ${name}: the event decides`, () => {
      const chosen = choose({ traceExtractor: extractor }, fixture('sqs'));
      assert.equal(chosen.source, 'event');
      assert.equal(chosen.context?.traceId, SQS_PARENT.traceId);
      assert.equal(ours().length, 1, ours().join('\n'));
    });
  }

  it('a user extractor returning nothing falls through silently', () => {
    assert.equal(choose({ traceExtractor: () => undefined }, fixture('sqs')).source, 'event');
    assert.deepEqual(ours(), []);
  });

  it('an event whose getters throw never throws out of chooseParent', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('hostile');
        },
      },
    );
    const chosen = choose({}, hostile);
    assert.equal(chosen.source, 'xray');
  });
});

describe('user extractor results', () => {
  const shapes: Array<[string, unknown, Record<string, unknown>]> = [
    [
      'our shape',
      { traceId: '10', parentId: '20', samplingPriority: 1, tid: '65f2f4b100000000' },
      { traceId: '10', parentId: '20', samplingPriority: 1, tid: '65f2f4b100000000' },
    ],
    [
      "datadog-lambda-js's TraceContext",
      { traceID: '10', parentID: '20', sampleMode: 2, source: 'event' },
      { traceId: '10', parentId: '20', samplingPriority: 2 },
    ],
    ['bigint ids', { traceId: 10n, parentId: 20n }, { traceId: '10', parentId: '20' }],
    [
      'a Datadog text map',
      ddCarrier('10', '20', '1'),
      { traceId: '10', parentId: '20', samplingPriority: 1 },
    ],
    [
      'a W3C text map',
      { traceparent: '00-0000000000000000000000000000000a-0000000000000014-01' },
      { traceId: '10', parentId: '20', samplingPriority: 1 },
    ],
  ];
  for (const [name, result, expected] of shapes) {
    it(name, () => {
      const chosen = choose({ traceExtractor: () => result }, {});
      assert.equal(chosen.source, 'user-extractor');
      assert.deepEqual(chosen.context, expected);
    });
  }

  it('receives the event and the Lambda context', () => {
    let seen: unknown[] = [];
    const event = { a: 1 };
    const traceExtractor = (...args: unknown[]) => {
      seen = args;
      return undefined;
    };
    choose({ traceExtractor }, event);
    assert.equal(seen[0], event);
    assert.equal((seen[1] as typeof XRAY).xRayTraceId, XRAY.xRayTraceId);
  });
});

describe('DD_TRACE_EXTRACTOR=module.fn under LAMBDA_TASK_ROOT', () => {
  const taskRoot = mkdtempSync(path.join(os.tmpdir(), 'xddm-extractor-'));
  mkdirSync(path.join(taskRoot, 'lib'));
  writeFileSync(
    path.join(taskRoot, 'lib', 'tracing.cjs'),
    "exports.extract = (event) => ({ traceId: String(event.t), parentId: '77' });\nexports.nested = { fn: () => ({ traceId: '3', parentId: '4' }) };\n",
  );
  writeFileSync(
    path.join(taskRoot, 'esm.mjs'),
    "export function extract() { return { traceId: '5', parentId: '6' }; }\n",
  );
  writeFileSync(path.join(taskRoot, 'broken.js'), 'module.exports = ;\n');

  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.LAMBDA_TASK_ROOT;
    process.env.LAMBDA_TASK_ROOT = taskRoot;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.LAMBDA_TASK_ROOT;
    else process.env.LAMBDA_TASK_ROOT = saved;
  });

  it('a CommonJS module, read from the environment variable', () => {
    const config = resolveConfig({ mergeXrayTraces: true }, { DD_TRACE_EXTRACTOR: 'lib/tracing.extract' });
    const chosen = chooseParent(config, { t: 41 }, XRAY);
    assert.equal(chosen.source, 'user-extractor');
    assert.deepEqual(chosen.context, { traceId: '41', parentId: '77' });
    // loaded once per config, then reused
    assert.equal(chooseParent(config, { t: 42 }, XRAY).context?.traceId, '42');
  });

  it('a nested export (module.object.fn), as Lambda handler names allow', () => {
    assert.equal(choose({ traceExtractor: 'lib/tracing.nested.fn' }, {}).context?.traceId, '3');
  });

  it('an ES module', () => {
    assert.equal(choose({ traceExtractor: 'esm.extract' }, {}).context?.traceId, '5');
  });

  const broken: Array<[string, string]> = [
    ['a missing module', 'nowhere.extract'],
    ['a missing function', 'lib/tracing.absent'],
    ['a module that does not load', 'broken.extract'],
    ['no function name', 'lib/tracing'],
  ];
  for (const [name, spec] of broken) {
    it(`${name}: one debug line, then the event decides`, () => {
      const config = resolveConfig({ mergeXrayTraces: true, logLevel: 'debug', traceExtractor: spec }, {});
      assert.equal(chooseParent(config, fixture('sqs'), XRAY).source, 'event');
      assert.equal(chooseParent(config, fixture('sqs'), XRAY).source, 'event');
      assert.equal(
        debugLines.filter((l) => l.includes('DD_TRACE_EXTRACTOR')).length,
        1,
        debugLines.join('\n'),
      );
    });
  }
});
