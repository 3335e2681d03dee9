/** Lambda Function URLs: payload v2 with a `*.lambda-url.*` domain. Context from the request headers. */

import { extractFromRequest, httpTags } from './http.ts';
import { type EventSource, stringAt } from './types.ts';

export const functionUrl: EventSource = {
  name: 'lambda-function-url',
  http: true,
  matches: (event) => stringAt(event, 'requestContext', 'domainName')?.includes('.lambda-url.') === true,
  extract: extractFromRequest,
  // No ARN: a Function URL is the function itself (datadog-lambda-js tags none either).
  tags: (event) =>
    httpTags({
      method: stringAt(event, 'requestContext', 'http', 'method'),
      domain: stringAt(event, 'requestContext', 'domainName'),
      path: stringAt(event, 'requestContext', 'http', 'path'),
    }),
};
