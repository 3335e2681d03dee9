// Fuzz: the merger's segment reader and converter over random documents, real segments broken in
// random places, hostile ids and times, `__proto__` keys, and nesting far deeper than X-Ray makes.
// Never throws, never takes long, never touches a prototype, and every span it makes has the shape
// the agent takes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { convertDocuments } from '../../src/merge/convert.ts';
import type { DatadogSpan } from '../../src/merge/span.ts';
import { readSegmentDocuments } from '../../src/merge/xray-input.ts';
import {
  hexString,
  hostileId,
  hostileString,
  hostileValue,
  mutated,
  NASTY_KEYS,
  params,
  prototypeSnapshot,
  timed,
  toJson,
  withOwnProto,
} from './hostile.ts';

const PER_INPUT_MS = 2000;
const UINT64 = /^(0|[1-9][0-9]{0,19})$/;
const MAX_UINT64 = 2n ** 64n - 1n;

const saved = JSON.parse(
  readFileSync(new URL('../fixtures/segments/checkout-trace.json', import.meta.url), 'utf8'),
) as { Traces: Array<{ Segments: Array<{ Document: string }> }> };
const realDocuments: unknown[] = saved.Traces.flatMap((t) => t.Segments.map((s) => JSON.parse(s.Document)));
const ndjson = readFileSync(new URL('../fixtures/segments/orders-service.ndjson', import.meta.url), 'utf8');

const TRACE_ID = '1-5e272390-8c398be037738dc042009320';

const time = fc.oneof(
  fc.double({ min: 0, max: 4e9, noNaN: true }),
  fc.double(),
  fc.constantFrom(0, -1, 1e308, -1e308, Number.MAX_SAFE_INTEGER, 1579584424.555, '1579584424.555', null),
  hostileString,
);

/** A segment-shaped document whose every field may be hostile. */
const segmentish: fc.Arbitrary<Record<string, unknown>> = fc
  .record(
    {
      id: fc.oneof(hexString(16, 16), hostileId),
      name: fc.oneof(fc.string({ maxLength: 20 }), hostileString),
      trace_id: fc.oneof(fc.constant(TRACE_ID), hostileString),
      parent_id: fc.oneof(hexString(16, 16), hostileId),
      type: fc.constantFrom('subsegment', 'segment', undefined, 'x'),
      start_time: time,
      end_time: time,
      in_progress: fc.oneof(fc.boolean(), hostileValue),
      origin: fc.oneof(
        fc.constantFrom('AWS::Lambda::Function', 'AWS::Lambda', 'AWS::ApiGateway::Stage'),
        hostileString,
      ),
      namespace: fc.constantFrom('aws', 'remote', 'local', undefined),
      http: hostileValue,
      aws: hostileValue,
      sql: hostileValue,
      cause: hostileValue,
      annotations: fc.dictionary(
        fc.oneof(fc.constantFrom(...NASTY_KEYS), fc.string({ maxLength: 10 })),
        hostileValue,
        {
          maxKeys: 4,
        },
      ),
      metadata: hostileValue,
      fault: hostileValue,
      error: hostileValue,
      throttle: hostileValue,
      subsegments: fc.oneof(fc.constant(undefined), hostileValue),
    },
    { requiredKeys: ['id', 'trace_id', 'start_time'] },
  )
  .chain((doc) =>
    fc.constantFrom(doc, withOwnProto(doc), {
      ...doc,
      annotations: withOwnProto({ polluted: 'yes' }),
      metadata: { default: withOwnProto({ a: 1 }) },
    }),
  );

/** Subsegments nested `depth` deep, as JSON text (built without recursion). */
function nestedSegmentText(depth: number): string {
  const open = (i: number) =>
    `{"id":"${(i + 1).toString(16).padStart(16, '0')}","name":"n${i}","start_time":1579584424.5,"end_time":1579584425,"subsegments":[`;
  const head = `{"id":"aaaaaaaaaaaaaaaa","name":"root","trace_id":"${TRACE_ID}","start_time":1579584424.5,"end_time":1579584425,"subsegments":[`;
  let text = head;
  for (let i = 0; i < depth; i += 1) text += open(i);
  return `${text}${']}'.repeat(depth)}]}`;
}

