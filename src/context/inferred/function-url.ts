/**
 * The span of a Lambda Function URL request: `aws.lambda.url`, service the URL's domain, resource
 * `{method} {path}`, from the request's arrival to the function's end. Pure.
 */

import { type EventRecord, stringAt } from '../extractors/types.ts';
import { serviceName } from './service-name.ts';
import { commonTags, type InferenceInput, setIf, type TriggerSpanPlan } from './types.ts';

export function functionUrlSpan(event: EventRecord, input: InferenceInput): TriggerSpanPlan | undefined {
  const rc = event.requestContext;
  const startMs = Number((rc as { timeEpoch?: unknown } | undefined)?.timeEpoch);
  const domain = stringAt(rc, 'domainName') ?? '';
  const path = stringAt(event, 'rawPath');
  const method = stringAt(rc, 'httpMethod') ?? stringAt(rc, 'http', 'method');
  const resource = `${method || domain} ${path ?? ''}`;
  const apiId = stringAt(rc, 'apiId') ?? '';
  const service = serviceName(input.naming, apiId, 'lambda_url', domain, domain);
  const tags = commonTags('aws.lambda.url', service, resource, 'sync');
  tags['http.url'] = `https://${domain}${path ?? ''}`;
  setIf(tags, 'endpoint', path);
  setIf(tags, 'http.method', stringAt(rc, 'http', 'method'));
  return { name: 'aws.lambda.url', service, resource, type: 'http', startMs, synchronous: true, tags };
}
