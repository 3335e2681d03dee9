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
import { lambdaContext, lambdaProcessWithPeer } from '../helpers/lambda-env.ts';
import { realFixture } from './fixtures.ts';
import {
  type Field,
  KNOWN_DIFFERENCES,
  KNOWN_INFERRED_DIFFERENCES,
  type KnownDifference,
  type KnownInferredDifference,
  OUR_EXTRA_INFERRED_TAGS,
} from './peer-differences.ts';

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
  agent = await lambdaProcessWithPeer();
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
      // Both put the aws.apigateway span between it and aws.lambda.
      assert.equal(mine.get('aws.apigateway')?.parent_id, a.span_id);
      assert.equal(theirs.get('aws.apigateway')?.parent_id, b.span_id);
      assert.equal(mine.get('aws.lambda')?.parent_id, mine.get('aws.apigateway')?.span_id);
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
      assert.ok(!mine.has('aws.apigateway.authorizer'), [...mine.keys()].join());
      if (options.traceManagedServices === false) assert.deepEqual([...mine.keys()], ['aws.lambda']);
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
        traceManagedServices: false,
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

// Inferred spans: DD_TRACE_MANAGED_SERVICES on in both, every sample, merging off and on. Each side's
// spans of one invocation (all carry its request_id) other than aws.lambda are compared: name,
// service, resource, type, where each hangs (the event's parent, another inferred span by name, or a
// root), the tags datadog-lambda-js sets, the span pointers (S3, DynamoDB streams), start within 1 ms, and the end: within 1 ms when the event
// gives it, else at aws.lambda's start (asynchronous triggers) or after its end (synchronous ones).
describe('the inferred spans, DD_TRACE_MANAGED_SERVICES on in both', () => {
  /** Tags that differ per invocation or per library by nature, not by inference. */
  const VOLATILE =
    /^(_dd\.|_sampling_priority_v1$|runtime-id$|process_id$|language$|request_id$|error\.stack$)/;

  interface Shape {
    readonly service: string;
    readonly resource: string;
    readonly type: string | undefined;
    readonly under: string;
    readonly error: number;
    readonly start: number;
    readonly end: number;
    readonly startFromLambda: number;
    readonly endFromLambda: number;
    readonly tags: Record<string, string | number>;
    /** Span pointers (`ptr.*` of its span links), sorted. */
    readonly pointers: string;
  }

  function pointersOf(span: WireSpan): string {
    const links = span.meta['_dd.span_links'];
    if (!links) return '';
    const parsed = JSON.parse(links) as Array<{ attributes?: Record<string, string> }>;
    return parsed
      .map((l) => l.attributes ?? {})
      .filter((a) => a['link.kind'] === 'span-pointer')
      .map((a) => `${a['ptr.kind']} ${a['ptr.dir']} ${a['ptr.hash']}`)
      .sort()
      .join(',');
  }

  function shapes(spans: WireSpan[]): Map<string, Shape> {
    const lambda = spans.find((s) => s.name === 'aws.lambda');
    if (!lambda) return new Map();
    const byId = new Map(spans.map((s) => [s.span_id, s.name]));
    const out = new Map<string, Shape>();
    for (const s of spans) {
      if (s.name === 'aws.lambda') continue;
      const end = Number(s.start + s.duration) / 1e6;
      const synchronous = s.meta['_inferred_span.synchronicity'] === 'sync';
      const lambdaPoint = Number(synchronous ? lambda.start + lambda.duration : lambda.start) / 1e6;
      const tags: Record<string, string | number> = {};
      for (const [k, v] of Object.entries({ ...s.meta, ...s.metrics }))
        if (!VOLATILE.test(k)) tags[k] = v as string | number;
      out.set(s.name, {
        service: s.service,
        resource: s.resource,
        type: s.type,
        under: s.parent_id === 0n ? 'root' : (byId.get(s.parent_id) ?? `context ${s.parent_id}`),
        error: s.error,
        start: Number(s.start) / 1e6,
        end,
        startFromLambda: Number(s.start - lambda.start) / 1e6,
        endFromLambda: end - lambdaPoint,
        tags,
        pointers: pointersOf(s),
      });
    }
    const lambdaParent = lambda.parent_id === 0n ? 'root' : (byId.get(lambda.parent_id) ?? 'context');
    out.set('aws.lambda', { under: lambdaParent, pointers: pointersOf(lambda) } as Shape);
    return out;
  }

  let ourHandler: Handler | undefined;
  async function runOne(fn: Handler, name: string): Promise<WireSpan[]> {
    process.env._X_AMZN_TRACE_ID = HEADER;
    const context = lambdaContext({ xRayTraceId: HEADER });
    await fn(realFixture(name), context);
    sentinel ??= ours.withXRayMerge(handler, { xrayMetadata: false });
    const marker = lambdaContext();
    await sentinel({}, marker);
    await agent.waitForSpans(1, 'aws.lambda', (s) => s.meta.request_id === marker.awsRequestId);
    // datadog-lambda-js makes no span at all for some events (a listed peer bug): wait for ours only.
    if (fn === ourHandler)
      await agent.waitForSpans(1, 'aws.lambda', (s) => s.meta.request_id === context.awsRequestId);
    return agent.traces.flat().filter((s) => s.meta.request_id === context.awsRequestId);
  }

  const usedInferred = new Set<KnownInferredDifference>();
  let inferredSeen = 0;
  let pointersSeen = 0;

  for (const merge of [false, true]) {
    describe(`DD_MERGE_XRAY_TRACES ${merge ? 'on' : 'off'}`, () => {
      const mine = () => ours.withXRayMerge(handler, { mergeXrayTraces: merge, xrayMetadata: false });
      const theirs = () => peer.datadog(handler, { mergeDatadogXrayTraces: merge });
      let a: Handler;
      let b: Handler;
      before(() => {
        a = mine();
        b = theirs();
        ourHandler = a;
      });
      for (const name of names) {
        it(name, async () => {
          const ourSpans = shapes(await runOne(a, name));
          const peerSpans = shapes(await runOne(b, name));
          const allowed = KNOWN_INFERRED_DIFFERENCES.filter((d) => d.samples.test(name));
          const differing: string[] = [];
          const spanNames = new Set([...ourSpans.keys(), ...peerSpans.keys()]);
          for (const span of [...spanNames].sort()) {
            const x = ourSpans.get(span);
            const y = peerSpans.get(span);
            if (!x || !y) {
              differing.push(`${span}:span`);
              continue;
            }
            if (x.under !== y.under) differing.push(`${span}:under`);
            if (x.pointers !== y.pointers) differing.push(`${span}:pointers`);
            if (x.pointers) pointersSeen += 1;
            if (span === 'aws.lambda') continue;
            inferredSeen += 1;
            for (const field of ['service', 'resource', 'type', 'error'] as const)
              if (x[field] !== y[field]) differing.push(`${span}:${field}`);
            // Times from the event agree absolutely; times taken at run time (the end of a trigger's
            // span, a start dd-trace takes as "now" for an event time of 0) agree relative to aws.lambda.
            const near = (a: number, b: number) => Math.abs(a - b) <= 1;
            // A start taken as "now" (the event carries no time) is each library's own moment
            // before aws.lambda starts: how long before depends on its own speed (the peer's took
            // 2 ms once under load), so both just before aws.lambda agree.
            const nowBeforeLambda = (e: number) => e <= 0 && e >= -10;
            if (
              !near(x.start, y.start) &&
              !near(x.startFromLambda, y.startFromLambda) &&
              !(nowBeforeLambda(x.startFromLambda) && nowBeforeLambda(y.startFromLambda))
            )
              differing.push(`${span}:start`);
            // An end from the event (an authorizer's, an upstream's) agrees absolutely; a trigger's
            // span ends where aws.lambda starts (asynchronous) or once it has ended (synchronous).
            const sync = x.tags['_inferred_span.synchronicity'] === 'sync';
            const endsRight = (e: number) => (sync ? e >= -1 : Math.abs(e) <= 1);
            if (!near(x.end, y.end) && !(endsRight(x.endFromLambda) && endsRight(y.endFromLambda)))
              differing.push(`${span}:end`);
            for (const key of new Set([...Object.keys(x.tags), ...Object.keys(y.tags)])) {
              if (!(key in y.tags) && key in OUR_EXTRA_INFERRED_TAGS) continue;
              if (x.tags[key] !== y.tags[key]) differing.push(`${span}:${key}`);
            }
          }
          const expected = new Set<string>();
          for (const d of allowed) {
            usedInferred.add(d);
            for (const f of d.fields) expected.add(`${d.span}:${f}`);
          }
          const unexpected = differing.filter(
            (f) => !expected.has(f) && !expected.has(`*:${f.split(':')[1]}`),
          );
          assert.deepEqual(
            unexpected,
            [],
            `ours ${JSON.stringify(Object.fromEntries(ourSpans))}\ndatadog-lambda-js ${JSON.stringify(Object.fromEntries(peerSpans))}`,
          );
        });
      }
    });
  }

  it('compared inferred spans, and every listed difference applies to some sample', () => {
    assert.ok(inferredSeen >= 150, `${inferredSeen} inferred spans compared`);
    assert.ok(pointersSeen >= 10, `${pointersSeen} spans with span pointers compared`);
    for (const d of KNOWN_INFERRED_DIFFERENCES) {
      assert.ok(usedInferred.has(d), `no sample needs: ${d.reason}`);
      assert.ok(d.reason.length > 40, d.reason);
    }
  });
});
