/**
 * A span for the managed service that triggered the function (API Gateway, SQS, …), worked out from
 * the event alone, as datadog-lambda-js infers it. The handler makes it (through tracer/) between the
 * event's parent and `aws.lambda` when DD_TRACE_MANAGED_SERVICES is on.
 */

import type { InferredSpanPlan } from '../extractors/types.ts';

export type SpanTags = Readonly<Record<string, string | number>>;

export interface TriggerSpanPlan {
  readonly name: string;
  readonly service: string;
  readonly resource: string;
  readonly type: string;
  /**
   * Epoch milliseconds: when the service got the request, or when the message was sent. NaN or 0
   * when the event has no usable time: the span then starts now, as dd-trace starts datadog-lambda-js's.
   */
  readonly startMs: number;
  /**
   * Synchronous triggers (a request waiting for the answer) end with the function and carry its
   * status and error; asynchronous ones (a message, a record) end when `aws.lambda` starts.
   */
  readonly synchronous: boolean;
  readonly tags: SpanTags;
  /** A finished span before this one: the SNS topic or EventBridge bus that delivered an SQS message. */
  readonly upstream?: InferredSpanPlan;
}

/** How inferred spans are named (DD_SERVICE_MAPPING, DD_TRACE_AWS_SERVICE_REPRESENTATION_ENABLED, …). */
export interface ServiceNaming {
  /** `key:service` pairs: an API id, queue, topic, stream, table, bucket or event source, or `lambda_sqs`-style generic keys. */
  readonly mapping: ReadonlyMap<string, string>;
  /** Off: inferred spans take the generic name (`sqs`, `sns`, …) rather than the resource's. */
  readonly representation: boolean;
  /** On with a DD_SERVICE: inferred spans take DD_SERVICE (DD_TRACE_REMOVE_INTEGRATION_SERVICE_NAMES_ENABLED). */
  readonly removeIntegrationNames: boolean;
  readonly service?: string;
}

/** What a trigger's plan reads besides the event. */
export interface InferenceInput {
  readonly naming: ServiceNaming;
  /** The function's region, from its ARN (API Gateway's `dd_resource_key`). */
  readonly region?: string;
  /** DD_DECODE_AUTHORIZER_CONTEXT: a traced authorizer's finish time starts the API Gateway span. */
  readonly decodeAuthorizerContext: boolean;
}

/** The tags every inferred span carries, as datadog-lambda-js sets them. */
export function commonTags(
  name: string,
  service: string,
  resource: string,
  synchronicity: 'sync' | 'async',
  operationName = true,
): Record<string, string | number> {
  const tags: Record<string, string | number> = {
    resource_names: resource,
    service,
    'span.kind': 'server',
    '_inferred_span.tag_source': 'self',
    '_inferred_span.synchronicity': synchronicity,
  };
  if (operationName) tags.operation_name = name;
  return tags;
}

/** Sets `key` only when `value` is a string or a finite number (datadog-lambda-js sets undefined, which dd-trace drops). */
export function setIf(tags: Record<string, string | number>, key: string, value: unknown): void {
  if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) tags[key] = value;
}
