// Real X-Ray documents written by others (the X-Ray service through the AWS CLI, the developer
// guide, the Go SDK as captured by the OpenTelemetry collector's tests, the Node.js SDK recorded
// here): each converts to the spans listed beside it, in both id modes. Sources:
// test/merge/fixtures/xray-real/SOURCE.md.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { convertDocuments } from '../../src/merge/convert.ts';
import type { DatadogSpan } from '../../src/merge/span.ts';
import { readSegmentDocuments } from '../../src/merge/xray-input.ts';
import { datadogSpanId, datadogTraceId, type TraceIdMode } from '../../src/xray/ids.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`fixtures/xray-real/${name}`, import.meta.url), 'utf8');

interface ExpectedSpan {
  readonly segment: string;
  readonly trace: string;
  readonly parent: string | null;
  readonly name: string;
  readonly service: string;
  readonly resource: string;
  readonly type: string;
  readonly error: 0 | 1;
  readonly start: string;
  readonly duration: string;
  readonly meta: Record<string, string>;
  readonly metrics: Record<string, number>;
}

interface Expected {
  readonly documents: number;
  readonly notJsonLines: number;
  readonly skipped: unknown[];
  readonly dropped: unknown[];
  readonly spans: ExpectedSpan[];
}

/** The span the expectation describes, in the agent's shape, for one id mode. */
function expectedSpan(span: ExpectedSpan, idMode: TraceIdMode): DatadogSpan {
  const { traceId, tid } = datadogTraceId(span.trace, idMode);
  const meta: Record<string, string> = {
    ...span.meta,
    '_merge.origin': 'xray',
    'xray.trace_id': span.trace,
    'xray.segment_id': span.segment,
    ...(tid !== undefined ? { '_dd.p.tid': tid } : {}),
  };
  return {
    trace_id: traceId,
    span_id: datadogSpanId(span.segment),
    parent_id: span.parent === null ? '0' : datadogSpanId(span.parent),
    name: span.name,
    service: span.service,
    resource: span.resource,
    type: span.type,
    start: BigInt(span.start),
    duration: BigInt(span.duration),
    error: span.error,
    meta,
    metrics: span.metrics,
  };
}

/** Key order aside: the NDJSON output's order is tested elsewhere. */
function sorted<T extends Record<string, unknown>>(record: T): T {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}

const SOURCES = [
  'aws-devguide-batch-get-traces.json',
  'aws-devguide-segment-examples.ndjson',
  'otel-go-sdk-ddb-sample.json',
  'otel-go-sdk-server-sample.json',
  'xray-sdk-node-aws-sdk-v2.ndjson',
];

describe('real X-Ray documents convert to the spans beside them', () => {
  for (const file of SOURCES) {
    const expected = JSON.parse(fixture(`${file}.expected.json`)) as Expected;
    for (const idMode of ['compat', 'full128'] as const) {
      it(`${file} (${idMode})`, () => {
        const input = readSegmentDocuments(fixture(file));
        assert.equal(input.badLines, expected.notJsonLines);
        const result = convertDocuments(input.documents, { idMode });
        assert.equal(result.documents, expected.documents);
        assert.deepEqual(result.skipped, expected.skipped);
        assert.deepEqual(result.dropped, expected.dropped);
        assert.deepEqual(
          result.spans.map((span) => ({ ...span, meta: sorted(span.meta), metrics: sorted(span.metrics) })),
          expected.spans.map((span) => {
            const want = expectedSpan(span, idMode);
            return { ...want, meta: sorted(want.meta), metrics: sorted(want.metrics) };
          }),
        );
      });
    }
  }
});

// The cases the issue lists, each on a real document: the fact in the document and the tag it
// must become, so a reader sees the rule without reading the expectation files.
const nodeTrace = fixture('xray-sdk-node-aws-sdk-v2.ndjson').trim();
const goTrace = fixture('otel-go-sdk-ddb-sample.json');
const devguide = JSON.parse(fixture('aws-devguide-batch-get-traces.json')) as {
  Traces: Array<{ Segments: Array<{ Document: string }> }>;
};
const spanOf = (spans: readonly DatadogSpan[], segmentId: string) => {
  const span = spans.find((candidate) => candidate.meta['xray.segment_id'] === segmentId);
  assert.ok(span, `no span for segment ${segmentId}`);
  return span;
};

