// The hybrid join: an X-Ray invocation that reported an upstream Datadog context in its
// `datadog-metadata` subsegment joins that Datadog trace (README: "The hybrid join").
//
// The X-Ray trace is test/fixtures/segments/checkout-trace.json (API Gateway -> Lambda service ->
// function segment 94ae789b969f1cc5 -> DynamoDB, S3); the metadata subsegments are written the way
// each producer writes them (this package and datadog-lambda-python: decimal strings, python's
// "None" priority; datadog-lambda-js: `sampling-priority` a JSON number; see their xray sources).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { convertDocuments, type XRayTrace } from '../../src/merge/convert.ts';
import { readDatadogMetadata } from '../../src/merge/datadog-metadata.ts';
import { tagEnvironment } from '../../src/merge/environment.ts';
import { DATADOG_PARENT_TAG, joinHybrid, XRAY_PARENT_TAG } from '../../src/merge/hybrid-join.ts';
import { joinSpans } from '../../src/merge/join.ts';
import { type DatadogSpan, ORIGIN_TAG, spanOrigin } from '../../src/merge/span.ts';
import type { TraceIdMode } from '../../src/xray/ids.ts';
import { ancestry } from '../helpers/span-tree.ts';

const checkout = JSON.parse(
  readFileSync(new URL('../fixtures/segments/checkout-trace.json', import.meta.url), 'utf8'),
) as { Traces: XRayTrace[] };
const XRAY_TRACE = '1-5e272390-8c398be037738dc042009320';
const FUNCTION_SEGMENT = '94ae789b969f1cc5';
const FUNCTION_SPAN = BigInt(`0x${FUNCTION_SEGMENT}`).toString();
const UPSTREAM_TRACE = '1311979541735842151';
const UPSTREAM_PARENT = '8812930582129472881';
const UPSTREAM_TID = '6750a3c400000000';

/** The checkout trace's documents, parsed, with the function segment given `extra` subsegments. */
function checkoutDocuments(...extra: object[]): Array<Record<string, unknown>> {
  return (checkout.Traces[0]?.Segments ?? []).map((segment) => {
    const document = JSON.parse(segment.Document as string) as Record<string, unknown>;
    if (document.id === FUNCTION_SEGMENT) {
      document.subsegments = [...((document.subsegments as object[]) ?? []), ...extra];
    }
    return document;
  });
}

function metadata(trace: unknown, id = 'c0ffee0000000001', parent?: string): Record<string, unknown> {
  return {
    id,
    name: 'datadog-metadata',
    start_time: 1579584425.07,
    end_time: 1579584425.07,
    ...(parent !== undefined ? { type: 'subsegment', trace_id: XRAY_TRACE, parent_id: parent } : {}),
    metadata: { datadog: { trace } },
  };
}

const ours = { 'trace-id': UPSTREAM_TRACE, 'parent-id': UPSTREAM_PARENT, 'sampling-priority': '1' };

function span(fields: Partial<DatadogSpan> & Pick<DatadogSpan, 'span_id' | 'name'>): DatadogSpan {
  return {
    trace_id: UPSTREAM_TRACE,
    parent_id: '0',
    service: 'checkout-fn',
    resource: fields.name,
    type: 'custom',
    start: 1_579_584_424_500_000_000n,
    duration: 700_000_000n,
    error: 0,
    meta: {},
    metrics: {},
    ...fields,
  };
}

/** The host service (checkout-web, env prod) and the function's own spans, as Datadog has them. */
function datadogSpans(options: { host?: boolean; tagged?: boolean } = {}): DatadogSpan[] {
  const host = [
    span({
      span_id: '4001',
      name: 'web.request',
      service: 'checkout-web',
      meta: { env: 'prod', version: '1.4.2', '_dd.p.tid': UPSTREAM_TID },
      metrics: { _sampling_priority_v1: 1 },
    }),
    span({
      span_id: UPSTREAM_PARENT,
      parent_id: '4001',
      name: 'http.request',
      service: 'checkout-web',
      start: 1_579_584_424_540_000_000n,
      duration: 600_000_000n,
      meta: { env: 'prod', version: '1.4.2' },
    }),
  ];
  const fn = [
    span({
      span_id: '5001',
      parent_id: UPSTREAM_PARENT,
      name: 'aws.lambda',
      start: 1_579_584_424_780_000_000n,
      duration: 290_000_000n,
      meta: {
        env: 'prod',
        version: '1.4.2',
        ...(options.tagged !== false ? { 'aws.xray.trace_id': XRAY_TRACE } : {}),
      },
    }),
    span({
      span_id: '5002',
      parent_id: '5001',
      name: 'user.work',
      start: 1_579_584_424_800_000_000n,
      duration: 50_000_000n,
      meta: { env: 'prod', version: '1.4.2' },
    }),
  ];
  return options.host === false ? fn : [...host, ...fn];
}

