// The layer end to end under the real Lambda runtime interface client: the runtime of the test
// runner's Node major (nodejs22.x: aws-lambda-ric 3.x on Node 22; nodejs24.x: 4.x on Node 24; `npm
// test` runs this file on both), the built layer unpacked into an /opt-like directory, the user's
// code in a task root, a loopback Runtime API serving invocations with their own
// Lambda-Runtime-Trace-Id, and a loopback agent decoding the spans dd-trace sends.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type AgentStandIn, startAgent, type WireSpan } from '../helpers/agent.ts';
import type { InvocationRequest, InvocationResult } from '../helpers/runtime-api.ts';
import {
  type RuntimeClient,
  type RuntimeProcess,
  runtimeClient,
  startRuntime,
  traceHeader,
  unpackLayer,
  type WayIn,
  writeTree,
} from './harness.ts';

const major = Number(process.versions.node.split('.')[0]);
const supported = major === 22 || major === 24;

// The user's code: what it answers depends only on the invocation, so a run with the layer must
// give the same bytes as a run without it.
const answer = `({
    module: MODULE,
    loadedAs: typeof require === 'function' ? 'commonjs' : 'esm',
    requestId: context.awsRequestId,
    arn: context.invokedFunctionArn,
    event,
    traceHeaderSeen: context.xRayTraceId ?? process.env._X_AMZN_TRACE_ID ?? null,
  })`;
const TASK_FILES = {
  'package.json': '{ "type": "module" }',
  // ESM by the root package.json; a nested export path in a sub-directory.
  'esm/app.js': `const MODULE = 'esm';\nexport const handlers = { main: async (event, context) => ${answer} };\n`,
  // CommonJS by the nearest package.json.
  'cjs/package.json': '{ "type": "commonjs" }',
  'cjs/index.js': `const MODULE = 'cjs';\nexports.handler = async (event, context) => ${answer};\n`,
  // ESM with top-level await: only an entry that can wait loads it.
  'tla/app.mjs': `const MODULE = 'tla';\nawait new Promise((resolve) => setImmediate(resolve));\nexport const handler = async (event, context) => ${answer};\n`,
  // A .js file without a package type, written as ESM: Node's syntax detection makes it ESM.
  'typeless/package.json': '{ "name": "typeless" }',
  'typeless/app.js': `const MODULE = 'typeless';\nexport const handler = async (event, context) => ${answer};\n`,
  // Response streaming: the runtime must still see the streaming marker through the layer.
  'stream/app.mjs': `export const handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  responseStream.setContentType('text/plain');
  responseStream.write('request ' + context.awsRequestId + '\\n');
  await new Promise((resolve) => setImmediate(resolve));
  responseStream.end('order ' + event.order + '\\n');
});\n`,
  // Waits at a loopback barrier until every invocation of the batch is inside the handler.
  'overlap/app.mjs': `export const handler = async (event, context) => {
  const res = await fetch(process.env.BARRIER_URL + '/' + context.awsRequestId);
  await res.text();
  return { requestId: context.awsRequestId, envTraceHeader: process.env._X_AMZN_TRACE_ID ?? null, event };
};\n`,
};
const HANDLERS = {
  esm: 'esm/app.handlers.main',
  cjs: 'cjs/index.handler',
  tla: 'tla/app.handler',
  typeless: 'typeless/app.handler',
} as const;

interface Planned extends InvocationRequest {
  traceId: bigint;
  parentId: bigint;
}

/** The invocations every run serves: the same ids and headers, so responses can be compared byte for byte. */
function plan(count: number, prefix: string): Planned[] {
  return Array.from({ length: count }, (_, i) => {
    const { header, traceId, parentId } = traceHeader();
    return {
      requestId: `${prefix}-${i}-0c1d2e3f`,
      event: { order: i, items: ['a', 'b'], note: 'ünïcode ✓' },
      traceHeader: header,
      traceId,
      parentId,
    };
  });
}

let dir: string;
let client: RuntimeClient;
let opt: string;
let taskRoot: string;
const running = new Set<RuntimeProcess>();