describe('the fidelity cases, on real documents', () => {
  it('content_length given as a string (the Node.js SDK) is the response length', () => {
    const { spans, dropped, skipped } = convertDocuments([nodeTrace]);
    assert.deepEqual([skipped, dropped], [[], []]);
    const lengths = spans.map((span) => span.metrics['http.response.content_length']);
    assert.deepEqual(lengths, [undefined, 2, 106, 221, 199]);
  });

  it('a nested wrong field loses that field, counted, never the subtree', () => {
    const document = JSON.parse(goTrace);
    // The failed PutItem call, two levels down, with a status no producer writes.
    document.subsegments[0].subsegments[1].http.response.status = 'four hundred';
    const { spans, dropped, skipped } = convertDocuments([JSON.stringify(document)]);
    assert.deepEqual(skipped, []);
    assert.deepEqual(dropped, [
      {
        traceId: '1-5f29ab21-d4ebf299219a65bd5c31d6da',
        id: '71631df3f58bdfc5',
        field: 'http.response.status',
        reason: 'expected number',
      },
    ]);
    assert.equal(spans.length, 18, 'every segment and subsegment is still a span');
    const call = spanOf(spans, '71631df3f58bdfc5');
    assert.equal(call.meta['http.status_code'], undefined);
    assert.equal(call.metrics['http.response.content_length'], 112);
    assert.equal(spanOf(spans, 'acfaa7e3fe3aab03').parent_id, datadogSpanId('56b1cb185cbdb378'));
  });

  for (const [label, name, namespace] of [
    ['Go and Node.js SDKs: dynamodb', 'dynamodb', 'aws'],
    ['Java SDK: DynamoDB', 'DynamoDB', 'aws'],
    ['any case: DYNAMODB / AWS', 'DYNAMODB', 'AWS'],
  ] as const) {
    it(`a DynamoDB call is a db span (${label})`, () => {
      const document = JSON.parse(goTrace);
      Object.assign(document.subsegments[0].subsegments[0], { name, namespace });
      const span = spanOf(convertDocuments([JSON.stringify(document)]).spans, '7318c46a385557f5');
      assert.deepEqual(
        [span.name, span.type, span.resource],
        ['aws.request', 'db', 'DescribeTable xray_sample_table'],
      );
      assert.deepEqual(
        [span.meta['peer.service'], span.meta['_dd.peer.service.source']],
        ['xray_sample_table', 'tablename'],
      );
    });
  }

  it('origin AWS::SNS (an inferred segment from the X-Ray service) is a queue span', () => {
    const documents = devguide.Traces[0]?.Segments.map((segment) => segment.Document) ?? [];
    const span = spanOf(convertDocuments(documents).spans, '1ee3c4a523f89ca5');
    assert.deepEqual([span.name, span.type, span.service], ['aws.sns', 'queue', 'SNS']);
    assert.equal(span.meta.topicname, 'awseb-e-ruag3jyweb-stack-NotificationTopic-6B829NT9V5O9');
  });

  it('origins compare in any case', () => {
    const documents = (devguide.Traces[0]?.Segments ?? []).map((segment) =>
      segment.Document.replace('"AWS::Lambda::Function"', '"aws::lambda::function"'),
    );
    const span = spanOf(convertDocuments(documents).spans, '00f91aa01f4984fd');
    assert.deepEqual(
      [span.name, span.type, span.meta['xray.origin']],
      ['aws.lambda.function', 'serverless', 'aws::lambda::function'],
    );
  });

  describe('a standalone subsegment takes the service of its trace, never its own name', () => {
    // The function's Publish call, sent on its own as SDKs do for long requests.
    const lambdaDocs = devguide.Traces[0]?.Segments.map((segment) => JSON.parse(segment.Document)) ?? [];
    const functionSegment = lambdaDocs.find((doc) => doc.id === '00f91aa01f4984fd');
    const publish = functionSegment.subsegments.find((sub: { id: string }) => sub.id === 'b29b548af4d54a0f');
    const standalone = JSON.stringify({
      ...publish,
      type: 'subsegment',
      trace_id: functionSegment.trace_id,
      parent_id: 'aaaaaaaaaaaaaaaa',
    });
    const others = (keep: (doc: { id: string; origin?: string }) => boolean) =>
      lambdaDocs.filter(keep).map((doc) => JSON.stringify(doc));
    const cases: Array<[string, string[], string]> = [
      ['the trace has its function segment', others(() => true), 'random-name'],
      [
        'no function segment: the first segment not inferred',
        others((doc) => doc.origin !== 'AWS::Lambda::Function'),
        'random-name',
      ],
      ['only inferred segments', others((doc) => doc.id === '17ba309b32c7fbaf'), 'DynamoDB'],
      ['nothing else of the trace', [], 'xray.unknown_service'],
    ];
    for (const [label, documents, service] of cases) {
      it(label, () => {
        const span = spanOf(convertDocuments([...documents, standalone]).spans, 'b29b548af4d54a0f');
        assert.equal(span.service, service);
        assert.notEqual(span.service, 'SNS');
      });
    }
  });

  it('every exception of a cause: the first as error.*, the others counted and listed', () => {
    const document = JSON.parse(nodeTrace);
    const call = document.subsegments[3];
    call.cause.exceptions.push(
      { id: '0f3e1d2c3b4a5968', type: 'TimeoutError', message: 'Connection timed out after 1000ms' },
      { id: '1f3e1d2c3b4a5968', message: 'socket hang up' },
    );
    const span = spanOf(convertDocuments([JSON.stringify(document)]).spans, call.id);
    assert.deepEqual(
      [span.meta['error.type'], span.meta['error.message'], span.metrics['xray.exceptions.count']],
      ['NoSuchKey', 'The specified key does not exist.', 3],
    );
    assert.equal(
      span.meta['xray.exceptions.others'],
      'TimeoutError: Connection timed out after 1000ms\nexception: socket hang up',
    );
  });

  it('sql: db.name, db.system and out.host from the connection URL; peer.service is the database', () => {
    // The developer guide's SQL subsegment, nested in its minimal segment.
    const [minimal, , , , , , , , , , sql] = fixture('aws-devguide-segment-examples.ndjson').split('\n');
    const segment = { ...JSON.parse(minimal as string), subsegments: [JSON.parse(sql as string)] };
    const span = spanOf(convertDocuments([JSON.stringify(segment)]).spans, '3fd8634e78ca9560');
    assert.deepEqual(
      [span.name, span.type, span.meta['db.system'], span.meta['db.name'], span.meta['out.host']],
      ['sql.query', 'sql', 'postgresql', 'ebdb', 'aawijb5u25wdoy.cpamxznpdoq8.us-west-2.rds.amazonaws.com'],
    );
    assert.deepEqual([span.meta['peer.service'], span.meta['_dd.peer.service.source']], ['ebdb', 'db.name']);
  });

  it('a remote HTTP call: out.host and peer.service from the URL', () => {
    const embedded = fixture('aws-devguide-segment-examples.ndjson').split('\n')[1] as string;
    const span = spanOf(convertDocuments([embedded]).spans, '53995c3f42cd8ad8');
    assert.deepEqual(
      [
        span.name,
        span.meta['out.host'],
        span.meta['peer.service'],
        span.metrics['http.response.content_length'],
      ],
      ['http.request', 'api.example.com', 'api.example.com', 861],
    );
    // The segment serves the request: no out.host on it.
    assert.equal(spanOf(convertDocuments([embedded]).spans, 'defdfd9912dc5a56').meta['out.host'], undefined);
  });
});