/** As JSON text or as objects, the two forms the converter takes. */
const asTextOrObject = (doc: unknown) => fc.constantFrom(doc, toJson(doc));

function assertSpan(span: DatadogSpan): void {
  for (const key of ['trace_id', 'span_id', 'parent_id'] as const) {
    assert.match(span[key], UINT64, `${key} ${span[key]}`);
    assert.ok(BigInt(span[key]) <= MAX_UINT64, `${key} ${span[key]} fits 64 bits`);
  }
  assert.notEqual(span.span_id, '0');
  assert.equal(typeof span.name, 'string');
  assert.equal(typeof span.service, 'string');
  assert.equal(typeof span.resource, 'string');
  assert.equal(typeof span.start, 'bigint');
  assert.equal(typeof span.duration, 'bigint');
  assert.ok(span.duration >= 0n, `duration ${span.duration}`);
  assert.ok(span.error === 0 || span.error === 1);
  assert.equal(Object.getPrototypeOf(span.meta), Object.getPrototypeOf({}) ?? null, 'meta is a plain object');
  for (const [key, value] of Object.entries(span.meta)) assert.equal(typeof value, 'string', `meta ${key}`);
  for (const [key, value] of Object.entries(span.metrics))
    assert.ok(typeof value === 'number' && Number.isFinite(value), `metric ${key} = ${value}`);
}

function check(documents: unknown[]): void {
  const result = timed(PER_INPUT_MS, () => convertDocuments(documents));
  assert.equal(result.documents, documents.length);
  for (const span of result.spans) assertSpan(span);
  // Every span is serializable the way the sinks write it.
  toJson(result.spans);
}

describe('fuzz: convertDocuments', () => {
  const inputs: Array<[string, fc.Arbitrary<unknown[]>, number]> = [
    ['random values', fc.array(hostileValue, { maxLength: 5 }), 500],
    ['random JSON text', fc.array(fc.oneof(fc.json(), hostileString), { maxLength: 5 }), 500],
    [
      'segment-shaped documents with hostile fields',
      fc.array(segmentish.chain(asTextOrObject), { maxLength: 6 }),
      1500,
    ],
    [
      'real segments broken in random places',
      fc.array(fc.oneof(...realDocuments.map((d) => mutated(d).chain(asTextOrObject))), {
        minLength: 1,
        maxLength: 6,
      }),
      1500,
    ],
  ];
  for (const [name, documents, runs] of inputs) {
    it(`${name}: never throws, agent-shaped spans, no prototype touched`, () => {
      const unchanged = prototypeSnapshot();
      fc.assert(fc.property(documents, check), params(runs));
      unchanged();
    });
  }

  // The depth is the counterexample (the text itself would flood the report).
  it('deep nesting (100 to 100,000 levels): never throws, agent-shaped spans', () => {
    const unchanged = prototypeSnapshot();
    fc.assert(
      fc.property(fc.constantFrom(100, 1_000, 5_000, 20_000, 100_000), fc.boolean(), (depth, parsed) => {
        const text = nestedSegmentText(depth);
        check([parsed ? JSON.parse(text) : text]);
      }),
      params(10),
    );
    unchanged();
  });

  it('the real segments still convert (the fuzz starts from working input)', () => {
    const result = convertDocuments(realDocuments);
    assert.ok(result.spans.length >= realDocuments.length);
    assert.deepEqual(result.skipped, []);
  });
});

describe('fuzz: readSegmentDocuments', () => {
  it('random text, broken NDJSON and 64 KB lines: never throws', () => {
    const unchanged = prototypeSnapshot();
    const text = fc.oneof(
      hostileString,
      fc.json(),
      fc.array(fc.oneof(fc.json(), hostileString), { maxLength: 6 }).map((lines) => lines.join('\n')),
      fc.tuple(fc.nat(), hostileString).map(([at, what]) => {
        const i = at % ndjson.length;
        return ndjson.slice(0, i) + what + ndjson.slice(i);
      }),
    );
    fc.assert(
      fc.property(text, (input) => {
        const read = timed(PER_INPUT_MS, () => readSegmentDocuments(input));
        assert.ok(Array.isArray(read.documents));
        check(read.documents);
      }),
      params(800),
    );
    unchanged();
  });
});
