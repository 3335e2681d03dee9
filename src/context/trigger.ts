/**
 * The event-source tags of the `aws.lambda` span, named as datadog-lambda-js names them:
 * `function_trigger.event_source`, `function_trigger.event_source_arn`, and for HTTP triggers
 * `http.method`, `http.url`, `http.url_details.path`, `http.route` at the start and
 * `http.status_code` from the response at the end. Never payloads or headers. Pure.
 *
 * @example
 * eventTrigger(apiGatewayEvent, context).tags['function_trigger.event_source']; // 'api-gateway'
 * httpStatusCode({ statusCode: 201 }); // '201'
 */

import { describeError, log } from '../log.ts';
import { detectEventSource, type EventSource, type TriggerTags } from './extractors/index.ts';
import type { InvocationFacts } from './extractors/types.ts';

export interface EventTrigger {
  readonly tags: TriggerTags;
  /** Whether the trigger is HTTP (API Gateway, ALB, Function URL): the response's status is tagged. */
  readonly http: boolean;
}

const NONE: EventTrigger = Object.freeze({ tags: Object.freeze({}), http: false });

/** Region and account from `arn:aws:lambda:{region}:{account}:function:{name}`. */
function factsOf(context: unknown): InvocationFacts {
  const arn = (context as { invokedFunctionArn?: unknown } | null | undefined)?.invokedFunctionArn;
  if (typeof arn !== 'string') return {};
  const [, , , region, accountId] = arn.split(':');
  return { ...(region ? { region } : {}), ...(accountId ? { accountId } : {}) };
}

/**
 * The trigger of this invocation; no tags for events of no known source. Never throws. `source` is
 * the event's source when the caller has detected it already (null: none), so it is detected once.
 */
export function eventTrigger(event: unknown, context: unknown, source?: EventSource | null): EventTrigger {
  try {
    if (source === undefined) source = detectEventSource(event);
    if (!source) return NONE;
    return {
      tags: {
        'function_trigger.event_source': source.name,
        ...source.tags(event as Record<string, unknown>, factsOf(context)),
      },
      http: source.http === true,
    };
  } catch (error) {
    log.debug(`reading the trigger tags failed: ${describeError(error)}`);
    return NONE;
  }
}

/** The handler's outcome as the wrapper saw it: a response value, or none (streaming, timeout). */
export interface HandlerOutcome {
  readonly failed: boolean;
  /** Present when the handler produced a value (async return, callback result). */
  readonly response?: { readonly value: unknown };
}

/**
 * `http.status_code` for an HTTP trigger: the response's `statusCode`; 502 when the handler failed
 * or returned nothing (what API Gateway and ALB answer then); 200 for a response without a status
 * and for streamed responses, whose status the wrapper does not see.
 */
export function httpStatusCode(outcome: HandlerOutcome): string {
  if (outcome.failed) return '502';
  if (outcome.response === undefined) return '200';
  const value = outcome.response.value;
  if (value === undefined) return '502';
  const status = (value as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' || (typeof status === 'string' && status.length > 0)
    ? String(status)
    : '200';
}
