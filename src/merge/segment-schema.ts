/**
 * X-Ray segment and subsegment documents, as `BatchGetTraces` returns them (`Segments[].Document`)
 * and the daemon receives them. Validation is tolerant: unknown fields are kept, and a document
 * (or a nested subsegment) that fails is skipped and reported, never thrown.
 *
 * Nested subsegments are validated one by one, so one bad subsegment costs only itself and its
 * children, not the whole segment.
 *
 * @example
 * const parsed = parseSegmentDocument('{"id":"70de5b6f19ff9a0a","name":"fn","trace_id":"1-5e272390-8c398be037738dc042009320","start_time":1579584424.771,"end_time":1579584424.9}');
 * if (parsed.ok) parsed.document.name; // 'fn'
 */

import * as z from 'zod/mini';

const HEX16 = /^[0-9a-fA-F]{16}$/;
const TRACE_ID = /^1-[0-9a-fA-F]{8}-[0-9a-fA-F]{24}$/;

const optionalString = z.optional(z.string());
const optionalBoolean = z.optional(z.boolean());
const optionalNumber = z.optional(z.number());

const stackFrameSchema = z.looseObject({
  path: optionalString,
  line: optionalNumber,
  label: optionalString,
});

const exceptionSchema = z.looseObject({
  id: optionalString,
  message: optionalString,
  type: optionalString,
  remote: optionalBoolean,
  stack: z.optional(z.array(stackFrameSchema)),
});

const causeSchema = z.union([
  // A cause can be the id of an exception recorded on another (sub)segment of the trace.
  z.string(),
  z.looseObject({
    working_directory: optionalString,
    paths: z.optional(z.array(z.string())),
    exceptions: z.optional(z.array(exceptionSchema)),
  }),
]);

const httpSchema = z.looseObject({
  request: z.optional(
    z.looseObject({
      method: optionalString,
      url: optionalString,
      user_agent: optionalString,
      client_ip: optionalString,
      x_forwarded_for: optionalBoolean,
      traced: optionalBoolean,
    }),
  ),
  response: z.optional(
    z.looseObject({
      status: optionalNumber,
      content_length: optionalNumber,
    }),
  ),
});

const sqlSchema = z.looseObject({
  url: optionalString,
  connection_string: optionalString,
  preparation: optionalString,
  database_type: optionalString,
  database_version: optionalString,
  driver_version: optionalString,
  user: optionalString,
  sanitized_query: optionalString,
});

/** The fields a segment and a subsegment share; `subsegments` is checked apart, element by element. */
const bodySchema = z.looseObject({
  id: z.string().check(z.regex(HEX16)),
  name: z.string().check(z.minLength(1)),
  start_time: z.number().check(z.nonnegative()),
  end_time: z.optional(z.number().check(z.nonnegative())),
  in_progress: optionalBoolean,
  trace_id: z.optional(z.string().check(z.regex(TRACE_ID))),
  parent_id: z.optional(z.string().check(z.regex(HEX16))),
  type: optionalString,
  origin: optionalString,
  namespace: optionalString,
  inferred: optionalBoolean,
  resource_arn: optionalString,
  user: optionalString,
  service: z.optional(z.looseObject({ version: optionalString })),
  http: z.optional(httpSchema),
  aws: z.optional(z.record(z.string(), z.unknown())),
  sql: z.optional(sqlSchema),
  fault: optionalBoolean,
  error: optionalBoolean,
  throttle: optionalBoolean,
  cause: z.optional(causeSchema),
  annotations: z.optional(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))),
  metadata: z.optional(z.record(z.string(), z.unknown())),
});

type Body = z.infer<typeof bodySchema>;

export type XRayException = z.infer<typeof exceptionSchema>;
export type XRayCause = z.infer<typeof causeSchema>;

/** A validated segment or subsegment; ids and the trace id lowercased; subsegments validated. */
export type SegmentDocument = Body & { readonly subsegments: readonly SegmentDocument[] };

/** A document (or nested subsegment) left out of the conversion, and why. */
export interface SkippedDocument {
  readonly traceId?: string;
  readonly id?: string;
  readonly reason: string;
}

export type SegmentParse =
  | { readonly ok: true; readonly document: SegmentDocument; readonly skipped: readonly SkippedDocument[] }
  | { readonly ok: false; readonly skipped: readonly SkippedDocument[] };

/**
 * Validates one top-level document: a segment (needs `trace_id`) or a standalone subsegment
 * (`type: "subsegment"`, needs `trace_id` and `parent_id`). Accepts the JSON text or a parsed value.
 */
export function parseSegmentDocument(input: unknown): SegmentParse {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      return { ok: false, skipped: [{ reason: `not JSON: ${(error as Error).message}` }] };
    }
  }
  const skipped: SkippedDocument[] = [];
  const document = validate(value, undefined, skipped);
  if (!document) return { ok: false, skipped };
  const where = { traceId: document.trace_id, id: document.id };
  if (document.trace_id === undefined) {
    return { ok: false, skipped: [{ ...where, reason: 'a top-level document needs trace_id' }] };
  }
  if (document.type === 'subsegment' && document.parent_id === undefined) {
    return { ok: false, skipped: [{ ...where, reason: 'a standalone subsegment needs parent_id' }] };
  }
  return { ok: true, document, skipped };
}

function validate(
  value: unknown,
  traceId: string | undefined,
  skipped: SkippedDocument[],
): SegmentDocument | undefined {
  const result = bodySchema.safeParse(value);
  if (!result.success) {
    skipped.push({ ...identify(value, traceId), reason: describeIssues(result.error.issues) });
    return undefined;
  }
  const body = result.data;
  if (body.end_time === undefined && body.in_progress !== true) {
    skipped.push({ ...identify(value, traceId), reason: 'neither end_time nor in_progress' });
    return undefined;
  }
  const nested = (value as { subsegments?: unknown }).subsegments;
  if (nested !== undefined && !Array.isArray(nested)) {
    skipped.push({ ...identify(value, traceId), reason: 'subsegments: expected array' });
    return undefined;
  }
  const ownTraceId = body.trace_id?.toLowerCase();
  const children: SegmentDocument[] = [];
  for (const child of nested ?? []) {
    const valid = validate(child, ownTraceId ?? traceId, skipped);
    if (valid) children.push(valid);
  }
  return {
    ...body,
    id: body.id.toLowerCase(),
    ...(ownTraceId !== undefined ? { trace_id: ownTraceId } : {}),
    ...(body.parent_id !== undefined ? { parent_id: body.parent_id.toLowerCase() } : {}),
    subsegments: children,
  };
}

function identify(value: unknown, traceId: string | undefined): { traceId?: string; id?: string } {
  const record = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const id = typeof record.id === 'string' ? record.id : undefined;
  const ownTrace = typeof record.trace_id === 'string' ? record.trace_id : traceId;
  return { ...(ownTrace !== undefined ? { traceId: ownTrace } : {}), ...(id !== undefined ? { id } : {}) };
}

interface Issue {
  readonly path: readonly PropertyKey[];
  readonly code: string;
  readonly expected?: unknown;
  readonly format?: unknown;
}

function describeIssues(issues: readonly Issue[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => {
      const at = issue.path.length > 0 ? issue.path.map(String).join('.') : 'document';
      const detail = issue.expected !== undefined ? `expected ${String(issue.expected)}` : issue.code;
      return `${at}: ${detail}${issue.format !== undefined ? ` (${String(issue.format)})` : ''}`;
    })
    .join('; ');
}
