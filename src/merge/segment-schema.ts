/**
 * X-Ray segment and subsegment documents, as `BatchGetTraces` returns them (`Segments[].Document`)
 * and the daemon receives them. Validation is tolerant: unknown fields are kept, and a document
 * (or a nested subsegment) that fails is skipped and reported, never thrown.
 *
 * Nested subsegments are validated one by one, so one bad subsegment costs only itself and its
 * children, not the whole segment.
 *
 * The zod schema below is the authority and the documentation. Documents that arrive as JSON text
 * (`BatchGetTraces`, the daemon) first meet a hand-written check of the same rules, which accepts
 * only what the schema accepts and lets the valid, common shape through without zod's copying
 * (the merger's throughput budget: measured at 100k segments, zod alone converts 165-173k segments
per CPU second, under the 200k goal, against 382-390k with this check); anything it does not
accept, valid or not, goes through zod,
 * which gives the reasons. `parseSegmentDocumentWithSchema` is the zod-only path, for differential
 * tests.
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
/**
 * A number, or a string of decimal digits taken as that number: the X-Ray SDK for Node.js writes
 * `http.response.content_length` as the response header's text (aws/aws-xray-sdk-node#385).
 */
const optionalCount = z.optional(
  z.union([z.number(), z.pipe(z.string().check(z.regex(/^-?\d{1,15}$/)), z.transform(Number))]),
);

const stackFrameSchema = z.looseObject({
  path: optionalString,
  // The X-Ray SDK for Node.js writes `null` for a frame it has no line for.
  line: z.optional(z.nullable(z.number())),
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
      content_length: optionalCount,
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

/** A field left out of a document that was kept: the field's path (`http.response.status`) and why. */
export interface DroppedField {
  readonly traceId?: string;
  readonly id?: string;
  readonly field: string;
  readonly reason: string;
}

export type SegmentParse =
  | {
      readonly ok: true;
      readonly document: SegmentDocument;
      readonly skipped: readonly SkippedDocument[];
      readonly dropped: readonly DroppedField[];
    }
  | {
      readonly ok: false;
      readonly skipped: readonly SkippedDocument[];
      readonly dropped: readonly DroppedField[];
    };

/**
 * Validates one top-level document: a segment (needs `trace_id`) or a standalone subsegment
 * (`type: "subsegment"`, needs `trace_id` and `parent_id`). Accepts the JSON text or a parsed value.
 */
export function parseSegmentDocument(input: unknown): SegmentParse {
  const skipped: SkippedDocument[] = [];
  const dropped: DroppedField[] = [];
  const document = readSegmentDocument(input, skipped, dropped);
  return document !== undefined ? { ok: true, document, skipped, dropped } : { ok: false, skipped, dropped };
}

/**
 * {@link parseSegmentDocument} as the converter takes it: the document, or undefined; the reasons
 * for what was left out are pushed to `skipped` (no result object per document).
 */
export function readSegmentDocument(
  input: unknown,
  skipped: SkippedDocument[],
  dropped: DroppedField[] = [],
): SegmentDocument | undefined {
  if (typeof input === 'string') {
    let value: unknown;
    try {
      value = JSON.parse(input);
    } catch (error) {
      return skip(notJson(error), skipped, dropped);
    }
    // The object is our own (just parsed), so the fast path may normalize it in place.
    if (passesTopLevel(value)) {
      normalizeInPlace(value);
      return value as unknown as SegmentDocument;
    }
    return skip(validateTopLevel(value), skipped, dropped);
  }
  return skip(validateTopLevel(input), skipped, dropped);
}

function skip(
  parsed: SegmentParse,
  skipped: SkippedDocument[],
  dropped: DroppedField[],
): SegmentDocument | undefined {
  const reasons = parsed.skipped;
  for (let i = 0; i < reasons.length; i += 1) skipped.push(reasons[i] as SkippedDocument);
  const fields = parsed.dropped;
  for (let i = 0; i < fields.length; i += 1) dropped.push(fields[i] as DroppedField);
  return parsed.ok ? parsed.document : undefined;
}

/** Whether a parsed document takes the fast path (no zod); for the differential test of the two paths. */
export function passesFastCheck(value: unknown): boolean {
  return passesTopLevel(value);
}

/** {@link parseSegmentDocument} through the zod schema alone: the exact, slow path. */
export function parseSegmentDocumentWithSchema(input: unknown): SegmentParse {
  if (typeof input !== 'string') return validateTopLevel(input);
  let value: unknown;
  try {
    value = JSON.parse(input);
  } catch (error) {
    return notJson(error);
  }
  return validateTopLevel(value);
}

const NO_SUBSEGMENTS: readonly SegmentDocument[] = Object.freeze([]);

function notJson(error: unknown): SegmentParse {
  return { ok: false, skipped: [{ reason: `not JSON: ${(error as Error).message}` }], dropped: [] };
}

/**
 * Subsegments nested deeper than this are refused: checking and converting them recurses once per
 * level, and thousands of levels (no real trace has them) would overflow the stack.
 */
export const MAX_SUBSEGMENT_DEPTH = 1000;

/** Whether subsegments nest deeper than `max` levels; iterative, so any depth is safe to measure. */
function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, depth] = next;
    if (depth > max) return true;
    const children =
      typeof node === 'object' && node !== null ? (node as { subsegments?: unknown }).subsegments : undefined;
    if (Array.isArray(children)) for (const child of children) pending.push([child, depth + 1]);
  }
  return false;
}

