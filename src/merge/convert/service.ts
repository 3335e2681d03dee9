/**
 * The service of a standalone subsegment (one sent on its own, with `parent_id`): that of the
 * segment it hangs under, found through the chain of parents in the same call.
 */

import type { SegmentDocument } from '../segment-schema.ts';

export interface ServiceEntry {
  readonly service?: string;
  readonly parentId?: string;
}

/** For every segment and subsegment id of the documents: the service of its segment, or where to look for it. */
export function indexServices(documents: readonly SegmentDocument[]): Map<string, ServiceEntry> {
  const index = new Map<string, ServiceEntry>();
  for (const doc of documents) {
    if (doc.type === 'subsegment') {
      index.set(`${doc.trace_id}/${doc.id}`, { parentId: doc.parent_id });
      continue;
    }
    const entry: ServiceEntry = { service: doc.name };
    const visit = (node: SegmentDocument) => {
      index.set(`${doc.trace_id}/${node.id}`, entry);
      for (const child of node.subsegments) visit(child);
    };
    visit(doc);
  }
  return index;
}

/** A standalone subsegment belongs to the service of the segment it hangs under, if the trace has it. */
export function serviceOfStandalone(
  doc: SegmentDocument,
  services: ReadonlyMap<string, ServiceEntry>,
): string {
  let parentId = doc.parent_id;
  for (let hops = 0; parentId !== undefined && hops < 64; hops += 1) {
    const entry = services.get(`${doc.trace_id}/${parentId}`);
    if (entry === undefined) break;
    if (entry.service !== undefined) return entry.service;
    parentId = entry.parentId;
  }
  return doc.name;
}