/** The joined checkout call, from the host's request down to the function's own span. */
const CHECKOUT_CHAIN = [
  'web.request',
  'http.request',
  'aws.apigateway.stage',
  'aws.request',
  'aws.lambda.service',
  'aws.lambda.function',
  'aws.lambda',
  'user.work',
];

function convert(documents: unknown[], idMode: TraceIdMode = 'compat'): DatadogSpan[] {
  return convertDocuments(documents, { idMode }).spans;
}

describe('hybrid join: one invocation called by a Datadog-traced host', () => {
  for (const idMode of ['compat', 'full128'] as const) {
    it(`${idMode}: one trace, host span at the root, 0 orphans, aws.lambda under the function segment`, () => {
      const xray = convert(checkoutDocuments(metadata(ours)), idMode);
      const { traces, report } = joinSpans([...xray, ...datadogSpans()]);

      assert.equal(traces.length, 1);
      const trace = traces[0] as DatadogSpan[];
      assert.deepEqual(report.orphans, []);
      assert.ok(trace.every((s) => s.trace_id === UPSTREAM_TRACE));
      assert.deepEqual(
        trace.filter((s) => s.parent_id === '0').map((s) => s.name),
        ['web.request'],
      );
      assert.deepEqual(ancestry(trace, 'user.work'), CHECKOUT_CHAIN);
      assert.deepEqual(ancestry(trace, 'aws.dynamodb.table').slice(0, 2), ['web.request', 'http.request']);

      const lambda = trace.find((s) => s.name === 'aws.lambda') as DatadogSpan;
      assert.equal(lambda.parent_id, FUNCTION_SPAN);
      assert.equal(lambda.meta[DATADOG_PARENT_TAG], UPSTREAM_PARENT, 'the parent Datadog recorded is kept');
      for (const s of trace.filter((x) => spanOrigin(x) === 'xray')) {
        assert.equal(s.meta['_dd.p.tid'], UPSTREAM_TID, `${s.name}: the upstream trace's _dd.p.tid`);
        assert.equal(s.meta.env, 'prod', `${s.name}: env of the Datadog spans`);
        if (s.metrics._sampling_priority_v1 !== undefined) assert.equal(s.metrics._sampling_priority_v1, 1);
      }

      assert.deepEqual(report.hybrid.invocations, [
        {
          xray_trace_id: XRAY_TRACE,
          function_span_id: FUNCTION_SPAN,
          trace_id: UPSTREAM_TRACE,
          parent_id: UPSTREAM_PARENT,
          lambda_span_id: '5001',
          upstream_in_input: true,
        },
      ]);
      assert.deepEqual(report.hybrid.malformed, []);
    });
  }

  it('the upstream spans absent: joined by id, the top X-Ray span an orphan the report explains', () => {
    const xray = convert(checkoutDocuments(metadata(ours)));
    const { traces, report } = joinSpans([...xray, ...datadogSpans({ host: false })]);
    assert.equal(traces.length, 1);
    assert.deepEqual(
      report.orphans.map((o) => [o.name, o.parent_id, o.upstream]),
      [['aws.apigateway.stage', UPSTREAM_PARENT, true]],
    );
    assert.equal(report.hybrid.invocations[0]?.upstream_in_input, false);
    // Without the host's spans there is no _dd.p.tid to take, and the X-Ray one names another trace.
    assert.ok(traces[0]?.every((s) => s.meta['_dd.p.tid'] === undefined));
  });

  it('X-Ray spans alone (pull): they move into the upstream trace under the upstream span', () => {
    const { spans, report } = joinHybrid(convert(checkoutDocuments(metadata(ours)), 'full128'));
    assert.ok(spans.every((s) => s.trace_id === UPSTREAM_TRACE));
    assert.deepEqual(
      spans.filter((s) => s.name === 'aws.apigateway.stage').map((s) => s.parent_id),
      [UPSTREAM_PARENT],
    );
    assert.ok(spans.every((s) => s.meta['_dd.p.tid'] === undefined));
    assert.equal(report.invocations.length, 1);
  });

  it('an aws.lambda span without the X-Ray trace id tag (datadog-lambda-js) is found by time', () => {
    const xray = convert(checkoutDocuments(metadata(ours)));
    const { traces, report } = joinSpans([...xray, ...datadogSpans({ tagged: false })]);
    assert.deepEqual(report.orphans, []);
    assert.equal(report.hybrid.invocations[0]?.lambda_span_id, '5001');
    assert.equal(traces[0]?.find((s) => s.name === 'aws.lambda')?.parent_id, FUNCTION_SPAN);
  });

  it('a standalone metadata subsegment (as the daemon receives it) joins the same way as a nested one', () => {
    const nested = joinSpans([...convert(checkoutDocuments(metadata(ours))), ...datadogSpans()]);
    const standalone = joinSpans([
      ...convert([...checkoutDocuments(), metadata(ours, 'c0ffee0000000001', FUNCTION_SEGMENT)]),
      ...datadogSpans(),
    ]);
    const shape = (r: typeof nested) =>
      r.traces.map((t) => t.map((s) => `${s.trace_id}/${s.span_id}<${s.parent_id} ${s.name}`).sort());
    assert.deepEqual(shape(standalone), shape(nested));
    assert.deepEqual(standalone.report.orphans, []);
  });

  it('the same spans in any input order', () => {
    const spans = [...convert(checkoutDocuments(metadata(ours))), ...datadogSpans()];
    assert.deepEqual(joinSpans([...spans].reverse()), joinSpans(spans));
  });

  it('the input spans are not changed', () => {
    const spans = [...convert(checkoutDocuments(metadata(ours))), ...datadogSpans()];
    const before = structuredClone(spans);
    joinSpans(spans);
    assert.deepEqual(spans, before);
  });
});

