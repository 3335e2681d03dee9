/**
 * AppSync resolvers (direct Lambda resolvers): the GraphQL request's HTTP headers are in
 * `request.headers`, where a traced client (the Datadog browser SDK, dd-trace) put its context.
 * Recognised by `info.selectionSetGraphQL`, as datadog-lambda-js does. The event is read, never
 * changed. No trigger tags: datadog-lambda-js names no AppSync source either.
 *
 * @example
 * appSync.extract({ info: { selectionSetGraphQL: '{ id }' }, request: { headers: { traceparent: '00-…' } } }, input);
 */

import { isRecord } from '../carrier.ts';
import { extractFromRequest } from './http.ts';
import type { UntaggedCarrier } from './types.ts';

export const appSync: UntaggedCarrier = {
  name: 'appsync',
  matches: (event) => isRecord(event.info) && event.info.selectionSetGraphQL !== undefined,
  extract(event, input) {
    const request = event.request;
    if (request === undefined || request === null) return undefined;
    if (!isRecord(request)) {
      input.note(`AppSync request is a ${Array.isArray(request) ? 'list' : typeof request}, not an object`);
      return undefined;
    }
    return extractFromRequest(request, { ...input, note: (p) => input.note(`AppSync ${p}`) });
  },
};
