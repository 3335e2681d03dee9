/**
 * The spans of the managed services in front of the function, made when DD_TRACE_MANAGED_SERVICES is
 * on, chained as datadog-lambda-js chains them:
 *
 *   event's parent -> [aws.apigateway.authorizer] -> [aws.sns | aws.eventbridge] -> trigger span -> aws.lambda
 *
 * The authorizer's span and an SQS message's upstream span are finished at once (their ends are in
 * the event); the trigger's span is open until the invocation ends: a synchronous trigger (a request)
 * ends with the function and carries its status and error, an asynchronous one (a message, a record)
 * ends when `aws.lambda` started. Per invocation; never throws: on any fault there are no spans and
 * `aws.lambda` hangs under the event's parent as it would without them.
 */

import type { Config } from '../config.ts';
import type { EventSource } from '../context/extractors/index.ts';
import type { EventRecord } from '../context/extractors/types.ts';
import { type InferenceInput, parseServiceMapping, triggerSpanPlan } from '../context/inferred/index.ts';
import type { ChosenParent } from '../context/parent.ts';
import { describeError, log } from '../log.ts';
import { type Span, startManagedSpan, type Tracer, tagError } from '../tracer/dd-trace.ts';

export interface ManagedSpans {
  /** The span `aws.lambda` hangs under. */
  readonly lambdaParent: Span;
  /** The trigger's span, open until `finishManagedSpans`. */
  readonly trigger?: { readonly span: Span; readonly synchronous: boolean };
}

function inferenceInput(config: Config, region: string | undefined): InferenceInput {
  const naming = {
    mapping: parseServiceMapping(config.serviceMapping),
    representation: config.awsServiceRepresentation,
    removeIntegrationNames: config.removeIntegrationServiceNames,
    ...(config.service !== undefined ? { service: config.service } : {}),
  };
  return {
    naming,
    decodeAuthorizerContext: config.decodeAuthorizerContext,
    ...(region !== undefined ? { region } : {}),
  };
}

/** The tags every inferred span gets from the invocation. */
function invocationTags(config: Config, requestId: string | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  if (requestId) tags.request_id = requestId;
  if (config.service) tags['peer.service'] = config.service;
  return tags;
}

/**
 * Starts the invocation's managed-service spans, or returns undefined when there are none to make (or
 * making them failed). `source` is the event's detected source (null: none).
 */
export function startManagedSpans(
  tracer: Tracer,
  config: Config,
  parent: ChosenParent,
  event: unknown,
  source: EventSource | null,
  facts: { readonly requestId?: string; readonly region?: string },
): ManagedSpans | undefined {
  if (!config.traceManagedServices) return undefined;
  const authorizer = parent.context !== undefined ? parent.inferred : undefined;
  if (source === null && authorizer === undefined) return undefined;
  const made: Span[] = [];
  try {
    const plan = source
      ? triggerSpanPlan(source, event as EventRecord, inferenceInput(config, facts.region))
      : undefined;
    if (plan === undefined && authorizer === undefined) return undefined;
    const extra = invocationTags(config, facts.requestId);
    let above: Span | undefined;
    for (const finished of [authorizer, plan?.upstream]) {
      if (finished === undefined) continue;
      const span = startManagedSpan(tracer, above ?? parent.context, {
        ...finished,
        tags: { ...finished.tags, ...extra },
      });
      if (!span) return undefined;
      made.push(span);
      span.finish(finished.endMs);
      above = span;
    }
    if (plan === undefined) return above ? { lambdaParent: above } : undefined;
    const span = startManagedSpan(tracer, above ?? parent.context, {
      ...plan,
      tags: { ...plan.tags, ...extra },
    });
    if (!span) return above ? { lambdaParent: above } : undefined;
    return { lambdaParent: span, trigger: { span, synchronous: plan.synchronous } };
  } catch (error) {
    log.once('debug', 'inferred-span', `the managed-service spans were not made: ${describeError(error)}`);
    // Spans already finished stay (a finished span is harmless); none is left open.
    return made.length > 0 ? { lambdaParent: made[made.length - 1] as Span } : undefined;
  }
}

/** What the invocation's end tells the trigger's span. */
export interface InvocationEnd {
  readonly failed: boolean;
  readonly error?: unknown;
  /** `http.status_code` of an HTTP trigger. */
  readonly statusCode?: string;
  /** When `aws.lambda` started, epoch milliseconds: where an asynchronous trigger's span ends. */
  readonly lambdaStartMs: number;
}

/** Finishes the trigger's span, once, when the invocation ends. Never throws. */
export function finishManagedSpans(spans: ManagedSpans, end: InvocationEnd): void {
  const trigger = spans.trigger;
  if (trigger === undefined) return;
  try {
    if (end.statusCode !== undefined) trigger.span.setTag('http.status_code', end.statusCode);
    if (!trigger.synchronous) {
      trigger.span.finish(end.lambdaStartMs);
      return;
    }
    if (end.failed) tagError(trigger.span, end.error);
    trigger.span.finish();
  } catch (error) {
    log.once(
      'debug',
      'inferred-span:finish',
      `finishing the managed-service span failed: ${describeError(error)}`,
    );
  }
}
