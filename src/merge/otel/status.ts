/**
 * Errors: a span is an error when its status code is ERROR (OTel's rule; an exception event alone
 * does not make one). `error.message` comes from the first `exception` event's
 * `exception.message`, else the status message; `error.type` from `exception.type`;
 * `error.stack` from `exception.stacktrace`. `otel.status_code` and `otel.status_description`
 * keep the status as Datadog's OTLP ingest does.
 */

import type { OtelSpan } from './otel-span.ts';
import { stringAttribute } from './otel-span.ts';

export function tagStatus(span: OtelSpan, meta: Record<string, string>): 0 | 1 {
  const { code, message } = span.status;
  meta['otel.status_code'] = code === 'error' ? 'Error' : code === 'ok' ? 'Ok' : 'Unset';
  if (message !== undefined) meta['otel.status_description'] = message;
  if (code !== 'error') return 0;
  const exception = span.events.find((event) => event.name === 'exception');
  const attributes = exception?.attributes ?? {};
  const errorMessage = stringAttribute(attributes, 'exception.message') ?? message;
  const type = stringAttribute(attributes, 'exception.type');
  const stack = stringAttribute(attributes, 'exception.stacktrace');
  if (errorMessage !== undefined) meta['error.message'] = errorMessage;
  if (type !== undefined) meta['error.type'] = type;
  if (stack !== undefined) meta['error.stack'] = stack;
  return 1;
}