describe('hybrid join: inferred managed-service spans between the upstream span and aws.lambda', () => {
  const STAGE_REQUEST_ID = 'b3b6d1a5-5d77-4c4f-9e0e-2f1b3c7d9a11';
  /** The function's spans with the wrapper's inferred span (`name`) between the upstream span and aws.lambda. */
  function withInferred(name: string, meta: Record<string, string> = {}): DatadogSpan[] {
    const spans = datadogSpans();
    const inferred = span({
      span_id: '5000',
      parent_id: UPSTREAM_PARENT,
      name,
      service: 'orders-queue',
      start: 1_579_584_424_700_000_000n,
      duration: 80_000_000n,
      meta: { env: 'prod', '_inferred_span.tag_source': 'self', ...meta },
    });
    return [...spans.map((s) => (s.name === 'aws.lambda' ? { ...s, parent_id: '5000' } : s)), inferred];
  }

  it("an SQS trigger: the X-Ray part takes aws.lambda's place under aws.sqs, which keeps its child", () => {
    // An asynchronous trigger: no API Gateway stage in X-Ray, the Lambda service segment is the top.
    const documents = checkoutDocuments(metadata(ours))
      .filter((d) => d.origin !== 'AWS::ApiGateway::Stage')
      .map((d) => {
        if (d.origin !== 'AWS::Lambda') return d;
        const { parent_id: _, ...top } = d;
        return top;
      });
    const { traces, report } = joinSpans([...convert(documents), ...withInferred('aws.sqs')]);
    assert.equal(traces.length, 1);
    const trace = traces[0] as DatadogSpan[];
    assert.deepEqual(report.orphans, []);
    assert.deepEqual(ancestry(trace, 'user.work'), [
      'web.request',
      'http.request',
      'aws.sqs',
      'aws.lambda.service',
      'aws.lambda.function',
      'aws.lambda',
      'user.work',
    ]);
    assert.equal(report.hybrid.invocations[0]?.lambda_span_id, '5001');
    const lambda = trace.find((s) => s.name === 'aws.lambda') as DatadogSpan;
    assert.equal(lambda.meta[DATADOG_PARENT_TAG], '5000', 'the parent Datadog recorded: the inferred span');
  });

  it("an API Gateway trigger: one hop, X-Ray's stage under the upstream span with the inferred identity", () => {
    const inferred = withInferred('aws.apigateway', { 'aws.apigateway.request_id': STAGE_REQUEST_ID });
    const { traces, report } = joinSpans([...convert(checkoutDocuments(metadata(ours))), ...inferred]);
    assert.equal(traces.length, 1);
    const trace = traces[0] as DatadogSpan[];
    assert.deepEqual(report.orphans, []);
    assert.ok(!trace.some((s) => s.name === 'aws.apigateway'), 'the inferred hop is not there twice');
    assert.deepEqual(ancestry(trace, 'user.work'), CHECKOUT_CHAIN);
    assert.equal(trace.find((s) => s.name === 'aws.apigateway.stage')?.service, 'orders-queue');
    assert.equal(report.duplicateHops.length, 1);
  });
});

