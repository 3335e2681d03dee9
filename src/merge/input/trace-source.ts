/**
 * Trace documents of either format from one input, for `convert` and `merge`:
 *
 * - input whose first 64 KB look like OpenTelemetry (`…UnixNano`, `resourceSpans`) is read whole
 *   and parsed exactly (Transaction Search records write nanosecond times as bare JSON numbers
 *   above 2^53), then split per document by format (`../trace-input.ts`);
 * - anything else is streamed as X-Ray segment documents (`xray-stream.ts`), one trace at a time
 *   (`trace-window.ts`), each document still routed by its own format, so a stray OpenTelemetry
 *   document later in an X-Ray file converts too (its bare-number times as `JSON.parse` reads them;
 *   OTLP/JSON writes them as strings, which stay exact).
 *
 * @example
 * for await (const input of readTraceSource(await openInput(file), file, report)) convertTraceInput(input);
 */

import {
  addTraceDocument,
  emptyTraceInput,
  mayHoldOpenTelemetry,
  readTraceInput,
  type TraceInput,
} from '../trace-input.ts';
import { readStreamHead } from './stream-head.ts';
import { gatherTraces } from './trace-window.ts';
import { type ReadReport, readXRayDocuments } from './xray-stream.ts';

const SNIFF_BYTES = 64 * 1024;

/** Each trace of the input (or, for OpenTelemetry input read whole, everything) as a TraceInput. */
export async function* readTraceSource(
  source: AsyncIterable<Buffer | string>,
  name: string,
  report: ReadReport,
): AsyncGenerator<TraceInput> {
  const { head, rest } = await readStreamHead(source, (head) => head.length >= SNIFF_BYTES);
  if (mayHoldOpenTelemetry(head.toString('utf8'))) {
    const chunks: Buffer[] = [];
    for await (const chunk of rest()) chunks.push(chunk);
    const text = Buffer.concat(chunks).toString('utf8');
    report.bytes += Buffer.byteLength(text);
    const input = readTraceInput(text);
    report.notJsonCount += input.badLines;
    yield input;
    return;
  }
  for await (const trace of gatherTraces(readXRayDocuments(rest(), name, report))) {
    const input = emptyTraceInput();
    for (const document of trace.documents) addTraceDocument(document, input);
    yield input;
  }
}

/** Adds one piece of input to `into` (merge gathers every file's documents before it converts). */
export function mergeTraceInputs(into: TraceInput, piece: TraceInput): TraceInput {
  into.xray.push(...piece.xray);
  into.otel.spans.push(...piece.otel.spans);
  into.otel.skipped.push(...piece.otel.skipped);
  return {
    ...into,
    otelDocuments: into.otelDocuments + piece.otelDocuments,
    badLines: into.badLines + piece.badLines,
  };
}
