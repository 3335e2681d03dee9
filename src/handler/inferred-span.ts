/**
 * The span a managed service in front of the function implies (today a traced Lambda authorizer's
 * `aws.apigateway.authorizer`), made when DD_TRACE_MANAGED_SERVICES is on: parent -> that span ->
 * `aws.lambda`, as datadog-lambda-js chains them. Never throws: on any fault the parent stays as it was.
 */

import type { Config } from '../config.ts';
import type { ChosenParent } from '../context/parent.ts';
import { describeError, log } from '../log.ts';
import { recordFinishedSpan, type Tracer } from '../tracer/dd-trace.ts';

/** The parent the `aws.lambda` span gets: the inferred span when one was made, else `parent` itself. */
export function withInferredSpan(
  tracer: Tracer,
  config: Config,
  parent: ChosenParent,
  requestId: string | undefined,
): ChosenParent {
  const plan = parent.inferred;
  if (plan === undefined || parent.context === undefined || !config.traceManagedServices) return parent;
  try {
    const tags = requestId ? { ...plan.tags, request_id: requestId } : plan.tags;
    const context = recordFinishedSpan(tracer, parent.context, { ...plan, tags });
    return context ? { ...parent, context } : parent;
  } catch (error) {
    log.once('debug', 'inferred-span', `the ${plan.name} span was not made: ${describeError(error)}`);
    return parent;
  }
}