describe('hybrid join: what each producer writes', () => {
  const cases: Array<{ producer: string; trace: unknown; priority?: number; tid?: string }> = [
    { producer: 'xray-dd-merge (decimal strings)', trace: ours, priority: 1 },
    {
      producer: 'datadog-lambda-js (priority a JSON number)',
      trace: { 'trace-id': UPSTREAM_TRACE, 'parent-id': UPSTREAM_PARENT, 'sampling-priority': 2 },
      priority: 2,
    },
    {
      producer: 'datadog-lambda-python without a priority ("None")',
      trace: { 'trace-id': UPSTREAM_TRACE, 'parent-id': UPSTREAM_PARENT, 'sampling-priority': 'None' },
    },
    {
      producer: 'datadog-lambda-python with a 128-bit trace id',
      trace: {
        'trace-id': ((BigInt(`0x${UPSTREAM_TID}`) << 64n) | BigInt(UPSTREAM_TRACE)).toString(),
        'parent-id': UPSTREAM_PARENT,
        'sampling-priority': '2',
      },
      priority: 2,
      tid: UPSTREAM_TID,
    },
  ];
  for (const { producer, trace, priority, tid } of cases) {
    it(producer, () => {
      assert.deepEqual(readDatadogMetadata(trace), {
        context: {
          traceId: UPSTREAM_TRACE,
          parentId: UPSTREAM_PARENT,
          ...(priority !== undefined ? { samplingPriority: priority } : {}),
          ...(tid !== undefined ? { tid } : {}),
        },
      });
      const { spans } = joinHybrid(convert(checkoutDocuments(metadata(trace))));
      assert.ok(spans.every((s) => s.trace_id === UPSTREAM_TRACE));
      const segment = spans.find((s) => s.name === 'aws.lambda.function') as DatadogSpan;
      assert.equal(segment.metrics._sampling_priority_v1, priority ?? 2);
      assert.equal(segment.meta['_dd.p.tid'], tid);
    });
  }
});

