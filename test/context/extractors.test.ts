// Each event source on its fixture: which source the event is, the parent context it carries, and
// the other records' contexts (links). Then the malformed variants of each carrier.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isRecord } from '../../src/context/carrier.ts';
import {
  detectEventSource,
  EVENT_SOURCES,
  type ExtractionSettings,
} from '../../src/context/extractors/index.ts';
import { MAX_LINKED_RECORDS } from '../../src/context/extractors/records.ts';
import { base64Json, ddCarrier, fixture, realFixture } from './fixtures.ts';

const SETTINGS: ExtractionSettings = {
  mergeXrayTraces: true,
  traceIdMode: 'compat',
  sampling: 'keep-only',
  decodeAuthorizerContext: true,
};

function extract(event: unknown, settings: ExtractionSettings = SETTINGS) {
  const notes: string[] = [];
  const source = detectEventSource(event);
  const extracted = source?.extract(event as Record<string, unknown>, {
    settings,
    note: (p) => notes.push(p),
  });
  return { source: source?.name, extracted, notes };
}

interface Case {
  readonly fixture: string;
  readonly source: string;
  readonly form?: string;
  /** The parent context, or undefined for sources that carry none. */
  readonly parent?: Record<string, unknown>;
  readonly links?: ReadonlyArray<Record<string, unknown>>;
}

const CASES: Case[] = [
  {
    fixture: 'api-gateway-rest',
    source: 'api-gateway',
    form: 'datadog',
    parent: {
      traceId: '7102102102102102101',
      parentId: '7102102102102102102',
      samplingPriority: 2,
      tid: '66bcb5eb00000000',
      tags: '_dd.p.dm=-4',
    },
  },
  {
    fixture: 'api-gateway-http',
    source: 'api-gateway',
    form: 'w3c',
    parent: {
      traceId: String(0x63f3a2b1c4d5e6f7n),
      parentId: String(0x00f067aa0ba902b7n),
      samplingPriority: 2,
      tid: '66bcb5eb00000000',
      tags: '_dd.p.dm=-4,_dd.p.usr.id=baz64==',
    },
  },
  {
    fixture: 'api-gateway-websocket',
    source: 'api-gateway',
    form: 'datadog',
    parent: { traceId: '7303303303303303301', parentId: '7303303303303303302', samplingPriority: 1 },
  },
  {
    fixture: 'alb',
    source: 'application-load-balancer',
    form: 'datadog',
    parent: { traceId: '7404404404404404401', parentId: '7404404404404404402', samplingPriority: 1 },
  },
  {
    // Multi-value headers: the first value of each, matched case-insensitively.
    fixture: 'alb-multi-value',
    source: 'application-load-balancer',
    form: 'w3c',
    parent: {
      traceId: String(0x74a4a4a4a4a4a4a4n),
      parentId: String(0x74b4b4b4b4b4b4b4n),
      samplingPriority: 0,
    },
  },
  {
    fixture: 'function-url',
    source: 'lambda-function-url',
    form: 'datadog',
    parent: { traceId: '7505505505505505501', parentId: '7505505505505505502', samplingPriority: 2 },
  },
  {
    // Record 0 (String) is the parent; record 1 (Binary) a link; record 2 repeats record 0's
    // context and record 3 has none, so neither adds a link.
    fixture: 'sqs',
    source: 'sqs',
    form: 'datadog',
    parent: {
      traceId: '7606606606606606601',
      parentId: '7606606606606606602',
      samplingPriority: 1,
      tags: '_dd.p.dm=-0',
    },
    links: [{ traceId: '7606606606606606611', parentId: '7606606606606606612', samplingPriority: 1 }],
  },
  {
    fixture: 'sqs-aws-trace-header',
    source: 'sqs',
    form: 'datadog-in-xray',
    parent: {
      traceId: String(0x6a1b2c3d4e5f6071n),
      parentId: String(0x5a6b7c8d9e0f1a2bn),
      samplingPriority: 2,
    },
  },
  {
    fixture: 'sns',
    source: 'sns',
    form: 'datadog',
    parent: { traceId: '7707707707707707701', parentId: '7707707707707707702', samplingPriority: 1 },
  },
  {
    fixture: 'sns-sqs',
    source: 'sqs',
    form: 'datadog',
    parent: { traceId: '7808808808808808801', parentId: '7808808808808808802', samplingPriority: 1 },
  },
  {
    fixture: 'eventbridge',
    source: 'eventbridge',
    form: 'datadog',
    parent: {
      traceId: '7909909909909909901',
      parentId: '7909909909909909902',
      samplingPriority: 1,
      tags: '_dd.p.dm=-0',
    },
  },
  {
    fixture: 'eventbridge-sqs',
    source: 'sqs',
    form: 'datadog',
    parent: { traceId: '8101101101101101101', parentId: '8101101101101101102', samplingPriority: 1 },
  },
  {
    fixture: 'kinesis',
    source: 'kinesis',
    form: 'datadog',
    parent: { traceId: '8202202202202202201', parentId: '8202202202202202202', samplingPriority: 1 },
    links: [{ traceId: '8202202202202202211', parentId: '8202202202202202212', samplingPriority: 1 }],
  },
  // DynamoDB Streams and S3 carry no trace context: a stream record is an item change and S3
  // propagates nothing. The source is still recognised (for the trigger tags).
  { fixture: 'dynamodb', source: 'dynamodb' },
  { fixture: 's3', source: 's3' },
  // Step Functions is its own, later, stage of the parent choice (see step-functions.test.ts).
  { fixture: 'step-functions', source: 'states' },
  { fixture: 'step-functions-root', source: 'states' },
  { fixture: 'step-functions-lambda-root', source: 'states' },
];

