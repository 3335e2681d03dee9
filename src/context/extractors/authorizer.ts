/**
 * A traced Lambda authorizer's context. A Datadog-traced authorizer (datadog-lambda-js and
 * datadog-lambda-python, `DD_ENCODE_AUTHORIZER_CONTEXT`) returns its trace context in its response's
 * `context._datadog`, base64 JSON; API Gateway hands that to the function as
 * `requestContext.authorizer._datadog` (REST and WebSocket APIs) or
 * `requestContext.authorizer.lambda._datadog` (HTTP APIs). Read when `DD_DECODE_AUTHORIZER_CONTEXT`
 * is on (the default), before the request headers: the authorizer ran inside this request, after the
 * client that sent the headers, so it is the nearer parent.
 *
 * API Gateway caches authorizer results, and a cached result still carries the context of the
 * request that ran the authorizer, another trace. The context counts only when the authorizer ran
 * for this request: `integrationLatency > 0` (REST, WebSocket), or the carried
 * `x-datadog-authorizing-requestid` equal to this request's `requestId` (HTTP APIs, which have no
 * latency field; token authorizers send no request id). Otherwise the request headers decide, as
 * they do in datadog-lambda-js. Pure, never throws; a malformed value is one note.
 *
 * @example
 * authorizerContext(restApiEvent, false, settings, note)?.context.traceId; // '2095319761084710747'
 */

import {
  type Carried,
  type CarrierSettings,
  decodeBase64,
  fromTextMap,
  isRecord,
  type Note,
  parseJsonCarrier,
} from '../carrier.ts';
import { dig, type EventRecord, type InferredSpanPlan, stringAt } from './types.ts';

/** The request id the authorizer ran for (in the carried map). */
export const AUTHORIZING_REQUEST_ID = 'x-datadog-authorizing-requestid';
/** When the authorizer's span finished, in nanoseconds since the epoch (milliseconds in older tracers). */
export const PARENT_SPAN_FINISH_TIME = 'x-datadog-parent-span-finish-time';

/** A real one is about 300 characters; anything this long is not a carrier and is not decoded. */
const MAX_ENCODED_LENGTH = 4096;

/** The decoded map of a fresh (not cached) authorizer context, or undefined. */
export function authorizerCarrier(
  event: EventRecord,
  httpApi: boolean,
  note: Note,
): Record<string, unknown> | undefined {
  const authorizer = dig(event, 'requestContext', 'authorizer');
  if (!isRecord(authorizer)) return undefined;
  const raw = httpApi ? dig(authorizer, 'lambda', '_datadog') : authorizer._datadog;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') {
    note(`_datadog is a ${typeof raw}, not base64 text`);
    return undefined;
  }
  if (raw.length > MAX_ENCODED_LENGTH) {
    note(`_datadog is ${raw.length} characters, over ${MAX_ENCODED_LENGTH}; not decoded`);
    return undefined;
  }
  const json = decodeBase64(raw);
  if (json === undefined) {
    note('_datadog is not base64');
    return undefined;
  }
  const carrier = parseJsonCarrier(json, (p) => note(`_datadog: ${p}`));
  if (!carrier) return undefined;
  const latency = authorizer.integrationLatency;
  const ranForThisRequest =
    (typeof latency === 'number' && latency > 0) ||
    (typeof carrier[AUTHORIZING_REQUEST_ID] === 'string' &&
      carrier[AUTHORIZING_REQUEST_ID] === dig(event, 'requestContext', 'requestId'));
  // A cached result is expected, not malformed: no note.
  return ranForThisRequest ? carrier : undefined;
}

/**
 * The authorizer's context as the parent, when it ran for this request, and for REST and WebSocket
 * APIs the `aws.apigateway.authorizer` span datadog-lambda-js infers from it. HTTP APIs get none:
 * their event has no `integrationLatency` to end it with (datadog-lambda-js makes none either).
 */
export function authorizerContext(
  event: EventRecord,
  httpApi: boolean,
  settings: CarrierSettings,
  note: Note,
): { parent: Carried; span?: InferredSpanPlan } | undefined {
  const carrier = authorizerCarrier(event, httpApi, note);
  if (!carrier) return undefined;
  const parent = fromTextMap(carrier, settings, (p) => note(`_datadog: ${p}`));
  if (!parent) return undefined;
  const span = httpApi ? undefined : authorizerSpanPlan(event, carrier);
  return span ? { parent, span } : { parent };
}

/** A finish time in nanoseconds, or in milliseconds as older tracers wrote it, as epoch milliseconds. */
function finishTimeMs(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) return undefined;
  // 1e14 ms is the year 5138; 1e14 ns is 1970: a value below it is milliseconds.
  return n < 1e14 ? n : n / 1e6;
}

/**
 * The authorizer's span: from the authorizer's finish (it ran before API Gateway called this function;
 * its own span ended then) to the request's start plus the authorizer's latency, service and
 * resource as datadog-lambda-js names them (the API's domain; `{method} {resource path}`).
 * Undefined when the carrier has no finish time.
 */
export function authorizerSpanPlan(
  event: EventRecord,
  carrier: Readonly<Record<string, unknown>>,
): InferredSpanPlan | undefined {
  const startMs = finishTimeMs(carrier[PARENT_SPAN_FINISH_TIME]);
  if (startMs === undefined) return undefined;
  const rc = event.requestContext;
  const requestTime = dig(rc, 'requestTimeEpoch');
  const latency = dig(rc, 'authorizer', 'integrationLatency');
  const end =
    typeof requestTime === 'number' && typeof latency === 'number' ? requestTime + latency : startMs;
  const domain = stringAt(rc, 'domainName') ?? '';
  const path = stringAt(rc, 'path') ?? stringAt(rc, 'routeKey') ?? '';
  const method = stringAt(rc, 'httpMethod');
  const resourcePath = stringAt(rc, 'resourcePath') ?? stringAt(rc, 'routeKey') ?? path;
  const resource = `${method ?? domain} ${resourcePath}`;
  const service = domain || 'aws.apigateway';
  // The API Gateway span's tags, as datadog-lambda-js copies them onto the authorizer's.
  const tags: Record<string, string> = {
    service,
    'http.url': `https://${domain}${path}`,
    endpoint: path,
    resource_names: resource,
    apiid: stringAt(rc, 'apiId') ?? '',
    'span.kind': 'server',
    '_inferred_span.tag_source': 'self',
    '_inferred_span.synchronicity': 'sync',
  };
  if (method) {
    tags['http.method'] = method;
    const stage = stringAt(rc, 'stage');
    if (stage) tags.stage = stage;
    tags.domain_name = domain;
  }
  const direction = stringAt(rc, 'messageDirection');
  if (direction !== undefined) {
    tags.message_direction = direction;
    const connection = stringAt(rc, 'connectionId');
    if (connection !== undefined) tags.connection_id = connection;
    const eventType = stringAt(rc, 'eventType');
    if (eventType !== undefined) tags.event_type = eventType;
  }
  return {
    name: 'aws.apigateway.authorizer',
    service,
    resource,
    type: 'web',
    startMs,
    endMs: Math.max(startMs, end),
    tags,
  };
}
