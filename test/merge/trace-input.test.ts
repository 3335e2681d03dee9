// Inputs of mixed formats for convert and merge: each document by its own format, wrappers
// unwrapped, and X-Ray documents converted exactly as the segment reader alone converts them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { convertDocuments } from '../../src/merge/convert.ts';
import { convertTraceInput, readTraceInput } from '../../src/merge/trace-input.ts';
import { readSegmentDocuments } from '../../src/merge/xray-input.ts';

const TWIN = new URL('../fixtures/otel/twin/', import.meta.url);
const xrayText = readFileSync(new URL('xray.json', TWIN), 'utf8');
const otelLines = readFileSync(new URL('otel.ndjson', TWIN), 'utf8').trim().split('\n');
const xrayDocument = (JSON.parse(xrayText) as { Traces: Array<{ Segments: Array<{ Document: string }> }> })
  .Traces[0]?.Segments[0]?.Document as string;

describe('readTraceInput', () => {
  const cases: Array<{
    what: string;
    text: string;
    xray: number;
    otelSpans: number;
    documents: number;
    badLines?: number;
  }> = [
    { what: 'a BatchGetTraces response', text: xrayText, xray: 1, otelSpans: 0, documents: 1 },
    { what: 'NDJSON of span records', text: otelLines.join('\n'), xray: 0, otelSpans: 3, documents: 3 },
    {
      what: 'NDJSON mixing a segment document, span records and a log line',
      text: [xrayDocument, ...otelLines, 'START RequestId: 1'].join('\n'),
      xray: 1,
      otelSpans: 3,
      documents: 4,
      badLines: 1,
    },
    {
      what: 'a ListRetrievedTraces response in OTEL format (Spans[].Document strings)',
      text: JSON.stringify({
        RetrievalStatus: 'COMPLETE',
        TraceFormat: 'OTEL',
        Traces: [
          {
            Id: '1-5759e988-bd862e3fe1be46a994272793',
            Spans: otelLines.map((Document, i) => ({ Id: String(i), Document })),
          },
        ],
      }),
      xray: 0,
      otelSpans: 3,
      documents: 3,
    },
    {
      what: 'an OTLP/JSON export in a JSON array with a segment document',
      text: `[${readFileSync(new URL('../fixtures/otel/otlp-proto-example.json', import.meta.url), 'utf8')}, ${xrayDocument}]`,
      xray: 1,
      otelSpans: 1,
      documents: 2,
    },
  ];
  for (const c of cases) {
    it(c.what, () => {
      const input = readTraceInput(c.text);
      assert.equal(input.xray.length, c.xray);
      assert.equal(input.otel.spans.length, c.otelSpans);
      assert.equal(input.badLines, c.badLines ?? 0);
      assert.equal(convertTraceInput(input).documents, c.documents);
    });
  }

  it('X-Ray documents next to OTel spans (exact parsing) convert as the segment reader alone converts them', () => {
    const mixed = convertTraceInput(readTraceInput([xrayDocument, ...otelLines].join('\n'))).spans;
    const alone = convertDocuments(readSegmentDocuments(xrayText).documents).spans;
    const fromXray = mixed.filter((span) => span.meta['xray.segment_id'] !== undefined);
    assert.deepEqual(fromXray, alone);
  });

  it('files read one after another add up (merge --xray A --xray B)', () => {
    const both = readTraceInput(otelLines.join('\n'), readTraceInput(xrayText));
    assert.deepEqual([both.xray.length, both.otel.spans.length], [1, 3]);
  });
});
