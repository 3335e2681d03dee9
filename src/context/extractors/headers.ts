/**
 * Events that are only a request's headers: `{ "headers": {…} }` or `{ "multiValueHeaders": {…} }`,
 * as custom callers and some proxies send them. The trace headers are read as for API Gateway (see
 * http.ts: case-insensitive, the first value of a multi-value header). Such an event names no AWS
 * source, so it adds no trigger tags.
 *
 * @example
 * headersOnly.extract({ headers: { 'X-Datadog-Trace-Id': '1', 'X-Datadog-Parent-Id': '2' } }, input);
 */

import { isRecord } from '../carrier.ts';
import { extractFromRequest } from './http.ts';
import type { UntaggedCarrier } from './types.ts';

export const headersOnly: UntaggedCarrier = {
  name: 'headers',
  matches: (event) => isRecord(event.headers) || isRecord(event.multiValueHeaders),
  extract: extractFromRequest,
};