describe('hybrid join: malformed metadata joins nothing, is reported, never throws', () => {
  const malformed: Array<[string, unknown, RegExp]> = [
    ['non-numeric trace id', { ...ours, 'trace-id': 'abc' }, /trace-id "abc" is not a Datadog trace id/],
    ['zero trace id', { ...ours, 'trace-id': '0' }, /trace-id "0"/],
    ['trace id of 2^128', { ...ours, 'trace-id': (1n << 128n).toString() }, /trace-id/],
    ['missing parent id', { 'trace-id': UPSTREAM_TRACE }, /parent-id missing/],
    ['zero parent id', { ...ours, 'parent-id': '0' }, /parent-id "0"/],
    ['parent id of 2^64', { ...ours, 'parent-id': '18446744073709551616' }, /parent-id/],
    ['hex ids', { ...ours, 'parent-id': '7a1c9e3b5d2f4a60' }, /parent-id/],
    ['priority not an integer', { ...ours, 'sampling-priority': 'keep' }, /sampling-priority "keep"/],
    ['not an object', 'trace-id=1', /not an object/],
    ['an array', [UPSTREAM_TRACE, UPSTREAM_PARENT], /not an object/],
    ['null', null, /null, not an object/],
  ];
  for (const [label, trace, reason] of malformed) {
    it(label, () => {
      const xray = convert(checkoutDocuments(metadata(trace)));
      const plain = joinSpans([...xray, ...datadogSpans()], { hybrid: false });
      const { traces, report } = joinSpans([...xray, ...datadogSpans()]);
      assert.equal(report.hybrid.invocations.length, 0);
      assert.equal(report.hybrid.malformed.length, 1);
      assert.match(report.hybrid.malformed[0]?.reason as string, reason);
      assert.equal(report.hybrid.malformed[0]?.xray_trace_id, XRAY_TRACE);
      assert.deepEqual(
        traces.map((t) => t.map((s) => `${s.trace_id}/${s.span_id}<${s.parent_id}`)),
        plain.traces.map((t) => t.map((s) => `${s.trace_id}/${s.span_id}<${s.parent_id}`)),
        'nothing joined',
      );
    });
  }

  it('two metadata subsegments of one invocation that disagree: neither is trusted', () => {
    const other = { ...ours, 'trace-id': '77' };
    const { report } = joinSpans(
      convert(checkoutDocuments(metadata(ours, 'c0ffee0000000001'), metadata(other, 'c0ffee0000000002'))),
    );
    assert.equal(report.hybrid.invocations.length, 0);
    assert.match(report.hybrid.malformed[0]?.reason as string, /conflicts with another/);
  });

  it('the same metadata twice (a retried send) joins once', () => {
    const { report } = joinSpans(
      convert(checkoutDocuments(metadata(ours, 'c0ffee0000000001'), metadata(ours, 'c0ffee0000000002'))),
    );
    assert.equal(report.hybrid.invocations.length, 1);
    assert.deepEqual(report.hybrid.malformed, []);
  });

  it('a metadata subsegment with only trigger tags (lambda_function_tags) is not an upstream context', () => {
    const tagsOnly = {
      id: 'c0ffee0000000003',
      name: 'datadog-metadata',
      start_time: 1579584425.07,
      end_time: 1579584425.07,
      metadata: { datadog: { lambda_function_tags: { 'function_trigger.event_source': 'api-gateway' } } },
    };
    const { report } = joinSpans(convert(checkoutDocuments(tagsOnly)));
    assert.deepEqual(report.hybrid.invocations, []);
    assert.deepEqual(report.hybrid.malformed, []);
  });
});

