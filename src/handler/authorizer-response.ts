/**
 * The authorizer side of a traced Lambda authorizer (DD_ENCODE_AUTHORIZER_CONTEXT, on by default, as
 * in datadog-lambda-js): when the wrapped function answers as an API Gateway Lambda authorizer (a
 * response with `principalId` and `policyDocument`), its trace context goes into the response's
 * `context._datadog`, base64 JSON, with when its span finished (nanoseconds) and the request it
 * authorized. API Gateway hands that context to the function behind it, which continues the trace
 * (extractors/authorizer.ts reads it, as datadog-lambda-js and datadog-lambda-python do).
 * This is the one change the wrapper makes to a response, and only to an authorizer's. Pure.
 *
 * @example
 * encodeAuthorizerContext({ principalId: 'u', policyDocument: {...} }, headers, 'req-1', Date.now());
 */

import { isRecord } from '../context/carrier.ts';
import { AUTHORIZING_REQUEST_ID, PARENT_SPAN_FINISH_TIME } from '../context/extractors/authorizer.ts';

/** Whether `value` is a Lambda authorizer's answer. */
export function isAuthorizerResponse(value: unknown): value is Record<string, unknown> {
  return isRecord(value) && value.principalId !== undefined && value.policyDocument !== undefined;
}

/**
 * Adds `context._datadog` to an authorizer's response (in place: API Gateway reads the object the
 * handler returned). A `context` that is not an object is left alone.
 */
export function encodeAuthorizerContext(
  response: Record<string, unknown>,
  headers: Readonly<Record<string, string>>,
  requestId: string | undefined,
  finishMs: number,
): boolean {
  if (response.context === undefined || response.context === null) response.context = {};
  const context = response.context;
  if (!isRecord(context)) return false;
  const carried: Record<string, string | number> = {
    ...headers,
    [PARENT_SPAN_FINISH_TIME]: finishMs * 1e6,
  };
  // Token authorizers get no request id.
  if (requestId) carried[AUTHORIZING_REQUEST_ID] = requestId;
  (context as Record<string, unknown>)._datadog = Buffer.from(JSON.stringify(carried)).toString('base64');
  return true;
}
