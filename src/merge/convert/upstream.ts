/**
 * The Datadog context a function reported in its `datadog-metadata` subsegment: its
 * `metadata.datadog.trace` goes, as JSON, into `_merge.upstream` whether or not metadata is
 * copied (`includeMetadata`), for the hybrid join (`../hybrid-join.ts`) to read.
 */

import { METADATA_SUBSEGMENT, UPSTREAM_TAG } from '../datadog-metadata.ts';
import type { SegmentDocument } from '../segment-schema.ts';
import type { MetaTags } from './tags.ts';

export function tagUpstream(doc: SegmentDocument, meta: MetaTags): void {
  if (doc.name !== METADATA_SUBSEGMENT) return;
  const datadog = doc.metadata?.['datadog'];
  if (typeof datadog !== 'object' || datadog === null) return;
  const trace = (datadog as Record<string, unknown>)['trace'];
  if (trace === undefined) return;
  meta.set(UPSTREAM_TAG, JSON.stringify(trace) ?? 'null');
}
