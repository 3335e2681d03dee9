// The datadog-metadata subsegment as a pure function: when it is made, and exactly what it holds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTraceHeader, type TraceHeader } from '../../src/xray/header.ts';
import {
  lambdaFunctionTags,
  type MetadataParent,
  metadataSubsegment,
  type SpanView,
  traceMetadata,
} from '../../src/xray/metadata-subsegment.ts';

const ROOT = '1-5e272390-8c398be037738dc042009320';
const PARENT = '94ae789b969f1cc5';
const SAMPLED = parseTraceHeader(`Root=${ROOT};Parent=${PARENT};Sampled=1`);
// An upstream Datadog context (from an event), not derived from the X-Ray ids.
const UPSTREAM = { traceId: '1311768467463790320', parentId: '8070450532247928832', samplingPriority: 2 };

const span = (traceId: string, tags: Record<string, unknown> = {}, samplingPriority?: string): SpanView => ({
  traceId,
  ...(samplingPriority !== undefined ? { samplingPriority } : {}),
  tag: (key) => tags[key],
});
const eventParent = (xray: TraceHeader | undefined, context = UPSTREAM): MetadataParent => ({
  source: 'event',
  context,
  ...(xray ? { xray } : {}),
});

describe('metadataSubsegment: when one is made', () => {
  // [case, parent, enabled, span trace id, made?]
  const cases: Array<[string, MetadataParent, boolean, string, boolean]> = [
    ['event context, Sampled=1, Root+Parent', eventParent(SAMPLED), true, UPSTREAM.traceId, true],
    [
      'custom extractor context (any non-X-Ray source)',
      { ...eventParent(SAMPLED), source: 'custom' },
      true,
      UPSTREAM.traceId,
      true,
    ],
    ['DD_XRAY_METADATA=false', eventParent(SAMPLED), false, UPSTREAM.traceId, false],
    [
      'Sampled=0',
      eventParent(parseTraceHeader(`Root=${ROOT};Parent=${PARENT};Sampled=0`)),
      true,
      UPSTREAM.traceId,
      false,
    ],
    [
      'Sampled=?',
      eventParent(parseTraceHeader(`Root=${ROOT};Parent=${PARENT};Sampled=?`)),
      true,
      UPSTREAM.traceId,
      false,
    ],
    [
      'no Sampled',
      eventParent(parseTraceHeader(`Root=${ROOT};Parent=${PARENT}`)),
      true,
      UPSTREAM.traceId,
      false,
    ],
    ['only a Root', eventParent(parseTraceHeader(`Root=${ROOT};Sampled=1`)), true, UPSTREAM.traceId, false],
    [
      'only a Parent',
      eventParent(parseTraceHeader(`Parent=${PARENT};Sampled=1`)),
      true,
      UPSTREAM.traceId,
      false,
    ],
    [
      'all-zero Parent',
      eventParent(parseTraceHeader(`Root=${ROOT};Parent=0000000000000000;Sampled=1`)),
      true,
      UPSTREAM.traceId,
      false,
    ],
    ['no X-Ray header', eventParent(undefined), true, UPSTREAM.traceId, false],
    [
      'context came from X-Ray: X-Ray already knows',
      { source: 'xray', context: UPSTREAM, xray: SAMPLED },
      true,
      UPSTREAM.traceId,
      false,
    ],
    ['no Datadog context at all', { source: 'none', xray: SAMPLED }, true, UPSTREAM.traceId, false],
    ['dd-trace did not take the context (span is another trace)', eventParent(SAMPLED), true, '42', false],
  ];
  for (const [name, parent, enabled, traceId, made] of cases) {
    it(`${made ? 'made' : 'not made'}: ${name}`, () => {
      const document = metadataSubsegment({
        parent,
        enabled,
        span: span(traceId),
        id: 'ab'.repeat(8),
        time: 1,
      });
      assert.equal(document !== undefined, made);
    });
  }
});

