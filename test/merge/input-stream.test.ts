// The streaming X-Ray reader: every input form, cut into pieces anywhere, gives the documents the
// whole-text reader gives; traces are gathered within a bounded window; input that cannot be read
// is one InputError line that says where.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { InputError } from '../../src/merge/input/input-error.ts';
import { gatherTraces, type TraceDocuments } from '../../src/merge/input/trace-window.ts';
import {
  createReadReport,
  type DocumentBatch,
  type ReadReport,
  readXRayDocuments,
} from '../../src/merge/input/xray-stream.ts';
import { readSegmentDocuments } from '../../src/merge/xray-input.ts';

const fixture = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8');
const batchGetTraces = fixture('fixtures/xray-real/aws-devguide-batch-get-traces.json');
const goSample = fixture('fixtures/xray-real/otel-go-sdk-ddb-sample.json');
const nodeSample = fixture('fixtures/xray-real/xray-sdk-node-aws-sdk-v2.ndjson');
const examples = fixture('fixtures/xray-real/aws-devguide-segment-examples.ndjson');
const checkout = fixture('../fixtures/segments/checkout-trace.json');

/** The text as chunks of `size` bytes (a multi-byte character may be cut in two). */
async function* chunks(text: string, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function readAll(
  text: string,
  size: number,
  report: ReadReport = createReadReport(),
): Promise<DocumentBatch[]> {
  const batches: DocumentBatch[] = [];
  for await (const batch of readXRayDocuments(chunks(text, size), 'input', report)) batches.push(batch);
  return batches;
}

/** Documents as parsed values, whatever form they came in. */
const parsed = (documents: unknown[]) =>
  documents.map((document) => (typeof document === 'string' ? JSON.parse(document) : document));

describe('readXRayDocuments: the forms people have at hand, in pieces of any size', () => {
  const forms: Array<[string, string]> = [
    ['a BatchGetTraces response as the AWS CLI prints it', batchGetTraces],
    ['the same response on one line', JSON.stringify(JSON.parse(batchGetTraces))],
    ['a trace object', JSON.stringify(JSON.parse(batchGetTraces).Traces[0], null, 2)],
    [
      'a JSON array of documents',
      JSON.stringify(
        JSON.parse(checkout).Traces[0].Segments.map((s: { Document: string }) => JSON.parse(s.Document)),
      ),
    ],
    ['one document printed over several lines', goSample],
    [
      'NDJSON, one document per line',
      nodeSample + nodeSample.replaceAll('3c2a65228ed9b2ba', '3c2a65228ed9b2bb'),
    ],
    ['NDJSON with CRLF line ends and a byte order mark', `\uFEFF${nodeSample.replace(/\n/g, '\r\n')}`],
  ];
  for (const [label, text] of forms) {
    for (const size of [1, 7, 4096, 1 << 20]) {
      it(`${label}, ${size}-byte pieces`, async () => {
        const batches = await readAll(text, size);
        const want = readSegmentDocuments(text.replace(/^\uFEFF/, '')).documents;
        assert.deepEqual(parsed(batches.flatMap((batch) => batch.documents)), parsed(want));
      });
    }
  }

  it('a trace object carries its id and all its documents', async () => {
    const [batch] = await readAll(batchGetTraces, 64);
    assert.deepEqual(
      [batch?.traceId, batch?.whole, batch?.documents.length],
      ['1-59602603-23fc5b688855d396af79b496', true, 5],
    );
  });

  it('NDJSON lines that are not JSON are counted with their line number and reason, not fatal', async () => {
    const report = createReadReport();
    const batches = await readAll(examples, 13, report);
    assert.equal(batches.length, 7);
    assert.equal(report.notJsonCount, 4);
    assert.deepEqual(
      report.notJson.map((bad) => bad.line),
      [4, 5, 8, 10],
    );
  });

  it('a last NDJSON line cut short says so', async () => {
    const report = createReadReport();
    await readAll(`${nodeSample}${nodeSample.slice(0, 200)}`, 100, report);
    assert.deepEqual(report.notJson, [{ line: 2, reason: 'JSON cut short at the end of the input' }]);
  });
});

describe('readXRayDocuments: input that cannot be read is one line that says where', () => {
  const cases: Array<[string, string, string]> = [
    ['empty', '', 'input: empty input (no segment documents)'],
    ['whitespace only', ' \r\n\t\n', 'input: empty input (no segment documents)'],
    [
      'cut short inside its trace',
      batchGetTraces.slice(0, 2000),
      'input: JSON cut short: the input ends inside a value at line 11, column 1424 (byte 2000) (after 0 values)',
    ],
    [
      'a stray character',
      '{"Traces": [ ] ]',
      "input: not JSON at line 1, column 16 (byte 15): unexpected ']' (after 0 values; expected X-Ray segment documents: a BatchGetTraces response (JSON) or NDJSON)",
    ],
    [
      'CSV',
      'trace_id,name\n1-5e272390-8c398be037738dc042009320,fn\n',
      "input: not JSON: line 1: unexpected 'a' (expected X-Ray segment documents: a BatchGetTraces response (JSON) or NDJSON)",
    ],
  ];
  for (const [label, text, message] of cases) {
    for (const size of [1, 4096]) {
      it(`${label} (${size}-byte pieces)`, async () => {
        await assert.rejects(readAll(text, size), (error: unknown) => {
          assert.ok(error instanceof InputError);
          assert.equal(error.message, message);
          return true;
        });
      });
    }
  }
});

describe('gatherTraces: each trace whole, within a bounded window', () => {
  const batch = (traceId: string | undefined, id: string, whole = false): DocumentBatch => ({
    traceId,
    documents: [id],
    whole,
  });
  async function* from(batches: DocumentBatch[]): AsyncGenerator<DocumentBatch> {
    yield* batches;
  }
  const gather = async (batches: DocumentBatch[], maxOpenTraces: number, maxHeldDocuments: number) => {
    const out: TraceDocuments[] = [];
    for await (const trace of gatherTraces(from(batches), { maxOpenTraces, maxHeldDocuments }))
      out.push(trace);
    return out.map((trace) => `${trace.traceId ?? '-'}:${trace.documents.join(',')}`);
  };
  const cases: Array<[string, DocumentBatch[], number, number, string[]]> = [
    [
      'interleaved traces within the window come out whole',
      [batch('a', '1'), batch('b', '2'), batch('a', '3')],
      10,
      100,
      ['b:2', 'a:1,3'],
    ],
    [
      'a trace pushed out of the window comes out in pieces',
      [batch('a', '1'), batch('b', '2'), batch('c', '3'), batch('a', '4')],
      2,
      100,
      ['a:1', 'b:2', 'c:3', 'a:4'],
    ],
    [
      'held documents bound the window too',
      [batch('a', '1'), batch('a', '2'), batch('b', '3')],
      10,
      2,
      ['a:1,2', 'b:3'],
    ],
    [
      'a whole trace passes straight through',
      [batch('a', '1'), batch('b', '2', true), batch('a', '3')],
      10,
      100,
      ['b:2', 'a:1,3'],
    ],
    [
      'a whole trace joins documents of its trace that wait',
      [batch('a', '1'), batch('a', '2', true)],
      10,
      100,
      ['a:1,2'],
    ],
    [
      'documents without a trace id pass on alone',
      [batch(undefined, '1'), batch('a', '2')],
      10,
      100,
      ['-:1', 'a:2'],
    ],
  ];
  for (const [label, batches, maxOpen, maxHeld, want] of cases) {
    it(label, async () => {
      assert.deepEqual(await gather(batches, maxOpen, maxHeld), want);
    });
  }
});
