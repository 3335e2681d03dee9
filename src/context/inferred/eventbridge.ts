/**
 * The span of the EventBridge bus that delivered the event: `aws.eventbridge`, service and resource
 * the event's `source`, from the event's time to `aws.lambda`'s start (or, for an event a rule sent
 * to an SQS queue, to when the queue received it). Pure.
 */

import { type EventRecord, type InferredSpanPlan, stringAt } from '../extractors/types.ts';
import { serviceName } from './service-name.ts';
import { commonTags, type InferenceInput, type SpanTags, type TriggerSpanPlan } from './types.ts';

function eventSpan(
  event: Readonly<Record<string, unknown>>,
  input: InferenceInput,
):
  | { name: string; service: string; resource: string; type: string; startMs: number; tags: SpanTags }
  | undefined {
  const startMs = Date.parse(String(event.time));
  const source = stringAt(event, 'source') ?? '';
  const service = serviceName(input.naming, source, 'lambda_eventbridge', source, 'eventbridge');
  const tags = commonTags('aws.eventbridge', service, source, 'async');
  return { name: 'aws.eventbridge', service, resource: source, type: 'web', startMs, tags };
}

export function eventBridgeSpan(event: EventRecord, input: InferenceInput): TriggerSpanPlan | undefined {
  const plan = eventSpan(event, input);
  return plan ? { ...plan, synchronous: false } : undefined;
}

export function eventBridgeUpstreamSpan(
  event: Readonly<Record<string, unknown>>,
  endMs: number,
  input: InferenceInput,
): InferredSpanPlan | undefined {
  const plan = eventSpan(event, input);
  return plan ? { ...plan, endMs } : undefined;
}
