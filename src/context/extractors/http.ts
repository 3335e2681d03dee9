/**
 * What the HTTP sources (API Gateway, ALB, Function URLs) share: the trace headers of the request,
 * single- or multi-value, matched case-insensitively, and the `http.*` tags.
 *
 * Only the trace headers are read; no other header reaches the span.
 */

import { type CarrierSettings, fromTextMap, isRecord, type Note } from '../carrier.ts';
import type { EventRecord, Extracted, InvocationFacts, TriggerTags } from './types.ts';

const TRACE_HEADERS = new Set([
  'x-datadog-trace-id',
  'x-datadog-parent-id',
  'x-datadog-sampling-priority',
  'x-datadog-tags',
  'traceparent',
  'tracestate',
  'x-amzn-trace-id',
]);

/** The request's trace headers, keys lowercased; a multi-value header gives its first value. */
export function traceHeaders(event: EventRecord): Record<string, string> | undefined {
  const headers = isRecord(event.headers)
    ? event.headers
    : isRecord(event.multiValueHeaders)
      ? event.multiValueHeaders
      : undefined;
  if (!headers) return undefined;
  const found: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    const lower = key.toLowerCase();
    if (!TRACE_HEADERS.has(lower) || lower in found) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') found[lower] = first;
  }
  return found;
}

export function extractFromRequest(
  event: EventRecord,
  input: { settings: CarrierSettings; note: Note },
): Extracted | undefined {
  const headers = traceHeaders(event);
  if (!headers) return undefined;
  const parent = fromTextMap(headers, input.settings, (p) => input.note(`request headers: ${p}`));
  return { ...(parent ? { parent } : {}), links: [] };
}

/** `http.method`, `http.url` (scheme, host and path: no query string), `http.url_details.path`, `http.route`. */
export function httpTags(request: {
  method?: string;
  domain?: string;
  path?: string;
  route?: string;
}): TriggerTags {
  const tags: Record<string, string> = {};
  if (request.method) tags['http.method'] = request.method;
  if (request.domain) tags['http.url'] = `https://${request.domain}${request.path ?? ''}`;
  if (request.path) tags['http.url_details.path'] = request.path;
  if (request.route) tags['http.route'] = request.route;
  return tags;
}

/** The AWS partition a region belongs to. */
export function partitionOf(region: string): string {
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('cn-')) return 'aws-cn';
  return 'aws';
}

/** `arn:aws:apigateway:{region}::/restapis/{apiId}/stages/{stage}`, the form datadog-lambda-js tags (for all API types). */
export function apiGatewayArn(facts: InvocationFacts, apiId: string | undefined, stage: string | undefined) {
  if (!facts.region || !apiId || !stage) return undefined;
  return `arn:${partitionOf(facts.region)}:apigateway:${facts.region}::/restapis/${apiId}/stages/${stage}`;
}