describe('event sources on their fixtures', () => {
  for (const c of CASES) {
    it(`${c.fixture}: ${c.source}${c.form ? `, ${c.form} carrier` : ', no context'}`, () => {
      const { source, extracted, notes } = extract(fixture(c.fixture));
      assert.equal(source, c.source);
      assert.deepEqual(notes, []);
      if (c.parent === undefined) {
        assert.equal(extracted?.parent, undefined);
        return;
      }
      assert.equal(extracted?.parent?.form, c.form);
      assert.deepEqual(extracted?.parent?.context, c.parent);
      assert.deepEqual(
        extracted?.links.map((l) => l.context),
        c.links ?? [],
      );
    });
  }

  it('DynamoDB Streams: none by default, even when an item holds a _datadog attribute', () => {
    const event = fixture('dynamodb');
    event.Records[0].dynamodb.NewImage._datadog = { M: { 'x-datadog-trace-id': { S: '1' } } };
    const { extracted, notes } = extract(event);
    assert.equal(extracted, undefined);
    assert.deepEqual(notes, []);
  });

  it('events of no known shape match no source', () => {
    for (const event of [undefined, null, 'text', 42, [], {}, { Records: [] }, { Records: [{ other: 1 }] }])
      assert.equal(detectEventSource(event), undefined, JSON.stringify(event));
  });
});

describe('X-Amzn-Trace-Id request header', () => {
  function withOnlyXRayHeader(value: string) {
    const event = fixture('api-gateway-http');
    event.headers = { host: event.headers.host, 'x-amzn-trace-id': value };
    return event;
  }
  it('a parentable X-Ray header is the parent when merging is on', () => {
    const { extracted } = extract(
      withOnlyXRayHeader('Root=1-5e272390-8c398be037738dc042009320;Parent=94ae789b969f1cc5;Sampled=1'),
    );
    assert.equal(extracted?.parent?.form, 'xray');
    assert.deepEqual(extracted?.parent?.context, {
      traceId: '3995693151288333088',
      parentId: '10713633173203262661',
      samplingPriority: 2,
    });
  });
  it('ignored when merging is off, unless it is the padded Datadog form', () => {
    const off = { ...SETTINGS, mergeXrayTraces: false };
    const plain = 'Root=1-5e272390-8c398be037738dc042009320;Parent=94ae789b969f1cc5;Sampled=1';
    assert.equal(extract(withOnlyXRayHeader(plain), off).extracted?.parent, undefined);
    const padded = 'Root=1-5e272390-0000000000000000000000ff;Parent=94ae789b969f1cc5;Sampled=1';
    assert.equal(extract(withOnlyXRayHeader(padded), off).extracted?.parent?.context.traceId, '255');
  });
});

