/**
 * Gathers the documents of each trace from batches read in any order, holding only a window of
 * open traces: a trace is handed on when it is pushed out of the window (the least recently seen
 * first) or at the end of the input. A `BatchGetTraces` trace object is whole already and passes
 * straight through unless documents of the same trace are waiting.
 *
 * Memory is bounded by the window, not the input: at most {@link WindowLimits.maxOpenTraces} traces
 * and {@link WindowLimits.maxHeldDocuments} documents wait at any time. A trace whose documents are
 * further apart in the input than the window reaches is handed on in more than one piece; each piece
 * converts on its own (a standalone subsegment whose parent is in another piece then takes its
 * trace's service from its own piece).
 *
 * @example
 * for await (const trace of gatherTraces(readXRayDocuments(bytes, name, report))) convert(trace);
 */

import type { DocumentBatch } from './xray-stream.ts';

export interface WindowLimits {
  readonly maxOpenTraces: number;
  readonly maxHeldDocuments: number;
}

export const DEFAULT_WINDOW: WindowLimits = { maxOpenTraces: 1000, maxHeldDocuments: 10_000 };

/** The documents of one trace (or of one piece of it, see the module's comment). */
export interface TraceDocuments {
  readonly traceId: string | undefined;
  readonly documents: unknown[];
}

export async function* gatherTraces(
  batches: AsyncIterable<DocumentBatch>,
  limits: WindowLimits = DEFAULT_WINDOW,
): AsyncGenerator<TraceDocuments> {
  // Insertion order is recency order: a trace seen again is moved to the end.
  const open = new Map<string, unknown[]>();
  let held = 0;
  for await (const batch of batches) {
    const { traceId } = batch;
    if (traceId === undefined) {
      // Nothing to gather it with: it converts (or is reported as skipped) on its own.
      yield { traceId, documents: batch.documents };
      continue;
    }
    const waiting = open.get(traceId);
    if (waiting === undefined && batch.whole) {
      yield { traceId, documents: batch.documents };
      continue;
    }
    const documents = waiting ?? [];
    for (const document of batch.documents) documents.push(document);
    held += batch.documents.length;
    open.delete(traceId);
    open.set(traceId, documents);
    while (open.size > limits.maxOpenTraces || (held > limits.maxHeldDocuments && open.size > 1)) {
      const [oldest, oldestDocuments] = open.entries().next().value as [string, unknown[]];
      open.delete(oldest);
      held -= oldestDocuments.length;
      yield { traceId: oldest, documents: oldestDocuments };
    }
  }
  for (const [traceId, documents] of open) yield { traceId, documents };
}
