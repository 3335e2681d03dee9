// Differential: every real event sample (test/fixtures/events/real, sources in its SOURCE.md) through
// both `datadog(handler)`s, this package's and datadog-lambda-js's, in one process over the same real
// dd-trace, exporting to a loopback agent stand-in; merging off and on. The `aws.lambda` spans on the
// wire must agree on trace id, parent id, sampling priority and `_dd.p.tid`, except where
// peer-differences.ts lists a peer bug or a deliberate choice. A span without a parent (a new root) has
// a random trace id: two roots agree when both are roots with the same priority.
//
// Both run without inferred spans for that comparison (datadog-lambda-js's inferred trigger spans,
// issue 22 here, would parent its aws.lambda span with a random id). Then, with them on, the one
// inferred span this package makes, a traced authorizer's, is compared with datadog-lambda-js's.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type { AgentStandIn, WireSpan } from '../helpers/agent.ts';
import { lambdaContext, lambdaProcess } from '../helpers/lambda-env.ts';
import { realFixture } from './fixtures.ts';
import { type Field, KNOWN_DIFFERENCES, type KnownDifference } from './peer-differences.ts';

const HEADER = 'Root=1-5e272390-8c398be037738dc042009320;Parent=94ae789b969f1cc5;Sampled=1';
const REAL = new URL('../fixtures/events/real/', import.meta.url);

