/**
 * `fault`/`error`/`throttle` and `cause` -> the span's error flag and `error.*` tags from the first
 * exception. A cause with more exceptions keeps the others: their count (`xray.exceptions.count`,
 * all of them) and one `type: message` line each (`xray.exceptions.others`). A cause that is an
 * exception id is looked up across the call's documents.
 */

import type { SegmentDocument, XRayException } from '../segment-schema.ts';
import { META, METRICS, type MetaTags, type MetricTags } from './tags.ts';

/** Finds an exception recorded elsewhere in the trace by its id. */
export type ExceptionLookup = (id: string) => XRayException | undefined;

export function tagError(
  doc: SegmentDocument,
  exceptions: ExceptionLookup,
  meta: MetaTags,
  metrics: MetricTags,
): 0 | 1 {
  const { cause, fault, error, throttle } = doc;
  if (fault !== true && error !== true && throttle !== true && cause === undefined) return 0;
  const flag =
    fault === true ? 'fault' : throttle === true ? 'throttle' : error === true ? 'error' : undefined;
  if (fault === true) meta.setOwn(META['xray.fault'], 'true');
  if (error === true) meta.setOwn(META['xray.error'], 'true');
  if (throttle === true) meta.setOwn(META['xray.throttle'], 'true');
  let exception: XRayException | undefined;
  if (typeof cause === 'string') {
    meta.setOwn(META['xray.cause_id'], cause);
    exception = exceptions(cause);
  } else {
    const all = cause?.exceptions;
    exception = all?.[0];
    if (all !== undefined && all.length > 1) {
      metrics.setOwn(METRICS['xray.exceptions.count'], all.length);
      const others: string[] = [];
      for (let i = 1; i < all.length; i += 1) {
        const other = all[i] as XRayException;
        others.push(`${other.type ?? 'exception'}: ${other.message ?? ''}`);
      }
      meta.setOwn(META['xray.exceptions.others'], others.join('\n'));
    }
  }

  const status = doc.http?.response?.status;
  const fallback = `X-Ray ${flag ?? 'error'}${status !== undefined ? ` (HTTP ${status})` : ''}`;
  const message = exception?.message ?? fallback;
  const type = exception?.type ?? `xray.${flag ?? 'error'}`;
  meta.setOwn(META['error.message'], message);
  meta.setOwn(META['error.type'], type);
  const frames = exception?.stack ?? [];
  if (frames.length > 0) {
    const lines = frames.map((frame) => {
      const where = `${frame.path ?? '<unknown>'}${frame.line !== undefined && frame.line !== null ? `:${frame.line}` : ''}`;
      return frame.label !== undefined ? `    at ${frame.label} (${where})` : `    at ${where}`;
    });
    meta.setOwn(META['error.stack'], [`${type}: ${message}`, ...lines].join('\n'));
  }
  return 1;
}

/** Exceptions by id across the given documents and their subsegments; the first of an id wins. */
export function indexExceptions(documents: readonly SegmentDocument[]): Map<string, XRayException> {
  const index = new Map<string, XRayException>();
  const visit = (doc: SegmentDocument) => {
    if (typeof doc.cause === 'object') {
      for (const exception of doc.cause.exceptions ?? []) {
        if (exception.id !== undefined && !index.has(exception.id)) index.set(exception.id, exception);
      }
    }
    for (const child of doc.subsegments) visit(child);
  };
  for (const doc of documents) visit(doc);
  return index;
}
