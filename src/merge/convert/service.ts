/**
 * The service of a standalone subsegment (one sent on its own, with `parent_id`): that of the
 * segment it hangs under, found through the chain of parents in the same call; when that segment
 * is not in the input, the service of its trace (the trace's function segment, else its first
 * segment that is not inferred, else its first segment); when the trace has no segment at all,
 * {@link UNKNOWN_SERVICE}. Never the subsegment's own name: a batch of orphaned subsegments
 * would otherwise make one junk service per subsegment name in Datadog.
 */

import type { SegmentDocument } from '../segment-schema.ts';

/** The service of a standalone subsegment whose trace has no segment in the input. */
export const UNKNOWN_SERVICE = 'xray.unknown_service';

export interface ServiceEntry {
  readonly service?: string;
  readonly parentId?: string;
}

export interface ServiceIndex {
  /** By `trace id/segment id`: the service of that id's segment, or the parent to look at next. */
  readonly byId: Map<string, ServiceEntry>;
  /** By trace id: the service a subsegment of that trace falls back to. */
  readonly byTrace: Map<string, string>;
}

const LAMBDA_FUNCTION = 'aws::lambda::function';

/** For every segment and subsegment id of the documents: the service of its segment, or where to look for it. */
export function indexServices(documents: readonly SegmentDocument[]): ServiceIndex {
  const byId = new Map<string, ServiceEntry>();
  // Per trace: [rank, service]; a lower rank wins (0 function segment, 1 not inferred, 2 any).
  const best = new Map<string, [number, string]>();
  for (const doc of documents) {
    const traceId = doc.trace_id as string;
    if (doc.type === 'subsegment') {
      byId.set(`${traceId}/${doc.id}`, { parentId: doc.parent_id });
      continue;
    }
    const entry: ServiceEntry = { service: doc.name };
    const visit = (node: SegmentDocument) => {
      byId.set(`${traceId}/${node.id}`, entry);
      for (const child of node.subsegments) visit(child);
    };
    visit(doc);
    const rank = doc.origin?.toLowerCase() === LAMBDA_FUNCTION ? 0 : doc.inferred === true ? 2 : 1;
    const current = best.get(traceId);
    if (current === undefined || rank < current[0]) best.set(traceId, [rank, doc.name]);
  }
  const byTrace = new Map<string, string>();
  for (const [traceId, [, service]] of best) byTrace.set(traceId, service);
  return { byId, byTrace };
}

/** The service a standalone subsegment belongs to (see the module's comment). */
export function serviceOfStandalone(doc: SegmentDocument, services: ServiceIndex): string {
  let parentId = doc.parent_id;
  for (let hops = 0; parentId !== undefined && hops < 64; hops += 1) {
    const entry = services.byId.get(`${doc.trace_id}/${parentId}`);
    if (entry === undefined) break;
    if (entry.service !== undefined) return entry.service;
    parentId = entry.parentId;
  }
  return services.byTrace.get(doc.trace_id as string) ?? UNKNOWN_SERVICE;
}
