/**
 * Batches (SQS, SNS, Kinesis): the first record's context is the parent, as datadog-lambda-js users
 * expect; the other records' contexts become span links. Only the first MAX_LINKED_RECORDS records
 * after the first are read, so a 10,000-message batch costs no more than a small one.
 */

import type { Carried, Note } from '../carrier.ts';
import type { Extracted } from './types.ts';

/** dd-trace truncates `_dd.span_links` at 25,000 characters; 100 links stay well below that. */
export const MAX_LINKED_RECORDS = 100;

export type RecordReader = (record: unknown, note: Note) => Carried | undefined;

function sameContext(a: Carried, b: Carried): boolean {
  return a.context.traceId === b.context.traceId && a.context.parentId === b.context.parentId;
}

export function fromRecords(records: readonly unknown[], read: RecordReader, note: Note): Extracted {
  const parent = records.length > 0 ? read(records[0], (p) => note(`record 0: ${p}`)) : undefined;
  const links: Carried[] = [];
  let malformed = 0;
  const end = Math.min(records.length, MAX_LINKED_RECORDS + 1);
  for (let i = 1; i < end; i++) {
    const found = read(records[i], () => {
      malformed += 1;
    });
    // Records of one producer's trace often share a context: link it once, and not the parent again.
    if (found && !(parent && sameContext(found, parent)) && !links.some((l) => sameContext(l, found)))
      links.push(found);
  }
  // One line for the rest of the batch, not one per record.
  if (malformed > 0) note(`${malformed} other record carrier(s) malformed; not linked`);
  return { ...(parent ? { parent } : {}), links };
}

/** The `Records` array of a batch event (the caller has checked the shape). */
export function recordsOf(event: Readonly<Record<string, unknown>>): readonly unknown[] {
  return Array.isArray(event.Records) ? event.Records : [];
}
