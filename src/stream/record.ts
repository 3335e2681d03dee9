/**
 * What the hold needs to know of one span record without converting it: its trace id and whether it
 * is a `datadog-metadata` span. The trace id is read by a pattern; the name only when the text
 * mentions `datadog-metadata` at all (rare), then by parsing. Pure.
 */

import { METADATA_SUBSEGMENT } from '../merge/datadog-metadata.ts';
import { readOtelSpans } from '../merge/otel/index.ts';
import { parseExactJson } from '../merge/span-json.ts';
import type { HeldRecord } from './hold.ts';
import { traceIdOfRecord } from './spans.ts';

export function classifyRecord(text: string): HeldRecord {
  const traceId = traceIdOfRecord(text) ?? text;
  return { traceId, isMetadata: text.includes(METADATA_SUBSEGMENT) && isMetadataSpan(text), text };
}

function isMetadataSpan(text: string): boolean {
  try {
    return readOtelSpans(parseExactJson(text)).spans.some((span) => span.name === METADATA_SUBSEGMENT);
  } catch {
    return false;
  }
}
