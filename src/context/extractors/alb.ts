/**
 * Application Load Balancer targets, with single-value `headers` or, when the target group enables
 * them, `multiValueHeaders`. Context from the request headers.
 */

import { isRecord } from '../carrier.ts';
import { extractFromRequest, httpTags } from './http.ts';
import { arnTag, type EventSource, stringAt } from './types.ts';

export const applicationLoadBalancer: EventSource = {
  name: 'application-load-balancer',
  http: true,
  matches: (event) => isRecord(event.requestContext) && event.requestContext.elb !== undefined,
  extract: extractFromRequest,
  tags(event) {
    const arn = stringAt(event, 'requestContext', 'elb', 'targetGroupArn');
    // No http.url: the host is only in a header, and headers stay off the span.
    return {
      ...arnTag(arn),
      ...httpTags({ method: stringAt(event, 'httpMethod'), path: stringAt(event, 'path') }),
    };
  },
};