/** Every sample, as a path under test/fixtures/events/real without `.json`. */
function sampleNames(): string[] {
  const names: string[] = [];
  for (const entry of readdirSync(REAL, { withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.json')) names.push(entry.name.slice(0, -5));
    if (entry.isDirectory())
      for (const file of readdirSync(new URL(`${entry.name}/`, REAL)))
        if (file.endsWith('.json')) names.push(`${entry.name}/${file.slice(0, -5)}`);
  }
  return names.sort();
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

let agent: AgentStandIn;
let ours: typeof import('../../src/index.ts');
let peer: { datadog: (handler: Handler, config: Record<string, unknown>) => Handler };

before(async () => {
  agent = await lambdaProcess({
    // datadog-lambda-js: no metrics, cold-start spans or console patching in this process.
    DD_ENHANCED_METRICS: 'false',
    DD_FLUSH_TO_LOG: 'true',
    DD_COLD_START_TRACING: 'false',
    DD_LOGS_INJECTION: 'false',
    DD_LOG_LEVEL: 'error',
  });
  ours = await import('../../src/index.ts');
  peer = createRequire(import.meta.url)('datadog-lambda-js');
});
after(async () => {
  await agent.close();
});

/** What the two spans are compared on; a root's trace id is random, so it is 'root'. */
interface Seen {
  readonly trace: string;
  readonly parent: string;
  readonly priority: string;
  readonly tid: string;
}

function seen(span: WireSpan): Seen {
  const root = span.parent_id === 0n;
  return {
    trace: root ? 'root' : String(span.trace_id),
    parent: String(span.parent_id),
    priority: String(span.metrics._sampling_priority_v1),
    // A root's _dd.p.tid holds its start second: two roots a second apart differ.
    tid: root ? 'root' : String(span.meta['_dd.p.tid']),
  };
}

function spanOf(requestId: string): WireSpan | undefined {
  return agent.traces.flat().find((s) => s.name === 'aws.lambda' && s.meta.request_id === requestId);
}

const handler = async () => ({ statusCode: 200, body: 'ok' });
let sentinel: Handler | undefined;

/**
 * One invocation of each library on its own copy of the event (datadog-lambda-js changes AppSync
 * events), the X-Ray header where each reads it (the context, and the environment variable
 * datadog-lambda-js reads). Then a sentinel invocation: once its span has arrived, spans finished
 * before it have been exported too, so a span that is missing is missing (no timed wait).
 */
async function invokeBoth(name: string, mine: Handler, theirs: Handler) {
  sentinel ??= ours.withXRayMerge(handler, { xrayMetadata: false });
  const run = async (fn: Handler) => {
    process.env._X_AMZN_TRACE_ID = HEADER;
    const context = lambdaContext({ xRayTraceId: HEADER });
    const result = await fn(realFixture(name), context);
    assert.deepEqual(result, { statusCode: 200, body: 'ok' }, 'the handler result passes through');
    return context.awsRequestId;
  };
  const ourId = await run(mine);
  const peerId = await run(theirs);
  const marker = lambdaContext();
  await sentinel({}, marker);
  await agent.waitForSpans(1, 'aws.lambda', (s) => s.meta.request_id === marker.awsRequestId);
  await agent.waitForSpans(1, 'aws.lambda', (s) => s.meta.request_id === ourId);
  return { mine: spanOf(ourId), theirs: spanOf(peerId) };
}

/** The entries some run needed: an entry no run needs is stale. */
const used = new Set<KnownDifference>();

function expectedFields(name: string, merge: boolean, mine: WireSpan): Field[] {
  const fields = new Set<Field>();
  for (const d of KNOWN_DIFFERENCES) {
    if (d.merge !== 'both' && d.merge !== (merge ? 'on' : 'off')) continue;
    if (!d.samples.test(name)) continue;
    if (d.parentSource !== undefined && mine.meta['_dd.parent_source'] !== d.parentSource) continue;
    used.add(d);
    for (const f of d.fields) fields.add(f);
  }
  // No span on one side: nothing else can be compared.
  return fields.has('span') ? ['span'] : [...fields].sort();
}

const names = sampleNames();

for (const merge of [false, true]) {
  describe(`the same aws.lambda parent as datadog-lambda-js, DD_MERGE_XRAY_TRACES ${merge ? 'on' : 'off'}`, () => {
    let mine: Handler;
    let theirs: Handler;
    before(() => {
      // Both without inferred spans: datadog-lambda-js's would parent aws.lambda on random ids.
      mine = ours.withXRayMerge(handler, {
        mergeXrayTraces: merge,
        xrayMetadata: false,
        traceManagedServices: false,
      });
      theirs = peer.datadog(handler, { mergeDatadogXrayTraces: merge, createInferredSpan: false });
    });

    it(`covers the real samples (${names.length})`, () => {
      assert.ok(names.length >= 175, `${names.length} samples`);
    });

    for (const name of names) {
      it(name, async () => {
        const spans = await invokeBoth(name, mine, theirs);
        assert.ok(spans.mine, 'this package always makes the span');
        const differing: Field[] = [];
        if (!spans.theirs) differing.push('span');
        else {
          const a = seen(spans.mine);
          const b = seen(spans.theirs);
          for (const field of ['parent', 'priority', 'tid', 'trace'] as const)
            if (a[field] !== b[field]) differing.push(field);
          if (differing.length > 0) differing.sort();
          assert.deepEqual(
            differing,
            expectedFields(name, merge, spans.mine),
            `ours ${JSON.stringify(a)} datadog-lambda-js ${JSON.stringify(b)}`,
          );
          return;
        }
        assert.deepEqual(differing, expectedFields(name, merge, spans.mine));
      });
    }
  });
}

describe('the aws.apigateway.authorizer span, DD_TRACE_MANAGED_SERVICES on in both', () => {
  /** The spans of one invocation, by name. */
  function spansOf(requestId: string): Map<string, WireSpan> {
    const found = agent.traces.flat().filter((s) => s.meta.request_id === requestId);
    return new Map(found.map((s) => [s.name, s]));
  }
  async function run(fn: Handler, name: string): Promise<Map<string, WireSpan>> {
    process.env._X_AMZN_TRACE_ID = HEADER;
    const context = lambdaContext({ xRayTraceId: HEADER });
    await fn(realFixture(name), context);
    await agent.waitForSpans(1, 'aws.lambda', (s) => s.meta.request_id === context.awsRequestId);
    return spansOf(context.awsRequestId);
  }

  // Fresh authorizer results of REST and WebSocket APIs: datadog-lambda-js makes the span there.
  const fresh = [
    'api-gateway-traced-authorizer-request-v1',
    'api-gateway-traced-authorizer-token-v1',
    'api-gateway-traced-authorizer-request-websocket-connect',
    'datadog-lambda-python/authorizer-request-api-gateway-v1',
  ];
  for (const name of fresh) {
    it(`${name}: the same span, under the authorizer's context; aws.lambda under it`, async () => {
      const mine = await run(
        ours.withXRayMerge(handler, { mergeXrayTraces: true, xrayMetadata: false }),
        name,
      );
      const theirs = await run(peer.datadog(handler, { mergeDatadogXrayTraces: true }), name);
      const a = mine.get('aws.apigateway.authorizer');
      const b = theirs.get('aws.apigateway.authorizer');
      assert.ok(a && b, 'both made the span');
      for (const field of [
        'service',
        'resource',
        'type',
        'trace_id',
        'parent_id',
        'start',
        'duration',
      ] as const)
        assert.equal(a[field], b[field], field);
      assert.equal(a.metrics._sampling_priority_v1, b.metrics._sampling_priority_v1);
      // Ours hangs aws.lambda on it; datadog-lambda-js puts its aws.apigateway span between (issue 22).
      assert.equal(mine.get('aws.lambda')?.parent_id, a.span_id);
      assert.equal(theirs.get('aws.apigateway')?.parent_id, b.span_id);
    });
  }

  const none: Array<[string, string, Record<string, unknown>]> = [
    ['cached result', 'api-gateway-traced-authorizer-request-v1-cached', {}],
    ['HTTP API (no latency to end it with)', 'api-gateway-traced-authorizer-request-v2', {}],
    [
      'DD_TRACE_MANAGED_SERVICES=false',
      'api-gateway-traced-authorizer-request-v1',
      { traceManagedServices: false },
    ],
    [
      'DD_DECODE_AUTHORIZER_CONTEXT=false',
      'api-gateway-traced-authorizer-request-v1',
      { decodeAuthorizerContext: false },
    ],
  ];
  for (const [label, name, options] of none) {
    it(`no authorizer span: ${label}`, async () => {
      const mine = await run(
        ours.withXRayMerge(handler, { mergeXrayTraces: true, xrayMetadata: false, ...options }),
        name,
      );
      assert.deepEqual([...mine.keys()], ['aws.lambda']);
    });
  }
});

describe('DD_DECODE_AUTHORIZER_CONTEXT=false in both: the request headers decide', () => {
  const authorizers = sampleNames().filter((n) => /authorizer/.test(n));
  for (const name of authorizers) {
    it(name, async () => {
      const mine = ours.withXRayMerge(handler, {
        mergeXrayTraces: true,
        xrayMetadata: false,
        decodeAuthorizerContext: false,
      });
      const theirs = peer.datadog(handler, {
        mergeDatadogXrayTraces: true,
        createInferredSpan: false,
        decodeAuthorizerContext: false,
      });
      const spans = await invokeBoth(name, mine, theirs);
      assert.ok(spans.mine && spans.theirs);
      // No authorizer context: the X-Ray header parents both (its priority is the listed peer bug).
      assert.equal(spans.mine.parent_id, spans.theirs.parent_id);
      assert.equal(spans.mine.trace_id, spans.theirs.trace_id);
      assert.equal(spans.mine.meta['_dd.parent_source'], 'xray');
    });
  }
});

describe('the known differences', () => {
  it('each applies to some sample, and says whether it is a peer bug or deliberate, and why', () => {
    for (const d of KNOWN_DIFFERENCES) {
      assert.ok(used.has(d), `no sample needs: ${d.reason}`);
      assert.ok(d.reason.length > 40, d.reason);
      assert.ok(d.fields.length > 0);
    }
  });
});