describe('malformed carriers: one note each, then the next carrier of the same event', () => {
  const AWS_TRACE_HEADER = 'Root=1-65f2f4b1-000000006a1b2c3d4e5f6071;Parent=5a6b7c8d9e0f1a2b;Sampled=1';
  function sqsWith(attribute: Record<string, unknown> | undefined, traceHeader?: string) {
    const event = fixture('sqs');
    event.Records = [event.Records[0]];
    event.Records[0].messageAttributes = attribute ? { _datadog: attribute } : {};
    if (traceHeader) event.Records[0].attributes.AWSTraceHeader = traceHeader;
    return event;
  }

  const variants: Array<[string, () => unknown, string | undefined]> = [
    [
      'SQS Binary that is not base64 -> AWSTraceHeader',
      () => sqsWith({ dataType: 'Binary', binaryValue: '%%%not-base64%%%' }, AWS_TRACE_HEADER),
      String(0x6a1b2c3d4e5f6071n),
    ],
    [
      'SQS Binary base64 of text that is not JSON -> AWSTraceHeader',
      () =>
        sqsWith(
          { dataType: 'Binary', binaryValue: Buffer.from('{nope').toString('base64') },
          AWS_TRACE_HEADER,
        ),
      String(0x6a1b2c3d4e5f6071n),
    ],
    [
      'SQS String that is not JSON -> AWSTraceHeader',
      () => sqsWith({ dataType: 'String', stringValue: '{"x-datadog-trace-id":' }, AWS_TRACE_HEADER),
      String(0x6a1b2c3d4e5f6071n),
    ],
    [
      'SQS String JSON that is not an object -> nothing',
      () => sqsWith({ dataType: 'String', stringValue: '[1,2]' }),
      undefined,
    ],
    [
      'SQS zero trace id -> AWSTraceHeader',
      () =>
        sqsWith({ dataType: 'String', stringValue: JSON.stringify(ddCarrier('0', '5')) }, AWS_TRACE_HEADER),
      String(0x6a1b2c3d4e5f6071n),
    ],
    [
      'SQS parent id above 2^64-1 -> nothing',
      () =>
        sqsWith({ dataType: 'String', stringValue: JSON.stringify(ddCarrier('5', '18446744073709551616')) }),
      undefined,
    ],
    ['SQS attribute without a value -> nothing', () => sqsWith({ dataType: 'String' }), undefined],
    [
      'SNS Binary that is not base64 -> nothing',
      () => {
        const event = fixture('sns');
        event.Records[0].Sns.MessageAttributes._datadog.Value = 'not base64!';
        return event;
      },
      undefined,
    ],
    [
      'SNS String that is not JSON -> nothing',
      () => {
        const event = fixture('sns');
        event.Records[0].Sns.MessageAttributes._datadog = { Type: 'String', Value: 'nope' };
        return event;
      },
      undefined,
    ],
    [
      'SNS through SQS with a zero parent id -> the AWSTraceHeader',
      () => {
        const event = fixture('sns-sqs');
        const body = JSON.parse(event.Records[0].body);
        body.MessageAttributes._datadog.Value = JSON.stringify(ddCarrier('9', '0'));
        event.Records[0].body = JSON.stringify(body);
        event.Records[0].attributes.AWSTraceHeader = AWS_TRACE_HEADER;
        return event;
      },
      String(0x6a1b2c3d4e5f6071n),
    ],
    [
      'EventBridge _datadog that is a string -> nothing',
      () => {
        const event = fixture('eventbridge');
        event.detail._datadog = 'x-datadog-trace-id=1';
        return event;
      },
      undefined,
    ],
    [
      'EventBridge ids that are not decimal -> nothing',
      () => {
        const event = fixture('eventbridge');
        event.detail._datadog = ddCarrier('0x10', '0x20');
        return event;
      },
      undefined,
    ],
    [
      'Kinesis data that mentions _datadog but is not JSON -> nothing',
      () => {
        const event = fixture('kinesis');
        event.Records = [event.Records[0]];
        event.Records[0].kinesis.data = Buffer.from('{"_datadog": {broken').toString('base64');
        return event;
      },
      undefined,
    ],
    [
      'Kinesis _datadog with a zero trace id -> nothing',
      () => {
        const event = fixture('kinesis');
        event.Records = [event.Records[0]];
        event.Records[0].kinesis.data = base64Json({ _datadog: ddCarrier('0', '1') });
        return event;
      },
      undefined,
    ],
    [
      'HTTP: malformed x-datadog-* -> the W3C traceparent of the same request',
      () => {
        const event = fixture('api-gateway-http');
        event.headers['x-datadog-trace-id'] = '99999999999999999999999';
        event.headers['x-datadog-parent-id'] = '1';
        return event;
      },
      String(0x63f3a2b1c4d5e6f7n),
    ],
    [
      'HTTP: a traceparent of version ff -> nothing',
      () => {
        const event = fixture('alb-multi-value');
        event.multiValueHeaders.Traceparent = ['ff-000000000000000074a4a4a4a4a4a4a4-74b4b4b4b4b4b4b4-01'];
        return event;
      },
      undefined,
    ],
  ];
  for (const [name, make, expectedTraceId] of variants) {
    it(name, () => {
      const { extracted, notes } = extract(make());
      assert.equal(extracted?.parent?.context.traceId, expectedTraceId);
      assert.equal(notes.length, 1, notes.join(' | '));
    });
  }

  it('user data that is simply not a carrier is not reported (SQS body, Kinesis data)', () => {
    const sqs = fixture('sqs');
    sqs.Records = [{ ...sqs.Records[3], body: '{"note":"plain JSON body"}' }];
    assert.deepEqual(extract(sqs).notes, []);
    const kinesis = fixture('kinesis');
    kinesis.Records[0].kinesis.data = Buffer.from('plain text record').toString('base64');
    kinesis.Records = [kinesis.Records[0]];
    assert.deepEqual(extract(kinesis).notes, []);
  });
});