describe('metadataSubsegment: what it holds', () => {
  it('the exact document and its JSON: ids from the header, times in float seconds, decimal-string trace', () => {
    const document = metadataSubsegment({
      parent: eventParent(SAMPLED),
      enabled: true,
      span: span(
        UPSTREAM.traceId,
        { 'function_trigger.event_source': 'api-gateway', 'http.status_code': 200 },
        '2',
      ),
      id: '70de5b6f19ff9a0a',
      time: 1712345678.125,
    });
    assert.deepEqual(document, {
      id: '70de5b6f19ff9a0a',
      trace_id: ROOT,
      parent_id: PARENT,
      name: 'datadog-metadata',
      start_time: 1712345678.125,
      end_time: 1712345678.125,
      type: 'subsegment',
      metadata: {
        datadog: {
          trace: {
            'trace-id': '1311768467463790320',
            'parent-id': '8070450532247928832',
            'sampling-priority': '2',
          },
          lambda_function_tags: { 'function_trigger.event_source': 'api-gateway', 'http.status_code': '200' },
        },
      },
    });
    assert.equal(
      JSON.stringify(document),
      '{"id":"70de5b6f19ff9a0a","trace_id":"1-5e272390-8c398be037738dc042009320","parent_id":"94ae789b969f1cc5",' +
        '"name":"datadog-metadata","start_time":1712345678.125,"end_time":1712345678.125,"type":"subsegment",' +
        '"metadata":{"datadog":{"trace":{"trace-id":"1311768467463790320","parent-id":"8070450532247928832",' +
        '"sampling-priority":"2"},"lambda_function_tags":{"function_trigger.event_source":"api-gateway",' +
        '"http.status_code":"200"}}}}',
    );
  });

  it('without id and time: a random 16-hex id, and now in epoch seconds', () => {
    const before = Date.now() / 1000;
    const document = metadataSubsegment({
      parent: eventParent(SAMPLED),
      enabled: true,
      span: span(UPSTREAM.traceId),
    });
    const after = Date.now() / 1000;
    assert.ok(document);
    assert.match(document.id, /^[0-9a-f]{16}$/);
    assert.equal(document.start_time, document.end_time);
    assert.ok(document.start_time >= before && document.start_time <= after);
    const other = metadataSubsegment({
      parent: eventParent(SAMPLED),
      enabled: true,
      span: span(UPSTREAM.traceId),
    });
    assert.notEqual(other?.id, document.id);
  });

  it('no trigger tags: no lambda_function_tags key', () => {
    const document = metadataSubsegment({
      parent: eventParent(SAMPLED),
      enabled: true,
      span: span(UPSTREAM.traceId),
    });
    assert.deepEqual(Object.keys(document?.metadata.datadog ?? {}), ['trace']);
  });
});

describe('traceMetadata: the sampling priority', () => {
  // [case, span's decided priority, context's priority, expected]
  const cases: Array<[string, string | undefined, number | undefined, string]> = [
    ['the span decided it (it may differ from what came in: a manual keep)', '2', 1, '2'],
    ['the span does not say: the incoming one', undefined, -1, '-1'],
    ['neither: AUTO_KEEP, as datadog-lambda-js sends', undefined, undefined, '1'],
  ];
  for (const [name, decided, incoming, expected] of cases) {
    it(name, () => {
      const context = {
        traceId: '7',
        parentId: '9',
        ...(incoming !== undefined ? { samplingPriority: incoming } : {}),
      };
      const trace = traceMetadata({ source: 'event', context, xray: SAMPLED }, span('7', {}, decided));
      assert.deepEqual(trace, { 'trace-id': '7', 'parent-id': '9', 'sampling-priority': expected });
    });
  }
});

describe('lambdaFunctionTags', () => {
  it('keeps the trigger tags present, as strings, in a fixed order', () => {
    const tags: Record<string, unknown> = {
      'http.status_code': 502,
      'function_trigger.event_source_arn': 'arn:aws:apigateway:eu-west-1::/restapis/abc/stages/prod',
      'function_trigger.event_source': 'api-gateway',
      'http.method': 'GET',
      'http.url': 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/items',
      'http.url_details.path': '/prod/items',
      'http.route': '/items',
      'unrelated.tag': 'x',
    };
    assert.deepEqual(
      lambdaFunctionTags((k) => tags[k]),
      {
        'function_trigger.event_source': 'api-gateway',
        'function_trigger.event_source_arn': 'arn:aws:apigateway:eu-west-1::/restapis/abc/stages/prod',
        'http.method': 'GET',
        'http.url': 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/items',
        'http.url_details.path': '/prod/items',
        'http.route': '/items',
        'http.status_code': '502',
      },
    );
  });

  it('skips empty strings and values that are not strings or numbers; none left is undefined', () => {
    const tags: Record<string, unknown> = {
      'function_trigger.event_source': '',
      'http.method': { toString: () => 'GET' },
      'http.status_code': undefined,
      'http.url': null,
    };
    assert.equal(
      lambdaFunctionTags((k) => tags[k]),
      undefined,
    );
  });
});
