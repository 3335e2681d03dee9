// Differential test of the segment reader's fast path (a hand-written check of JSON documents,
// src/merge/segment-schema.ts) against the zod schema, which stays the authority. Over the real-
// shaped fixtures and a seeded corpus of those documents broken in random places (wrong types,
// missing fields, uppercase and malformed ids, Infinity, `__proto__` keys, unknown fields, broken
// nesting):
// - a document the fast check takes is one the schema takes, as the same document;
// - parseSegmentDocument (fast path first) and the schema alone give equal results, skips and
//   reasons included;
// - converting the JSON text (fast path) and the parsed object (always zod) gives the same NDJSON.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { convertDocuments, type XRayTrace } from '../../src/merge/convert.ts';
import {
  parseSegmentDocument,
  parseSegmentDocumentWithSchema,
  passesFastCheck,
} from '../../src/merge/segment-schema.ts';
import { formatNdjson } from '../../src/merge/sinks/ndjson.ts';
import { readSegmentDocuments } from '../../src/merge/xray-input.ts';

const SEED = 0xfa57_c0de;
const RUNS = 3000;

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/segments/${name}`, import.meta.url), 'utf8');
const checkout = JSON.parse(fixture('checkout-trace.json')) as { Traces: XRayTrace[] };
const texts: string[] = [
  ...checkout.Traces.flatMap((t) => (t.Segments ?? []).map((s) => s.Document as string)),
  ...readSegmentDocuments(fixture('orders-service.ndjson')).documents.map((d) => JSON.stringify(d)),
  // The bench's Lambda function segment: nested subsegments, annotations, an HTTP call that failed.
  JSON.stringify({
    id: '5c2e0a9f1b3d4e67',
    name: 'orders-api',
    trace_id: '1-69560000-0123456789abcdef01234567',
    parent_id: '0a1b2c3d4e5f6071',
    start_time: 1767225600.004,
    end_time: 1767225600.405,
    origin: 'AWS::Lambda::Function',
    aws: { account_id: '123456789012', resource_names: ['orders-api'] },
    annotations: { tenant: 'acme', order_total: 19.9, premium: true },
    subsegments: [
      {
        id: '6d3f1bab2c4e5f78',
        name: 'Invocation',
        start_time: 1767225600.004,
        end_time: 1767225600.398,
        subsegments: [
          {
            id: '7e4a2cbc3d5f6a89',
            name: 'payments.example.com',
            namespace: 'remote',
            start_time: 1767225600.04,
            end_time: 1767225600.39,
            http: {
              request: { method: 'POST', url: 'https://payments.example.com/v1' },
              response: { status: 502 },
            },
            fault: true,
            cause: {
              working_directory: '/var/task',
              exceptions: [{ id: '8f5b3dcd4e6a7b9a', message: 'Bad Gateway' }],
            },
          },
        ],
      },
      { id: '9a6c4ede5f7b8cab', name: 'Overhead', start_time: 1767225600.398, end_time: 1767225600.405 },
    ],
  }),
];

/** What a JSON text cannot say directly: JSON.stringify writes it as a marker, swapped for 1e999. */
const INFINITY = Symbol('Infinity');
const INFINITY_MARKER = '"<<infinity>>"';

const FIELDS = [
  'id',
  'name',
  'start_time',
  'end_time',
  'in_progress',
  'trace_id',
  'parent_id',
  'type',
  'origin',
  'namespace',
  'inferred',
  'resource_arn',
  'user',
  'service',
  'version',
  'http',
  'request',
  'response',
  'method',
  'url',
  'user_agent',
  'client_ip',
  'x_forwarded_for',
  'traced',
  'status',
  'content_length',
  'aws',
  'sql',
  'sanitized_query',
  'database_type',
  'fault',
  'error',
  'throttle',
  'cause',
  'working_directory',
  'paths',
  'exceptions',
  'message',
  'remote',
  'stack',
  'path',
  'line',
  'label',
  'annotations',
  'metadata',
  'subsegments',
  '__proto__',
  'constructor',
  'unknown_field',
];

const tricky = fc.constantFrom<unknown>(
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e21,
  INFINITY,
  '',
  'x',
  'subsegment',
  'ABCDEF0123456789',
  '0123456789abcdeF',
  '0123456789abcde',
  '0123456789abcdefa',
  '0123456789abcdeg',
  '1-5E272390-8C398BE037738DC042009320',
  '1-5e272390-8c398be037738dc04200932',
  '1-5e272390_8c398be037738dc042009320',
  [],
  ['x'],
  [1],
  {},
  { version: 1 },
  { request: { method: 1 } },
  { exceptions: [{ stack: [{ line: 'x' }] }] },
);
const value = fc.oneof(
  { weight: 3, arbitrary: tricky },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);
const mutation = fc.record({
  target: fc.nat(),
  key: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...FIELDS) }, { weight: 1, arbitrary: fc.string() }),
  value,
  remove: fc.boolean(),
});
const corpus = fc
  .record({
    base: fc.nat({ max: texts.length - 1 }),
    upper: fc.boolean(),
    mutations: fc.array(mutation, { minLength: 0, maxLength: 3 }),
  })
  .map(({ base, upper, mutations }) => {
    const document = JSON.parse(texts[base] as string) as unknown;
    if (upper) uppercaseIds(document);
    for (const m of mutations) mutate(document, m);
    return JSON.stringify(document, (_key, v) => (v === INFINITY ? '<<infinity>>' : v)).replaceAll(
      INFINITY_MARKER,
      '1e999',
    );
  });

interface Mutation {
  readonly target: number;
  readonly key: string;
  readonly value: unknown;
  readonly remove: boolean;
}

/** X-Ray ids in capitals, which both paths must lowercase. */
function uppercaseIds(node: unknown): void {
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  for (const key of ['id', 'trace_id', 'parent_id']) {
    const id = record[key];
    if (typeof id === 'string') record[key] = id.toUpperCase();
  }
  for (const child of Object.values(record)) uppercaseIds(child);
}

/** Sets or deletes one key of one object (or element of one array) anywhere in the document. */
function mutate(document: unknown, m: Mutation): void {
  const nodes: object[] = [];
  const visit = (node: unknown) => {
    if (typeof node !== 'object' || node === null) return;
    nodes.push(node);
    for (const child of Object.values(node)) visit(child);
  };
  visit(document);
  const node = nodes[m.target % nodes.length] as Record<string, unknown> | unknown[];
  // A copy: the same generated value set twice would make a cycle, and the constants are shared.
  const value = m.value === INFINITY ? INFINITY : structuredClone(m.value);
  if (Array.isArray(node)) {
    const index = m.target % (node.length + 1);
    if (m.remove) node.splice(index, 1);
    else node[index] = value;
  } else if (m.remove) delete node[m.key];
  // As JSON.parse makes it: an own, enumerable `__proto__`, not the prototype.
  else Object.defineProperty(node, m.key, { value, enumerable: true, configurable: true, writable: true });
}

function compare(text: string): 'fast' | 'schema' {
  const fast = passesFastCheck(JSON.parse(text));
  const viaFastPath = parseSegmentDocument(text);
  const viaSchema = parseSegmentDocumentWithSchema(text);
  if (fast) assert.equal(viaSchema.ok, true, `the fast check took what the schema refuses: ${text}`);
  assert.deepStrictEqual(viaFastPath, viaSchema, text);
  const fromText = convertDocuments([text]);
  const fromObject = convertDocuments([JSON.parse(text)]);
  assert.equal(formatNdjson(fromText.spans), formatNdjson(fromObject.spans), text);
  assert.deepStrictEqual(fromText.skipped, fromObject.skipped, text);
  return fast ? 'fast' : 'schema';
}

describe('segment reader: the fast path agrees with the schema', () => {
  it('on the fixtures: the valid ones take the fast path', () => {
    for (const text of texts) {
      assert.equal(compare(text), parseSegmentDocumentWithSchema(text).ok ? 'fast' : 'schema', text);
    }
  });

  it('on a seeded corpus of broken documents', () => {
    const seen = { fast: 0, schema: 0, schemaAccepted: 0 };
    fc.assert(
      fc.property(corpus, (text) => {
        const path = compare(text);
        seen[path] += 1;
        if (path === 'schema' && parseSegmentDocumentWithSchema(text).ok) seen.schemaAccepted += 1;
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // Not vacuous: the corpus reaches both paths, and some documents the fast check leaves to zod
    // are valid all the same (it may be stricter than the schema, never looser).
    assert.ok(seen.fast > RUNS / 10, JSON.stringify(seen));
    assert.ok(seen.schema > RUNS / 10, JSON.stringify(seen));
    assert.ok(seen.schemaAccepted > 0, JSON.stringify(seen));
  });

  it('can fail: a check that took a wrong type would be caught', () => {
    const text = texts[0]?.replace('"start_time":', '"start_time":"1579584424.55","was":') ?? '';
    assert.equal(passesFastCheck(JSON.parse(text)), false);
    assert.equal(parseSegmentDocumentWithSchema(text).ok, false);
  });
});
