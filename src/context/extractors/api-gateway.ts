/**
 * API Gateway: REST APIs (payload v1), HTTP APIs (payload v2) and WebSocket APIs. The context comes
 * from a traced Lambda authorizer that ran for this request (see authorizer.ts), else from the
 * request's trace headers (see http.ts).
 */

import { isRecord } from '../carrier.ts';
import { authorizerContext } from './authorizer.ts';
import { apiGatewayArn, extractFromRequest, httpTags } from './http.ts';
import {
  arnTag,
  type EventRecord,
  type EventSource,
  type Extracted,
  type ExtractionInput,
  stringAt,
} from './types.ts';

function isFunctionUrl(event: EventRecord): boolean {
  return stringAt(event, 'requestContext', 'domainName')?.includes('.lambda-url.') === true;
}

export function isRestApiEvent(event: EventRecord): boolean {
  const rc = event.requestContext;
  return (
    isRecord(rc) && rc.stage !== undefined && event.httpMethod !== undefined && event.resource !== undefined
  );
}

export function isHttpApiEvent(event: EventRecord): boolean {
  return (
    event.version === '2.0' &&
    event.rawQueryString !== undefined &&
    isRecord(event.requestContext) &&
    !isFunctionUrl(event)
  );
}

export function isWebSocketEvent(event: EventRecord): boolean {
  const rc = event.requestContext;
  return isRecord(rc) && rc.messageDirection !== undefined;
}

export const apiGateway: EventSource = {
  name: 'api-gateway',
  http: true,
  matches: (event) => isRestApiEvent(event) || isHttpApiEvent(event) || isWebSocketEvent(event),
  extract(event: EventRecord, input: ExtractionInput): Extracted | undefined {
    if (input.settings.decodeAuthorizerContext) {
      const found = authorizerContext(event, isHttpApiEvent(event), input.settings, (p) =>
        input.note(`requestContext.authorizer: ${p}`),
      );
      if (found)
        return found.span
          ? { parent: found.parent, links: [], inferred: found.span }
          : { parent: found.parent, links: [] };
    }
    return extractFromRequest(event, input);
  },
  tags(event, facts) {
    const rc = event.requestContext;
    const tags: Record<string, string> = {
      ...arnTag(apiGatewayArn(facts, stringAt(rc, 'apiId'), stringAt(rc, 'stage'))),
    };
    if (isRestApiEvent(event)) {
      Object.assign(
        tags,
        httpTags({
          method: stringAt(rc, 'httpMethod') ?? stringAt(event, 'httpMethod'),
          domain: stringAt(rc, 'domainName'),
          path: stringAt(rc, 'path'),
          route: stringAt(event, 'resource'),
        }),
      );
    } else if (isHttpApiEvent(event)) {
      const routeKey = stringAt(event, 'routeKey');
      Object.assign(
        tags,
        httpTags({
          method: stringAt(rc, 'http', 'method'),
          domain: stringAt(rc, 'domainName'),
          path: stringAt(rc, 'http', 'path'),
          // "GET /orders/{id}" -> "/orders/{id}"
          route: routeKey?.split(' ').at(-1),
        }),
      );
    }
    return tags;
  },
};
