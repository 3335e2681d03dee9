/**
 * The Datadog context an invocation reported to X-Ray in its `datadog-metadata` subsegment
 * (`metadata.datadog.trace`), read the way every known producer writes it:
 *
 * - this package and datadog-lambda-python: `{"trace-id", "parent-id", "sampling-priority"}`, all
 *   decimal strings (python writes `"None"` when the context had no priority);
 * - datadog-lambda-js: the same keys, ids as decimal strings, `sampling-priority` a JSON number.
 *
 * A trace id above 2^64-1 is a 128-bit Datadog id (newer ddtrace-py contexts): its low 64 bits are
 * the trace id and its high 64 bits `_dd.p.tid`. Anything else that is not an id (empty,
 * non-numeric, zero, out of range, another type) makes the metadata malformed: it joins nothing and
 * the reason says why. Pure; never throws.
 *
 * @example
 * readDatadogMetadata({ 'trace-id': '1311979541735842151', 'parent-id': '8812930582129472881', 'sampling-priority': '1' });
 * // { context: { traceId: '1311979541735842151', parentId: '8812930582129472881', samplingPriority: 1 } }
 */

/** The subsegment's name, as every producer spells it. */
export const METADATA_SUBSEGMENT = 'datadog-metadata';

/** The span tag the converter copies `metadata.datadog.trace` into (JSON), for the hybrid join. */
export const UPSTREAM_TAG = '_merge.upstream';

export interface UpstreamContext {
  /** The low 64 bits of the Datadog trace id, unsigned decimal. */
  readonly traceId: string;
  /** The span that called the function (the `aws.lambda` span's Datadog parent), unsigned decimal. */
  readonly parentId: string;
  readonly samplingPriority?: number;
  /** The high 64 bits as 16 lowercase hex, when the metadata carried a 128-bit trace id. */
  readonly tid?: string;
}

export type MetadataReading = { readonly context: UpstreamContext } | { readonly malformed: string };

const U64 = 1n << 64n;
const U128 = 1n << 128n;

/** Reads `metadata.datadog.trace` (as parsed JSON). */
export function readDatadogMetadata(trace: unknown): MetadataReading {
  if (typeof trace !== 'object' || trace === null || Array.isArray(trace)) {
    return { malformed: `metadata.datadog.trace is ${describe(trace)}, not an object` };
  }
  const fields = trace as Record<string, unknown>;
  const traceId = decimal(fields['trace-id']);
  if (traceId === undefined || traceId === 0n || traceId >= U128) {
    return { malformed: `trace-id ${describe(fields['trace-id'])} is not a Datadog trace id` };
  }
  const parentId = decimal(fields['parent-id']);
  if (parentId === undefined || parentId === 0n || parentId >= U64) {
    return { malformed: `parent-id ${describe(fields['parent-id'])} is not a Datadog span id` };
  }
  const priority = samplingPriority(fields['sampling-priority']);
  if (priority === null) {
    return {
      malformed: `sampling-priority ${describe(fields['sampling-priority'])} is not an integer`,
    };
  }
  const low = traceId % U64;
  if (low === 0n) return { malformed: `trace-id ${describe(fields['trace-id'])} has no low 64 bits` };
  const high = traceId / U64;
  return {
    context: {
      traceId: low.toString(),
      parentId: parentId.toString(),
      ...(priority !== undefined ? { samplingPriority: priority } : {}),
      ...(high > 0n ? { tid: high.toString(16).padStart(16, '0') } : {}),
    },
  };
}

/** Reads the JSON the converter put in {@link UPSTREAM_TAG}. */
export function readUpstreamTag(text: string): MetadataReading {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { malformed: 'metadata.datadog.trace is not JSON' };
  }
  return readDatadogMetadata(parsed);
}

/** A non-negative integer written as decimal digits (string) or a safe JSON integer. */
function decimal(value: unknown): bigint | undefined {
  if (typeof value === 'string') {
    const text = value.trim();
    return /^[0-9]{1,40}$/.test(text) ? BigInt(text) : undefined;
  }
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  return undefined;
}

/** undefined when absent (or python's "None"), null when present but not an integer. */
function samplingPriority(value: unknown): number | undefined | null {
  if (value === undefined || value === null || value === 'None' || value === '') return undefined;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  if (typeof value === 'string' && /^-?[0-9]{1,3}$/.test(value.trim())) return Number(value.trim());
  return null;
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