describe('batches', () => {
  function sqsBatch(size: number, carrierOf: (i: number) => Record<string, unknown> | undefined) {
    const template = fixture('sqs').Records[0];
    return {
      Records: Array.from({ length: size }, (_, i) => {
        const carrier = carrierOf(i);
        return {
          ...template,
          messageId: `m-${i}`,
          messageAttributes: carrier
            ? { _datadog: { dataType: 'String', stringValue: JSON.stringify(carrier) } }
            : {},
        };
      }),
    };
  }

  it(`links at most ${MAX_LINKED_RECORDS} other records, however large the batch`, () => {
    const { extracted } = extract(sqsBatch(1000, (i) => ddCarrier(String(i + 1), String(i + 1))));
    assert.equal(extracted?.parent?.context.traceId, '1');
    assert.equal(extracted?.links.length, MAX_LINKED_RECORDS);
    assert.equal(extracted?.links[0]?.context.traceId, '2');
  });

  it('the first record without a context: no parent, the others still linked', () => {
    const { extracted } = extract(sqsBatch(3, (i) => (i === 0 ? undefined : ddCarrier(String(i + 10), '1'))));
    assert.equal(extracted?.parent, undefined);
    assert.deepEqual(
      extracted?.links.map((l) => l.context.traceId),
      ['11', '12'],
    );
  });

  it('malformed carriers in other records: one note for all of them', () => {
    const { extracted, notes } = extract(
      sqsBatch(5, (i) => (i === 0 ? ddCarrier('1', '1') : ddCarrier('0', '0'))),
    );
    assert.equal(extracted?.links.length, 0);
    assert.equal(notes.length, 1);
    assert.match(notes[0] ?? '', /4 other record/);
  });
});

