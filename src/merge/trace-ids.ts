/**
 * X-Ray trace ids to retrieve, from what a user has at hand:
 * - `--trace-id` values: the X-Ray form `1-5759e988-bd862e3fe1be46a994272793`, or the W3C /
 *   OpenTelemetry form `5759e988bd862e3fe1be46a994272793` (the same id without `1-` and the dash);
 * - a file of them, one per line (`#` comments and blank lines ignored);
 * - Datadog spans (`--datadog`): the `aws.xray.trace_id` tag this package's wrapper puts on every
 *   `aws.lambda` span when merging is on; else, for a trace in full128 mode, the id mapping
 *   reversed (`_dd.p.tid` is the epoch and the first 8 hex, the 64-bit trace id the last 16).
 *   In compat mode it cannot be reversed: the mapping keeps only the last 63 bits and drops the
 *   epoch and the first 33 bits of the random part, so such a trace without the tag is counted.
 *   Nor is a 128-bit id dd-trace made itself (`_dd.p.tid` ending in 32 zero bits): a trace that
 *   started in a Datadog-traced service, not in X-Ray.
 *
 * @example
 * normalizeTraceId('5759e988bd862e3fe1be46a994272793'); // '1-5759e988-bd862e3fe1be46a994272793'
 */

import { XRAY_TRACE_ID_TAG } from './hybrid-join.ts';
import type { DatadogSpan } from './span.ts';

const XRAY_FORM = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;
const W3C_FORM = /^[0-9a-f]{32}$/;

/** The X-Ray form of a trace id in either form, lowercased; undefined when it is neither. */
export function normalizeTraceId(text: string): string | undefined {
  const id = text.trim().toLowerCase();
  if (XRAY_FORM.test(id)) return id;
  if (W3C_FORM.test(id) && !/^0+$/.test(id)) return `1-${id.slice(0, 8)}-${id.slice(8)}`;
  return undefined;
}

export interface TraceIdList {
  readonly ids: string[];
  /** Lines that were not trace ids, with their line number (1-based). */
  readonly invalid: Array<{ readonly line: number; readonly text: string }>;
}

/** One id per line; blank lines and `#` comments skipped. */
export function readTraceIdList(text: string): TraceIdList {
  const ids: string[] = [];
  const invalid: Array<{ line: number; text: string }> = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const id = normalizeTraceId(line);
    if (id !== undefined) ids.push(id);
    else invalid.push({ line: index + 1, text: line });
  });
  return { ids, invalid };
}

export interface DatadogTraceIds {
  /** X-Ray trace ids, each once, in the order first seen. */
  readonly ids: string[];
  /** From the `aws.xray.trace_id` tag. */
  readonly tagged: number;
  /** From a full128 trace id reversed. */
  readonly reversed: number;
  /** Datadog traces with neither (compat mode, or not a Lambda invocation): no X-Ray id. */
  readonly unmapped: number;
}

export function traceIdsOfDatadogSpans(spans: readonly DatadogSpan[]): DatadogTraceIds {
  const ids = new Set<string>();
  // By the 64-bit trace id alone: dd-trace puts `_dd.p.tid` on only the first span of each chunk.
  const byTrace = new Map<string, { tagged: boolean; tid?: string }>();
  for (const span of spans) {
    let entry = byTrace.get(span.trace_id);
    if (entry === undefined) {
      entry = { tagged: false };
      byTrace.set(span.trace_id, entry);
    }
    const tagged = span.meta[XRAY_TRACE_ID_TAG];
    const id = tagged !== undefined ? normalizeTraceId(tagged) : undefined;
    if (id !== undefined) {
      entry.tagged = true;
      ids.add(id);
    }
    const tid = span.meta['_dd.p.tid'];
    if (entry.tid === undefined && tid !== undefined && /^[0-9a-f]{16}$/.test(tid)) entry.tid = tid;
  }
  let tagged = 0;
  let reversed = 0;
  let unmapped = 0;
  for (const [traceId, entry] of byTrace) {
    if (entry.tagged) tagged += 1;
    // A tid ending in 32 zero bits is one dd-trace made itself (its epoch, then zeros), not an X-Ray id.
    else if (entry.tid !== undefined && !entry.tid.endsWith('00000000')) {
      reversed += 1;
      ids.add(
        `1-${entry.tid.slice(0, 8)}-${entry.tid.slice(8)}${BigInt(traceId).toString(16).padStart(16, '0')}`,
      );
    } else unmapped += 1;
  }
  return { ids: [...ids], tagged, reversed, unmapped };
}