describe('hybrid join: several invocations in one X-Ray trace', () => {
  // A Lambda service segment with two function invocations under it (fan-out, or a batch split
  // into two invocations), each with its own metadata.
  function twoInvocations(first: unknown, second: unknown): Array<Record<string, unknown>> {
    const base = { trace_id: XRAY_TRACE, origin: 'AWS::Lambda::Function', name: 'worker-fn' };
    return [
      {
        id: 'aa00000000000001',
        trace_id: XRAY_TRACE,
        name: 'worker-fn',
        origin: 'AWS::Lambda',
        start_time: 10,
        end_time: 20,
      },
      {
        ...base,
        id: 'aa00000000000002',
        parent_id: 'aa00000000000001',
        start_time: 11,
        end_time: 14,
        subsegments: [
          metadata(first, 'bb00000000000002'),
          { id: 'cc00000000000002', name: 'work', start_time: 12, end_time: 13 },
        ],
      },
      {
        ...base,
        id: 'aa00000000000003',
        parent_id: 'aa00000000000001',
        start_time: 15,
        end_time: 19,
        subsegments: [
          metadata(second, 'bb00000000000003'),
          { id: 'cc00000000000003', name: 'work', start_time: 16, end_time: 17 },
        ],
      },
    ];
  }

  it('of one upstream trace: the whole X-Ray trace joins it', () => {
    const { traces, report } = joinSpans(convert(twoInvocations(ours, { ...ours, 'parent-id': '99' })));
    assert.equal(traces.length, 1);
    assert.equal(report.hybrid.invocations.length, 2);
    assert.deepEqual(report.hybrid.split, []);
    const root = traces[0]?.find((s) => s.name === 'aws.lambda.service') as DatadogSpan;
    assert.equal(root.parent_id, UPSTREAM_PARENT, 'the earliest invocation names the root parent');
  });

  it('of two upstream traces: each invocation follows its own, nothing joins the two', () => {
    const second = { 'trace-id': '2222', 'parent-id': '3333', 'sampling-priority': '2' };
    const { traces, report } = joinSpans(convert(twoInvocations(ours, second)));
    const byTrace = new Map(traces.map((t) => [t[0]?.trace_id, t]));
    assert.deepEqual(
      [...byTrace.keys()].sort(),
      ['1311979541735842151', '2222', '3995693151288333088'].sort(),
    );
    const first = byTrace.get(UPSTREAM_TRACE) as DatadogSpan[];
    const other = byTrace.get('2222') as DatadogSpan[];
    assert.deepEqual(first.map((s) => s.meta['xray.segment_id']).sort(), [
      'aa00000000000002',
      'bb00000000000002',
      'cc00000000000002',
    ]);
    assert.deepEqual(other.map((s) => s.meta['xray.segment_id']).sort(), [
      'aa00000000000003',
      'bb00000000000003',
      'cc00000000000003',
    ]);
    const fn = first.find((s) => s.meta['xray.segment_id'] === 'aa00000000000002') as DatadogSpan;
    assert.equal(fn.parent_id, UPSTREAM_PARENT);
    assert.equal(fn.meta[XRAY_PARENT_TAG], BigInt('0xaa00000000000001').toString());
    const rest = byTrace.get('3995693151288333088') as DatadogSpan[];
    assert.deepEqual(
      rest.map((s) => s.name),
      ['aws.lambda.service'],
      'the service segment stays in the X-Ray trace',
    );
    assert.deepEqual(report.hybrid.split, [
      { xray_trace_id: XRAY_TRACE, trace_ids: ['2222', UPSTREAM_TRACE] },
    ]);
  });
});

describe('hybrid join: nothing changes without metadata', () => {
  it('the serverless-first join gives the same traces with and without the hybrid step', () => {
    const spans = [...convert(checkoutDocuments()), ...datadogSpans()];
    const on = joinSpans(spans);
    const off = joinSpans(spans, { hybrid: false });
    assert.deepEqual(on, off);
    assert.deepEqual(on.report.hybrid, { invocations: [], malformed: [], split: [] });
  });
});

describe('env and version on X-Ray spans', () => {
  const x = (meta: Record<string, string> = {}) =>
    span({ span_id: '1', name: 'aws.lambda.function', meta: { [ORIGIN_TAG]: 'xray', ...meta } });
  const d = (id: string, meta: Record<string, string>) => span({ span_id: id, name: 'work', meta });
  const cases: Array<[string, DatadogSpan[], { env?: string }, string | undefined, string | undefined]> = [
    [
      'the Datadog spans agree',
      [x(), d('2', { env: 'prod', version: '3' }), d('3', { env: 'prod' })],
      {},
      'prod',
      '3',
    ],
    [
      'they disagree: no env',
      [x(), d('2', { env: 'prod' }), d('3', { env: 'staging' })],
      {},
      undefined,
      undefined,
    ],
    ['no Datadog spans', [x()], {}, undefined, undefined],
    ['--env wins', [x(), d('2', { env: 'staging' })], { env: 'prod' }, 'prod', undefined],
    ['--env without Datadog spans', [x({ env: 'old' })], { env: 'prod' }, 'prod', undefined],
    ['an X-Ray version is kept', [x({ version: '9' }), d('2', { version: '3' })], {}, undefined, '9'],
  ];
  for (const [label, trace, options, env, version] of cases) {
    it(label, () => {
      const tagged = tagEnvironment(trace, options);
      const xray = tagged.find((s) => spanOrigin(s) === 'xray') as DatadogSpan;
      assert.equal(xray.meta.env, env);
      assert.equal(xray.meta.version, version);
      assert.deepEqual(
        tagged.filter((s) => spanOrigin(s) === 'datadog'),
        trace.filter((s) => spanOrigin(s) === 'datadog'),
        'Datadog spans unchanged',
      );
    });
  }
});