function tooDeep(value: unknown): SegmentParse {
  const reason = `subsegments nested deeper than ${MAX_SUBSEGMENT_DEPTH} levels`;
  return { ok: false, skipped: [{ ...identify(value, undefined), reason }], dropped: [] };
}

function validateTopLevel(value: unknown): SegmentParse {
  if (nestsDeeperThan(value, MAX_SUBSEGMENT_DEPTH)) return tooDeep(value);
  const skipped: SkippedDocument[] = [];
  const dropped: DroppedField[] = [];
  const document = validate(value, undefined, skipped, dropped);
  if (!document) return { ok: false, skipped, dropped };
  const where = {
    ...(document.trace_id !== undefined ? { traceId: document.trace_id } : {}),
    id: document.id,
  };
  if (document.trace_id === undefined) {
    return { ok: false, skipped: [{ ...where, reason: 'a top-level document needs trace_id' }], dropped };
  }
  if (document.type === 'subsegment' && document.parent_id === undefined) {
    return { ok: false, skipped: [{ ...where, reason: 'a standalone subsegment needs parent_id' }], dropped };
  }
  return { ok: true, document, skipped, dropped };
}

/**
 * Fields a document cannot lose and still be placed in its trace: one of these wrong skips the
 * document (and its subsegments). Any other wrong field is dropped alone, and counted.
 */
const ESSENTIAL_FIELDS: ReadonlySet<PropertyKey> = new Set([
  'id',
  'name',
  'start_time',
  'end_time',
  'trace_id',
  'parent_id',
]);

/** Rounds of dropping one wrong field and checking again before the document is given up. */
const MAX_DROPPED_FIELDS = 16;

/**
 * The body through the schema; a wrong field that is not essential is taken out of a copy of the
 * document (only that field: the rest of its object stays) and the copy checked again.
 */
function parseBody(
  value: unknown,
  traceId: string | undefined,
  skipped: SkippedDocument[],
  dropped: DroppedField[],
): Body | undefined {
  let candidate = value;
  for (let round = 0; ; round += 1) {
    const result = bodySchema.safeParse(candidate);
    if (result.success) return result.data;
    const issue = result.error.issues[0] as Issue;
    const field = issue.path[0];
    // The caller's value is never changed: each drop copies only the objects along the path.
    const next =
      round < MAX_DROPPED_FIELDS && field !== undefined && !ESSENTIAL_FIELDS.has(field)
        ? withoutAt(candidate, issue.path, 0)
        : undefined;
    if (next === undefined) {
      skipped.push({ ...identify(value, traceId), reason: describeIssues(result.error.issues) });
      return undefined;
    }
    candidate = next;
    dropped.push({
      ...identify(value, traceId),
      field: issue.path.map(String).join('.'),
      reason: describeIssue(issue),
    });
  }
}

/**
 * A copy of `node` without the property (or array element) at `path[from..]`, sharing everything
 * off the path; undefined when the path does not lead to an own property.
 */