describe("SQS attributes.AWSTraceHeader of another X-Ray trace (the producer's)", () => {
  // A real producer header (datadog-lambda-js event_samples/eventbridge-sqs.json) on a real SQS record
  // (event_samples/sqs.json): X-Ray gives the consumer its own trace and links the producer's, so the
  // producer's context is a link and the invocation's own X-Ray header is left to parent the span.
  const PRODUCER = 'Root=1-64cc2edd-112fbf1701d1355973a11d57;Parent=7d5a9776024b2d42;Sampled=0';
  const PRODUCER_CONTEXT = { traceId: String(0x01d1355973a11d57n), parentId: String(0x7d5a9776024b2d42n) };
  function sqsRecord(header?: string, carrier?: Record<string, string>) {
    const record = realFixture('datadog-lambda-js/sqs').Records[0];
    if (header) record.attributes.AWSTraceHeader = header;
    if (carrier)
      record.messageAttributes = { _datadog: { dataType: 'String', stringValue: JSON.stringify(carrier) } };
    return record;
  }

  const cases: Array<[string, unknown[], boolean, string | undefined, Array<Record<string, unknown>>]> = [
    [
      'one record, merge on: no parent, the producer linked',
      [sqsRecord(PRODUCER)],
      true,
      undefined,
      [PRODUCER_CONTEXT],
    ],
    ['one record, merge off: X-Ray ids are not read at all', [sqsRecord(PRODUCER)], false, undefined, []],
    [
      'batch, merge on: record 0 Datadog parents, record 1 the producer linked',
      [sqsRecord(undefined, ddCarrier('31', '32', '1')), sqsRecord(PRODUCER)],
      true,
      '31',
      [PRODUCER_CONTEXT],
    ],
    [
      'batch, merge on: record 0 X-Ray, record 1 Datadog: both linked, no parent',
      [sqsRecord(PRODUCER), sqsRecord(undefined, ddCarrier('41', '42', '1'))],
      true,
      undefined,
      [PRODUCER_CONTEXT, { traceId: '41', parentId: '42', samplingPriority: 1 }],
    ],
  ];
  for (const [name, records, merge, parentTraceId, links] of cases) {
    it(name, () => {
      const { extracted, notes } = extract({ Records: records }, { ...SETTINGS, mergeXrayTraces: merge });
      assert.deepEqual(notes, []);
      assert.equal(extracted?.parent?.context.traceId, parentTraceId);
      assert.deepEqual(
        extracted?.links.map((l) => l.context),
        links,
      );
    });
  }

  it("dd-trace-java's padded form is a Datadog context and still parents", () => {
    const { extracted } = extract(fixture('sqs-aws-trace-header'), { ...SETTINGS, mergeXrayTraces: false });
    assert.equal(extracted?.parent?.form, 'datadog-in-xray');
  });
});

describe('detectEventSource: the quick test for events of no source changes no answer', () => {
  it('every event fixture, ours and the peers’ real samples: the same source as trying every source', () => {
    const root = fileURLToPath(new URL('../fixtures/events/', import.meta.url));
    let checked = 0;
    for (const file of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.json')) continue;
      const event: unknown = JSON.parse(readFileSync(path.join(root, file), 'utf8'));
      const everySource = isRecord(event)
        ? EVENT_SOURCES.find((source) => source.matches(event as Record<string, unknown>))
        : undefined;
      assert.equal(detectEventSource(event)?.name, everySource?.name, file);
      checked += 1;
    }
    assert.ok(checked > 100, `only ${checked} fixtures`);
  });
});