async function run(
  handler: string,
  way: WayIn,
  invocations: Planned[],
  options: { agent?: AgentStandIn; env?: Record<string, string>; together?: boolean } = {},
): Promise<{ results: InvocationResult[]; runtime: RuntimeProcess }> {
  const runtime = await startRuntime({
    client,
    taskRoot,
    handler,
    way,
    opt,
    ...(options.agent ? { agentUrl: options.agent.url } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  running.add(runtime);
  try {
    let results: InvocationResult[];
    if (options.together) {
      results = await Promise.all(invocations.map((i) => runtime.api.invoke(i)));
    } else {
      results = [];
      for (const invocation of invocations) results.push(await runtime.api.invoke(invocation));
    }
    return { results, runtime };
  } catch (error) {
    await runtime.stop();
    running.delete(runtime);
    throw error;
  }
}

async function stop(runtime: RuntimeProcess): Promise<void> {
  await runtime.stop();
  running.delete(runtime);
}

/** The aws.lambda span of each request id, once all of them reached the agent. */
async function lambdaSpans(agent: AgentStandIn, invocations: Planned[]): Promise<Map<string, WireSpan>> {
  const spans = await agent.waitForSpans(invocations.length, 'aws.lambda');
  const byRequest = new Map<string, WireSpan>();
  for (const span of spans) {
    const id = span.meta.request_id ?? '';
    assert.ok(!byRequest.has(id), `one aws.lambda span per invocation (${id} twice)`);
    byRequest.set(id, span);
  }
  return byRequest;
}

function assertParentedOnOwnHeader(byRequest: Map<string, WireSpan>, invocations: Planned[]): void {
  for (const invocation of invocations) {
    const span = byRequest.get(invocation.requestId);
    assert.ok(span, `an aws.lambda span for ${invocation.requestId}`);
    assert.equal(span.trace_id, invocation.traceId, `${invocation.requestId}: trace id from its own Root`);
    assert.equal(span.parent_id, invocation.parentId, `${invocation.requestId}: parent from its own Parent`);
    assert.equal(span.meta['_dd.parent_source'], 'xray');
    assert.equal(span.metrics._sampling_priority_v1, 2, 'Sampled=1 keeps the trace');
  }
}

describe(`the layer under aws-lambda-ric on Node ${major}`, {
  skip: !supported && 'Node 22 or 24 only',
}, () => {
  before(() => {
    client = runtimeClient(major as 22 | 24);
    dir = mkdtempSync(path.join(os.tmpdir(), 'xddm-layer-e2e-'));
    ({ opt } = unpackLayer(dir));
    taskRoot = writeTree(path.join(dir, 'task'), TASK_FILES);
  });
  after(async () => {
    for (const runtime of running) await runtime.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const kind of ['esm', 'cjs', 'tla', 'typeless'] as const) {
    describe(`${kind} handler (${HANDLERS[kind]})`, () => {
      const invocations = plan(3, `req-${kind}`);
      let baseline: InvocationResult[];

      before(async () => {
        const { results, runtime } = await run(HANDLERS[kind], 'no-layer', invocations);
        await stop(runtime);
        baseline = results;
        for (const result of baseline) assert.equal(result.kind, 'response', result.body.toString());
        const first = JSON.parse(baseline[0]?.body.toString() ?? '{}');
        assert.equal(first.module, kind);
        assert.equal(first.loadedAs, kind === 'cjs' ? 'commonjs' : 'esm');
        assert.equal(first.traceHeaderSeen, invocations[0]?.traceHeader);
      });

      for (const way of ['redirect', 'exec-wrapper'] as const) {
        it(`${way}: each aws.lambda span is parented on its own trace header; responses are byte-identical`, async () => {
          const agent = await startAgent();
          try {
            const { results, runtime } = await run(HANDLERS[kind], way, invocations, { agent });
            const byRequest = await lambdaSpans(agent, invocations);
            await stop(runtime);
            results.forEach((result, i) => {
              assert.equal(result.kind, 'response');
              assert.equal(result.requestId, invocations[i]?.requestId);
              assert.ok(
                result.body.equals(baseline[i]?.body ?? Buffer.alloc(0)),
                `response ${i} differs from the run without the layer:\n${result.body}\n${baseline[i]?.body}`,
              );
            });
            assertParentedOnOwnHeader(byRequest, invocations);
          } finally {
            await agent.close();
          }
        });
      }
    });
  }

  describe('response streaming handler (stream/app.handler)', () => {
    it('redirect: streamed bytes identical to the run without the layer; span parented on its header', async () => {
      const invocations = plan(2, 'req-stream');
      const bare = await run('stream/app.handler', 'no-layer', invocations);
      await stop(bare.runtime);
      const agent = await startAgent();
      try {
        const { results, runtime } = await run('stream/app.handler', 'redirect', invocations, { agent });
        const byRequest = await lambdaSpans(agent, invocations);
        await stop(runtime);
        for (const [i, result] of results.entries()) {
          const expected = bare.results[i]!;
          assert.equal(expected.headers['lambda-runtime-function-response-mode'], 'streaming');
          assert.equal(result.headers['lambda-runtime-function-response-mode'], 'streaming');
          assert.equal(result.headers['content-type'], 'text/plain');
          assert.equal(result.kind, 'response');
          assert.equal(result.body.toString(), `request ${invocations[i]?.requestId}\norder ${i}\n`);
          assert.ok(result.body.equals(expected.body));
        }
        assertParentedOnOwnHeader(byRequest, invocations);
      } finally {
        await agent.close();
      }
    });
  });

  describe('a handler that cannot be loaded fails init with the error type the runtime gives without the layer', () => {
    const cases = [
      {
        way: 'redirect',
        handler: 'missing/app.handler',
        type: 'Runtime.ImportModuleError',
        path: 'missing/app.mjs',
      },
      { way: 'exec-wrapper', handler: 'esm/app.nope', type: 'Runtime.HandlerNotFound', path: 'esm/app.js' },
    ] as const;
    for (const c of cases) {
      it(`${c.way}: ${c.handler} -> ${c.type}`, async () => {
        const outcomes = [];
        for (const way of ['no-layer', c.way] as const) {
          const runtime = await startRuntime({ client, taskRoot, handler: c.handler, way, opt });
          running.add(runtime);
          const failure = await runtime.api.initError;
          await stop(runtime);
          outcomes.push({ errorType: failure.errorType, body: JSON.parse(failure.body.toString()) });
        }
        const [bare, layered] = outcomes;
        assert.equal(bare?.errorType, c.type);
        assert.equal(layered?.errorType, c.type);
        assert.equal(layered?.body.errorType, c.type);
        assert.ok(
          String(layered?.body.errorMessage).includes(path.join(taskRoot, c.path)),
          `the message names the path tried: ${layered?.body.errorMessage}`,
        );
      });
    }
  });

  describe('overlapping invocations in one process', {
    skip: major !== 24 && 'multi-concurrency is the 4.x client',
  }, () => {
    it('AWS_LAMBDA_MAX_CONCURRENCY=4: no span gets another invocation’s parent', async () => {
      const invocations = plan(4, 'req-overlap');
      const seen: Array<{ url: string; traceId: string | undefined }> = [];
      const waiting: http.ServerResponse[] = [];
      // Answers nobody until all four invocations are inside the handler at once.
      const barrier = http.createServer((req, res) => {
        seen.push({ url: req.url ?? '', traceId: req.headers['x-datadog-trace-id'] as string | undefined });
        waiting.push(res);
        if (waiting.length === invocations.length) for (const r of waiting) r.end('go');
      });
      await new Promise<void>((resolve) => barrier.listen(0, '127.0.0.1', resolve));
      const agent = await startAgent();
      try {
        const { results, runtime } = await run('overlap/app.handler', 'exec-wrapper', invocations, {
          agent,
          together: true,
          env: {
            AWS_LAMBDA_MAX_CONCURRENCY: '4',
            AWS_LAMBDA_NODEJS_WORKER_COUNT: '2',
            BARRIER_URL: `http://127.0.0.1:${(barrier.address() as AddressInfo).port}`,
          },
        });
        const byRequest = await lambdaSpans(agent, invocations);
        await stop(runtime);

        assert.equal(seen.length, invocations.length, 'all four were in flight together');
        for (const [i, result] of results.entries()) {
          assert.equal(result.kind, 'response', result.body.toString());
          const body = JSON.parse(result.body.toString());
          assert.equal(body.requestId, invocations[i]?.requestId);
          assert.equal(body.envTraceHeader, null, 'the 4.x client sets no _X_AMZN_TRACE_ID here');
        }
        assertParentedOnOwnHeader(byRequest, invocations);

        const traceOf = new Map(invocations.map((i) => [i.requestId, i.traceId]));
        // The outgoing call of each invocation carried that invocation's trace.
        for (const { url, traceId } of seen) {
          const requestId = url.slice(1);
          assert.equal(traceId, String(traceOf.get(requestId)), `the call made by ${requestId}`);
        }
        // Every span the agent got sits in the trace of the invocation it belongs to, under its aws.lambda span.
        const calls = agent.traces.flat().filter((s) => s.name !== 'aws.lambda');
        assert.ok(calls.length >= invocations.length, `a client span per outgoing call (${calls.length})`);
        for (const span of calls) {
          const url = span.meta['http.url'] ?? '';
          const owner = invocations.find((i) => url.endsWith(`/${i.requestId}`));
          assert.ok(owner, `span ${span.name} (${url}) belongs to an invocation`);
          const root = byRequest.get(owner.requestId);
          assert.equal(span.trace_id, owner.traceId, `${span.name} of ${owner.requestId} is in its trace`);
          assert.equal(
            span.parent_id,
            root?.span_id,
            `${span.name} of ${owner.requestId} is under its aws.lambda span`,
          );
        }
      } finally {
        await agent.close();
        barrier.closeAllConnections();
        barrier.close();
      }
    });
  });
});
