/**
 * The span of the API Gateway stage that called the function: `aws.apigateway` (REST and WebSocket
 * APIs) or `aws.httpapi` (HTTP APIs), service the API's domain, resource `{method} {route}`, from the
 * request's arrival (or a traced authorizer's end) to the function's end. A request sent with
 * `X-Amz-Invocation-Type: Event` is asynchronous and ends when `aws.lambda` starts. Pure.
 */

import { isRecord } from '../carrier.ts';
import { isHttpApiEvent, isRestApiEvent, isWebSocketEvent } from '../extractors/api-gateway.ts';
import { authorizerCarrier, authorizerSpanPlan, PARENT_SPAN_FINISH_TIME } from '../extractors/authorizer.ts';
import { dig, type EventRecord, stringAt } from '../extractors/types.ts';
import { serviceName } from './service-name.ts';
import { commonTags, type InferenceInput, setIf, type TriggerSpanPlan } from './types.ts';

/** `/orders/{id}` of `GET /orders/{id}` for a parameterised route, else the raw path, resource or route. */
function resourcePath(event: EventRecord): string | undefined {
  const routeKey = stringAt(event, 'requestContext', 'routeKey');
  if (routeKey?.includes('{')) {
    const route = routeKey.split(' ')[1];
    if (route !== undefined) return route;
  }
  return stringAt(event, 'rawPath') ?? stringAt(event, 'requestContext', 'resourcePath') ?? routeKey;
}

function isAsync(event: EventRecord): boolean {
  const headers = event.headers;
  return isRecord(headers) && headers['X-Amz-Invocation-Type'] === 'Event';
}

/** When the API Gateway span starts: after a traced authorizer that ran for this request, else at arrival (NaN: unknown). */
function startOf(event: EventRecord, httpApi: boolean, input: InferenceInput): number {
  if (input.decodeAuthorizerContext) {
    const carrier = authorizerCarrier(event, httpApi, () => {});
    if (carrier) {
      if (httpApi) {
        const finish = Number(carrier[PARENT_SPAN_FINISH_TIME]) / 1e6;
        if (finish > 0) return finish;
      } else {
        const authorizer = authorizerSpanPlan(event, carrier);
        if (authorizer) return authorizer.endMs;
      }
    }
  }
  const rc = event.requestContext;
  return Number(httpApi ? dig(rc, 'timeEpoch') : dig(rc, 'requestTimeEpoch'));
}

export function apiGatewaySpan(event: EventRecord, input: InferenceInput): TriggerSpanPlan | undefined {
  const rc = event.requestContext;
  if (!isRecord(rc)) return undefined;
  const httpApi = isHttpApiEvent(event);
  if (!httpApi && !isRestApiEvent(event) && !isWebSocketEvent(event)) return undefined;
  const startMs = startOf(event, httpApi, input);
  const domain = stringAt(rc, 'domainName') ?? '';
  const path = stringAt(event, 'rawPath') ?? stringAt(rc, 'path') ?? stringAt(rc, 'routeKey');
  const method = stringAt(rc, 'httpMethod') ?? stringAt(rc, 'http', 'method');
  const resource = `${method || domain} ${resourcePath(event) ?? ''}`;
  const apiId = stringAt(rc, 'apiId') ?? '';
  const service = serviceName(input.naming, apiId, 'lambda_api_gateway', domain, domain);
  const name = httpApi ? 'aws.httpapi' : 'aws.apigateway';
  const asynchronous = isAsync(event);
  const tags = commonTags(name, service, resource, asynchronous ? 'async' : 'sync', false);
  tags['http.url'] = `https://${domain}${path ?? ''}`;
  setIf(tags, 'endpoint', path);
  tags.apiid = apiId;
  if (method) {
    tags['http.method'] = method;
    setIf(tags, 'stage', rc.stage);
    tags.domain_name = domain;
  }
  if (rc.messageDirection !== undefined) {
    setIf(tags, 'message_direction', rc.messageDirection);
    setIf(tags, 'connection_id', rc.connectionId);
    setIf(tags, 'event_type', rc.eventType);
  }
  if (input.region && apiId) {
    tags.dd_resource_key = httpApi
      ? `arn:aws:apigateway:${input.region}::/apis/${apiId}`
      : `arn:aws:apigateway:${input.region}::/restapis/${apiId}`;
  }
  // The request id both API Gateway's X-Ray segment and this span carry: the merger matches them by it.
  setIf(tags, 'aws.apigateway.request_id', stringAt(rc, 'requestId'));
  return { name, service, resource, type: 'web', startMs, synchronous: !asynchronous, tags };
}
