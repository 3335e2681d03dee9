// The project's JS Runtime API client in place of aws-lambda-ric's native one (what `npm run demo`
// runs on a machine without build tools): the runtime of the test runner's Node major, invoked with
// answers, errors and a trace header, must put the same requests on the wire, in the
// same order, with the same bodies and headers that matter, as the native client does. Where the
// native client is built the two are compared run for run; where it is not, the JS client's wire is
// checked on its own (and `npm test` fails for the native client's suite, naming what to install).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nativeReady } from '../../../scripts/runtime-clients.mjs';
import type { InvocationRequest, InvocationResult } from '../../helpers/runtime-api.ts';
import {
  type RuntimeClient,
  runtimeClient,
  runtimeClientInJavaScript,
  startRuntime,
  writeTree,
} from '../../layer/harness.ts';

const major = Number(process.versions.node.split('.')[0]);
const supported = major === 22 || major === 24;

const TASK_FILES = {
  'app.mjs': `export const ok = async (event, context) => ({
  event,
  requestId: context.awsRequestId,
  arn: context.invokedFunctionArn,
  deadline: context.getRemainingTimeInMillis() > 0,
  traceHeader: context.xRayTraceId || process.env._X_AMZN_TRACE_ID || null,
});
export const fail = async (event) => {
  const error = new TypeError('no stock for ' + event.item);
  error.stack = 'TypeError: no stock for ' + event.item + '\\n    at checkout (file:///var/task/app.mjs:9:17)';
  throw error;
};
`,
};

interface Case {
  readonly name: string;
  readonly handler: string;
  readonly invocations: readonly InvocationRequest[];
}

const header = 'Root=1-5e272390-8c398be037738dc042009320;Parent=94ae789b969f1cc5;Sampled=1';
const deadlineMs = Date.now() + 600_000;
const CASES: readonly Case[] = [
  {
    name: 'answers, one after another',
    handler: 'app.ok',
    invocations: [
      { requestId: 'ok-1', event: { items: ['a', 'ü ✓'] }, traceHeader: header, deadlineMs },
      { requestId: 'ok-2', event: { n: 2 }, deadlineMs },
      { requestId: 'ok/3 needs encoding', event: null, traceHeader: header, deadlineMs },
    ],
  },
  {
    name: 'thrown errors',
    handler: 'app.fail',
    invocations: [
      { requestId: 'fail-1', event: { item: 'socks' }, traceHeader: header, deadlineMs },
      { requestId: 'fail-2', event: { item: 'hats' }, deadlineMs },
    ],
  },
];

interface Wire {
  readonly log: readonly string[];
  readonly results: readonly InvocationResult[];
}

async function wireOf(client: RuntimeClient, taskRoot: string, one: Case): Promise<Wire> {
  const runtime = await startRuntime({ client, taskRoot, handler: one.handler, way: 'no-layer' });
  try {
    const results: InvocationResult[] = [];
    for (const invocation of one.invocations) results.push(await runtime.api.invoke(invocation));
    return { log: [...runtime.api.log], results };
  } finally {
    await runtime.stop();
  }
}

/** What a runtime client owes the Runtime API, per result: the kind, the bytes, and the headers Lambda reads. */
function essentials(result: InvocationResult) {
  return {
    requestId: result.requestId,
    kind: result.kind,
    body: result.body.toString('utf8'),
    contentType: result.headers['content-type'],
    xrayCause: result.headers['lambda-runtime-function-xray-error-cause'],
    errorType: result.errorType,
  };
}

describe(`aws-lambda-ric on Node ${major} with the project's JS Runtime API client`, {
  skip: !supported && 'Node 22 or 24 only',
}, () => {
  let dir: string;
  let taskRoot: string;
  let js: RuntimeClient;
  let native: RuntimeClient | undefined;

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'xddm-js-client-'));
    taskRoot = writeTree(path.join(dir, 'task'), TASK_FILES);
    js = runtimeClientInJavaScript(major as 22 | 24);
    if (nativeReady(String(major), js.node)) native = runtimeClient(major as 22 | 24);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs aws-lambda-ric itself, with the JS client loaded in place of the native one', () => {
    assert.equal(js.native, false);
    assert.equal(js.args[0], '--import');
    assert.match(js.args[1] ?? '', /\/test\/runtimes\/js-client\/register\.mjs$/);
    assert.match(js.args.at(-1) ?? '', /(bootstrap\.mjs|aws-lambda-ric\/index\.mjs)$/);
  });

  for (const one of CASES) {
    it(`${one.name}: a poll, then the result, per invocation, in order`, async () => {
      const wire = await wireOf(js, taskRoot, one);
      const expected = one.invocations.flatMap((invocation) => [
        'GET /2018-06-01/runtime/invocation/next',
        `POST /2018-06-01/runtime/invocation/${encodeURIComponent(invocation.requestId)}/${one.handler === 'app.ok' ? 'response' : 'error'}`,
      ]);
      assert.deepEqual(wire.log.slice(0, expected.length), expected);
      for (const [i, result] of wire.results.entries()) {
        const invocation = one.invocations[i]!;
        assert.equal(result.headers['content-type'], 'application/json');
        const body = JSON.parse(result.body.toString('utf8'));
        if (one.handler === 'app.ok') {
          assert.equal(result.kind, 'response');
          assert.deepEqual(body.event, invocation.event);
          assert.equal(body.requestId, invocation.requestId);
          assert.equal(body.deadline, true);
          assert.equal(body.traceHeader, invocation.traceHeader ?? null);
        } else {
          assert.equal(result.kind, 'error');
          assert.equal(body.errorType, 'TypeError');
          assert.equal(body.errorMessage, `no stock for ${(invocation.event as { item: string }).item}`);
          const cause = JSON.parse(String(result.headers['lambda-runtime-function-xray-error-cause']));
          assert.equal(cause.exceptions[0].type, 'TypeError');
        }
      }
    });

    it(`${one.name}: the same wire as the native client (where it is built)`, async (t) => {
      if (!native) {
        t.skip('the native client is not built here; npm test reports its suite as not run');
        return;
      }
      const fromJs = await wireOf(js, taskRoot, one);
      const fromNative = await wireOf(native, taskRoot, one);
      const requests = one.invocations.length * 2;
      assert.deepEqual(fromJs.log.slice(0, requests), fromNative.log.slice(0, requests));
      assert.deepEqual(fromJs.results.map(essentials), fromNative.results.map(essentials));
    });
  }
});