function withoutAt(node: unknown, path: readonly PropertyKey[], from: number): unknown {
  if (typeof node !== 'object' || node === null) return undefined;
  const key = path[from] as PropertyKey;
  if (Array.isArray(node)) {
    if (typeof key !== 'number' || key < 0 || key >= node.length) return undefined;
    const copy = node.slice();
    if (from === path.length - 1) copy.splice(key, 1);
    else {
      const inner = withoutAt(node[key], path, from + 1);
      if (inner === undefined) return undefined;
      copy[key] = inner;
    }
    return copy;
  }
  if (!Object.hasOwn(node, key)) return undefined;
  const copy: Record<PropertyKey, unknown> = {};
  for (const own of Object.keys(node)) {
    if (own === key && from === path.length - 1) continue;
    // defineProperty, not assignment: an own `__proto__` key stays an own key.
    Object.defineProperty(copy, own, {
      value: (node as Record<PropertyKey, unknown>)[own],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  if (from < path.length - 1) {
    const inner = withoutAt((node as Record<PropertyKey, unknown>)[key], path, from + 1);
    if (inner === undefined) return undefined;
    Object.defineProperty(copy, key, { value: inner, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

function validate(
  value: unknown,
  traceId: string | undefined,
  skipped: SkippedDocument[],
  dropped: DroppedField[],
): SegmentDocument | undefined {
  const body = parseBody(value, traceId, skipped, dropped);
  if (body === undefined) return undefined;
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
    const valid = validate(child, ownTraceId ?? traceId, skipped, dropped);
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
    .map(
      (issue) =>
        `${issue.path.length > 0 ? issue.path.map(String).join('.') : 'document'}: ${describeIssue(issue)}`,
    )
    .join('; ');
}

/** What a field that fits none of a union's forms should have been. */
const UNION_FORMS: Readonly<Record<string, string>> = {
  content_length: 'expected a number or a string of digits',
  cause: 'expected an exception id or a cause object',
};

function describeIssue(issue: Issue): string {
  const last = issue.path[issue.path.length - 1];
  const union = issue.code === 'invalid_union' && typeof last === 'string' ? UNION_FORMS[last] : undefined;
  if (union !== undefined) return union;
  const detail = issue.expected !== undefined ? `expected ${String(issue.expected)}` : issue.code;
  return `${detail}${issue.format !== undefined ? ` (${String(issue.format)})` : ''}`;
}

// The fast path. Each function below restates one schema above for values that came from
// JSON.parse (plain objects, arrays, strings, numbers including Infinity, booleans, null), and
// answers only "certainly valid": false sends the document to zod. An own `__proto__` key (which
// JSON.parse creates and zod leaves out of its copy) also sends it there, so that both paths give
// equal documents. test/merge/segment-fast-path.test.ts holds the two paths to that.

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !Object.hasOwn(value, '__proto__')
  );
}

function isOptionalString(value: unknown): boolean {
  return value === undefined || typeof value === 'string';
}

function isOptionalBoolean(value: unknown): boolean {
  return value === undefined || typeof value === 'boolean';
}

/** zod's `z.number()` takes finite numbers only. */
function isOptionalNumber(value: unknown): boolean {
  return value === undefined || (typeof value === 'number' && Number.isFinite(value));
}

function isNonnegative(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/**
 * `HEX16` without a regex call, in lowercase only: ids in capitals (valid, but not what X-Ray
 * writes) go to the slow path, which lowercases them, so the fast path has nothing to change.
 */
function isHex16(value: unknown): boolean {
  return typeof value === 'string' && value.length === 16 && isLowerHex(value, 0, 16);
}

/** `TRACE_ID` without a regex call, in lowercase only (as {@link isHex16}). */
function isTraceId(value: unknown): boolean {
  return (
    typeof value === 'string' &&
    value.length === 35 &&
    value.charCodeAt(0) === 0x31 && // 1
    value.charCodeAt(1) === 0x2d && // -
    value.charCodeAt(10) === 0x2d &&
    isLowerHex(value, 2, 10) &&
    isLowerHex(value, 11, 35)
  );
}

/** 1 at the character codes of `[0-9a-f]`, 0 at the other ASCII codes. */
const LOWER_HEX = Uint8Array.from({ length: 128 }, (_, code) =>
  (code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x66) ? 1 : 0,
);

/**
 * Whether `text[from..to)` is all `[0-9a-f]`. One table load per character, with no branch on
 * whether it is a digit or a letter: on random ids that branch mispredicts, and the check took
 * twice as long.
 */
function isLowerHex(text: string, from: number, to: number): boolean {
  let all = 1;
  for (let i = from; i < to; i += 1) {
    const code = text.charCodeAt(i);
    all &= code < 128 ? (LOWER_HEX[code] as number) : 0;
  }
  return all === 1;
}

/**
 * `bodySchema`, the `end_time`/`in_progress` rule, and every nested subsegment, recursively. It
 * visits the keys the document has (not every key the schema knows), so a typical segment costs a
 * handful of comparisons.
 */
function passesBody(value: unknown, depth: number): value is Json {
  // Deeper nesting goes to the slow path, which refuses it (MAX_SUBSEGMENT_DEPTH) before recursing.
  if (typeof value !== 'object' || value === null || Array.isArray(value) || depth > MAX_SUBSEGMENT_DEPTH)
    return false;
  const body = value as Json;
  let hasId = false;
  let hasName = false;
  let hasStart = false;
  let hasEnd = false;
  let inProgress = false;
  for (const key in body) {
    const field = body[key];
    // Cases are compared in order: the keys most documents have come first.
    switch (key) {
      case 'id':
        if (!isHex16(field)) return false;
        hasId = true;
        break;
      case 'name':
        if (typeof field !== 'string' || field.length === 0) return false;
        hasName = true;
        break;
      case 'start_time':
        if (!isNonnegative(field)) return false;
        hasStart = true;
        break;
      case 'end_time':
        if (!isNonnegative(field)) return false;
        hasEnd = true;
        break;
      case 'trace_id':
        if (!isTraceId(field)) return false;
        break;
      case 'parent_id':
        if (!isHex16(field)) return false;
        break;
      case 'subsegments':
        if (!Array.isArray(field)) return false;
        for (let i = 0; i < field.length; i += 1) if (!passesBody(field[i], depth + 1)) return false;
        break;
      case 'namespace':
      case 'origin':
        if (typeof field !== 'string') return false;
        break;
      case 'http':
        if (!passesHttp(field)) return false;
        break;
      case 'aws':
        if (!isRecord(field)) return false;
        break;
      case 'in_progress':
        if (typeof field !== 'boolean') return false;
        inProgress = field;
        break;
      case 'annotations':
        if (!passesAnnotations(field)) return false;
        break;
      case 'fault':
      case 'error':
      case 'throttle':
      case 'inferred':
        if (typeof field !== 'boolean') return false;
        break;
      case 'cause':
        if (typeof field !== 'string' && !passesCause(field)) return false;
        break;
      case 'sql':
        if (!passesSql(field)) return false;
        break;
      case 'metadata':
        if (!isRecord(field)) return false;
        break;
      case 'type':
      case 'resource_arn':
      case 'user':
        if (typeof field !== 'string') return false;
        break;
      case 'service':
        if (!isRecord(field) || !isOptionalString(field.version)) return false;
        break;
      case '__proto__':
        return false;
    }
  }
  return hasId && hasName && hasStart && (hasEnd || inProgress);
}

/** What {@link validateTopLevel} adds for a top-level document. */
function passesTopLevel(value: unknown): value is Json {
  if (!passesBody(value, 0) || value.trace_id === undefined) return false;
  return value.type !== 'subsegment' || value.parent_id !== undefined;
}

function passesHttp(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const request = value.request;
  if (
    request !== undefined &&
    !(
      isRecord(request) &&
      isOptionalString(request.method) &&
      isOptionalString(request.url) &&
      isOptionalString(request.user_agent) &&
      isOptionalString(request.client_ip) &&
      isOptionalBoolean(request.x_forwarded_for) &&
      isOptionalBoolean(request.traced)
    )
  )
    return false;
  const response = value.response;
  return (
    response === undefined ||
    (isRecord(response) && isOptionalNumber(response.status) && isOptionalNumber(response.content_length))
  );
}

function passesSql(value: unknown): boolean {
  return (
    isRecord(value) &&
    isOptionalString(value.url) &&
    isOptionalString(value.connection_string) &&
    isOptionalString(value.preparation) &&
    isOptionalString(value.database_type) &&
    isOptionalString(value.database_version) &&
    isOptionalString(value.driver_version) &&
    isOptionalString(value.user) &&
    isOptionalString(value.sanitized_query)
  );
}

function passesCause(value: unknown): boolean {
  if (!isRecord(value) || !isOptionalString(value.working_directory)) return false;
  const paths = value.paths;
  if (paths !== undefined) {
    if (!Array.isArray(paths)) return false;
    for (const path of paths) if (typeof path !== 'string') return false;
  }
  const exceptions = value.exceptions;
  if (exceptions === undefined) return true;
  if (!Array.isArray(exceptions)) return false;
  for (const exception of exceptions) if (!passesException(exception)) return false;
  return true;
}

function passesException(value: unknown): boolean {
  if (
    !isRecord(value) ||
    !isOptionalString(value.id) ||
    !isOptionalString(value.message) ||
    !isOptionalString(value.type) ||
    !isOptionalBoolean(value.remote)
  )
    return false;
  const stack = value.stack;
  if (stack === undefined) return true;
  if (!Array.isArray(stack)) return false;
  for (const frame of stack) {
    if (
      !isRecord(frame) ||
      !isOptionalString(frame.path) ||
      !(frame.line === null || isOptionalNumber(frame.line)) ||
      !isOptionalString(frame.label)
    )
      return false;
  }
  return true;
}

function passesAnnotations(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i += 1) {
    const entry = value[keys[i] as string];
    if (typeof entry === 'string' || typeof entry === 'boolean') continue;
    if (typeof entry !== 'number' || !Number.isFinite(entry)) return false;
  }
  return true;
}

/**
 * What {@link validate} changes in its copy, done to the checked value itself: ids are lowercase
 * already (the fast check takes no other), so only leaves get their empty `subsegments`.
 */
function normalizeInPlace(node: Json): void {
  const subsegments = node.subsegments as Json[] | undefined;
  if (subsegments === undefined) node.subsegments = NO_SUBSEGMENTS;
  else for (let i = 0; i < subsegments.length; i += 1) normalizeInPlace(subsegments[i] as Json);
}
