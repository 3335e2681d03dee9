/**
 * Reading a trace context out of a carrier: the string map a producer injected into a message or
 * request (`x-datadog-*`, W3C `traceparent`/`tracestate`, `X-Amzn-Trace-Id`). Pure, never throws.
 *
 * A carrier that is there but unusable (ids out of range or zero, a bad `traceparent`) is reported
 * through `note` and skipped, and the next style is tried; a carrier that is simply absent is not
 * reported. Keys are expected lowercase, as dd-trace injects them.
 *
 * @example
 * fromTextMap({ 'x-datadog-trace-id': '123', 'x-datadog-parent-id': '456' }, settings, console.debug);
 * // { form: 'datadog', context: { traceId: '123', parentId: '456' } }
 */

import type { DatadogContext } from '../tracer/dd-trace.ts';
import { canParent, parseTraceHeader } from '../xray/header.ts';
import { isDatadogId } from '../xray/ids.ts';
import { parseTraceparent } from './w3c.ts';
import { datadogContextOf, type IdSettings } from './xray-parent.ts';

/**
 * How the context was carried. `xray` is an X-Ray trace header with X-Ray's own ids; `datadog-in-xray`
 * is the form dd-trace-java writes (a Datadog id padded into an X-Ray Root); `step-functions` is a
 * state machine's context object a Step Functions task put in a message (ids derived from it).
 */
export type CarrierForm = 'datadog' | 'w3c' | 'xray' | 'datadog-in-xray' | 'step-functions';

export interface Carried {
  readonly context: DatadogContext;
  readonly form: CarrierForm;
}

export interface CarrierSettings extends IdSettings {
  /** X-Ray's own ids are a parent only when the user asked for X-Ray merging. */
  readonly mergeXrayTraces: boolean;
}

/** Receives one line per malformed carrier; the caller decides where it goes (a debug log line). */
export type Note = (problem: string) => void;

/** dd-trace drops `x-datadog-tags` longer than its default limit; so does this. */
const MAX_TAGS_LENGTH = 512;
const TID = /^[0-9a-f]{16}$/;
const PADDED = /^1-[0-9a-f]{8}-00000000/;

/** A carrier value as a string: strings as they are, safe integers printed, anything else absent. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

/** The Datadog headers (`x-datadog-trace-id`, `-parent-id`, `-sampling-priority`, `-tags`). */
export function fromDatadogHeaders(map: Readonly<Record<string, unknown>>, note: Note): Carried | undefined {
  const traceId = text(map['x-datadog-trace-id']);
  if (traceId === undefined) return undefined;
  const parentId = text(map['x-datadog-parent-id']);
  if (!isDatadogId(traceId)) {
    note(`x-datadog-trace-id ${JSON.stringify(traceId.slice(0, 40))} is not a non-zero 64-bit id`);
    return undefined;
  }
  if (parentId === undefined || !isDatadogId(parentId)) {
    note(`x-datadog-parent-id ${JSON.stringify(parentId?.slice(0, 40))} is not a non-zero 64-bit id`);
    return undefined;
  }
  const priorityText = text(map['x-datadog-sampling-priority']);
  // The four priorities Datadog defines (USER_REJECT..USER_KEEP); anything else is left to the sampler.
  const priority =
    priorityText !== undefined && /^(?:-1|[012])$/.test(priorityText) ? Number(priorityText) : undefined;
  const { tid, tags } = propagationTags(text(map['x-datadog-tags']), note);
  return {
    form: 'datadog',
    context: {
      traceId,
      parentId,
      ...(priority !== undefined ? { samplingPriority: priority } : {}),
      ...(tid !== undefined ? { tid } : {}),
      ...(tags !== undefined ? { tags } : {}),
    },
  };
}

/** `_dd.p.*` entries of `x-datadog-tags`, with `_dd.p.tid` taken out into its own field. */
function propagationTags(value: string | undefined, note: Note): { tid?: string; tags?: string } {
  if (value === undefined || value.length === 0) return {};
  if (value.length > MAX_TAGS_LENGTH) {
    note(`x-datadog-tags is ${value.length} characters, over ${MAX_TAGS_LENGTH}; tags dropped`);
    return {};
  }
  let tid: string | undefined;
  const kept: string[] = [];
  for (const pair of value.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const key = pair.slice(0, eq).trim();
    const tagValue = pair.slice(eq + 1).trim();
    if (key === '_dd.p.tid') {
      if (TID.test(tagValue)) tid = tagValue;
      else note(`_dd.p.tid ${JSON.stringify(tagValue.slice(0, 40))} is not 16 lowercase hex; ignored`);
    } else if (key.startsWith('_dd.p.') && tagValue.length > 0) kept.push(`${key}=${tagValue}`);
  }
  return { ...(tid !== undefined ? { tid } : {}), ...(kept.length > 0 ? { tags: kept.join(',') } : {}) };
}

/** W3C `traceparent` (+ `tracestate`). */
export function fromW3C(map: Readonly<Record<string, unknown>>, note: Note): Carried | undefined {
  const traceparent = text(map.traceparent);
  if (traceparent === undefined) return undefined;
  const result = parseTraceparent(traceparent, text(map.tracestate));
  if ('problem' in result) {
    note(result.problem);
    return undefined;
  }
  return { form: 'w3c', context: result.context };
}

/**
 * An X-Ray trace header carried in an event (`X-Amzn-Trace-Id` request header, SQS `AWSTraceHeader`).
 * The dd-trace-java padded form is a Datadog context and is always read; X-Ray's own ids only when
 * merging is on. A header without a Parent is not a parent and is not reported (ALB sends those).
 */
export function fromXRayHeader(raw: unknown, settings: CarrierSettings, note: Note): Carried | undefined {
  if (typeof raw !== 'string') return undefined;
  const header = parseTraceHeader(raw);
  if (!canParent(header)) return undefined;
  const padded = PADDED.test(header.root);
  if (!padded && !settings.mergeXrayTraces) return undefined;
  const context = datadogContextOf(header, settings);
  if (!isDatadogId(context.traceId)) {
    note(`X-Ray header Root ${header.root} maps to a zero trace id`);
    return undefined;
  }
  return { form: padded ? 'datadog-in-xray' : 'xray', context };
}

/**
 * Every style a text map can hold, in dd-trace's default extraction order: Datadog, then W3C, then
 * (for HTTP requests) `x-amzn-trace-id`. The first usable one wins.
 */
export function fromTextMap(
  map: Readonly<Record<string, unknown>>,
  settings: CarrierSettings,
  note: Note,
): Carried | undefined {
  return (
    fromDatadogHeaders(map, note) ??
    fromW3C(map, note) ??
    fromXRayHeader(map['x-amzn-trace-id'], settings, note)
  );
}

/** Whether a value is a plain object that can be read as a text map. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes strict base64 (Buffer.from silently skips bad characters, which would hide a broken carrier). */
export function decodeBase64(value: string): string | undefined {
  const compact = value.trim();
  if (!BASE64.test(compact)) return undefined;
  return Buffer.from(compact, 'base64').toString('utf8');
}

/** Parses a JSON text map (`{"x-datadog-trace-id": …}`), reporting text that is not a JSON object. */
export function parseJsonCarrier(json: string, note: Note): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    note('carrier is not valid JSON');
    return undefined;
  }
  if (!isRecord(parsed)) {
    note('carrier JSON is not an object');
    return undefined;
  }
  return parsed;
}
