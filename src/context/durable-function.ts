/**
 * Tags for an invocation of a Lambda durable function, as datadog-lambda-js sets them on `aws.lambda`:
 * from the event's `DurableExecutionArn` (`…/durable-execution/{name}/{id}`) the execution's name and
 * id, whether this is its first invocation (the initial state holds one operation), and from the
 * handler's result its `Status` (SUCCEEDED, FAILED or PENDING). Pure; never throws on odd events.
 *
 * @example
 * durableFunctionTags({ DurableExecutionArn: 'arn:…:1/durable-execution/order-42/7f3c' });
 * // { 'aws.durable.execution_name': 'order-42', 'aws.durable.execution_id': '7f3c' }
 */

import { isRecord } from './carrier.ts';

const ARN_TAIL = /\/durable-execution\/([^/]+)\/([^/]+)$/;
const STATUSES = new Set(['SUCCEEDED', 'FAILED', 'PENDING']);

function arnOf(event: unknown): string | undefined {
  const arn = isRecord(event) ? event.DurableExecutionArn : undefined;
  return typeof arn === 'string' ? arn : undefined;
}

export function durableFunctionTags(event: unknown): Record<string, string> | undefined {
  const arn = arnOf(event);
  if (arn === undefined) return undefined;
  const match = ARN_TAIL.exec(arn);
  if (!match) return undefined;
  const tags: Record<string, string> = {
    'aws.durable.execution_name': match[1] as string,
    'aws.durable.execution_id': match[2] as string,
  };
  const state = (event as { InitialExecutionState?: unknown }).InitialExecutionState;
  const operations = isRecord(state) ? state.Operations : undefined;
  if (Array.isArray(operations)) tags['aws.durable.first_invocation'] = String(operations.length === 1);
  return tags;
}

/** `aws.durable.execution_status` from the result of a durable function's invocation, when it has one. */
export function durableExecutionStatus(event: unknown, result: unknown): string | undefined {
  if (arnOf(event) === undefined) return undefined;
  const status = isRecord(result) ? result.Status : undefined;
  return typeof status === 'string' && STATUSES.has(status) ? status : undefined;
}
