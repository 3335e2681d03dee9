/**
 * Step Functions: a Lambda task invoked with the state machine's context object (`$$`) in its
 * payload gets the ids Datadog derives deterministically from that context, so the Lambda span
 * joins the state machine's trace without any header. The mapping is the one datadog-lambda-js and
 * Datadog's backend use:
 *
 * - trace id: bits 64..127 of SHA-256(root execution ARN, or this execution's ARN), top bit cleared;
 *   `_dd.p.tid`: bits 0..63 of the same hash, top bit cleared, as 16 hex. When the state machine was
 *   itself started by a traced Lambda, its `x-datadog-trace-id` and `_dd.p.tid` are used instead.
 * - parent id: bits 0..63 of SHA-256(`{execution ARN}#{state name}#{entered time}`), top bit cleared,
 *   with `#{retry count}#{redrive count}` appended when either is not 0.
 * - a hash of all zeros becomes 1; priority is AUTO_KEEP (1).
 *
 * Accepted shapes: the context at the top level, under `Payload` (the legacy `Payload.$: $$`
 * pattern) and/or under `_datadog` (the JSONata pattern), with `serverless-version: v1` fields
 * (`RootExecutionId`, or `x-datadog-trace-id` + `x-datadog-tags`) or the older shape where the
 * execution input carries `_datadog`.
 *
 * In the parent priority, Step Functions comes after event carriers, so this source's `extract` is
 * empty and chooseParent asks `stepFunctionsContext` in its own turn.
 *
 * @example
 * stepFunctionsContext({ Execution: { Id: 'arn:…:execution:sm:1' }, State: { Name: 'S', EnteredTime: 'T' },
 *   StateMachine: { Id: 'arn:…:stateMachine:sm' } }, note)?.samplingPriority; // 1
 */

import type { DatadogContext } from '../../tracer/dd-trace.ts';
import { isDatadogId } from '../../xray/ids.ts';
import { isRecord, type Note } from '../carrier.ts';
import { arnTag, dig, type EventRecord, type EventSource, stringAt } from './types.ts';

const AUTO_KEEP = 1;
const TID = /^[0-9a-f]{16}$/;
const TOP_BIT_CLEAR = (1n << 63n) - 1n;

function isStateMachineContext(value: unknown): value is Record<string, unknown> {
  return (
    typeof stringAt(value, 'Execution', 'Id') === 'string' &&
    typeof stringAt(value, 'State', 'EnteredTime') === 'string' &&
    typeof stringAt(value, 'State', 'Name') === 'string'
  );
}

/** The object holding the context fields, after unwrapping `Payload` and `_datadog`. */
function contextObject(event: EventRecord): Record<string, unknown> {
  let found: Record<string, unknown> = event;
  const payload = found.Payload;
  if (isRecord(payload) && (isRecord(payload._datadog) || isStateMachineContext(payload))) found = payload;
  if (isRecord(found._datadog)) found = found._datadog;
  return found;
}

/** Whether the event carries a state machine context (property checks only). */
export function isStepFunctionsEvent(event: EventRecord): boolean {
  return isStateMachineContext(contextObject(event));
}

/**
 * 63 bits of SHA-256(`input`) as a decimal string: bytes 8..15 for a trace id, bytes 0..7 for a
 * span id or `_dd.p.tid`, top bit cleared, zero replaced by 1.
 */
export function hashedId(input: string, part: 'trace' | 'span' | 'tid'): string {
  // `node:crypto` on first use, as `node:net` in xray/daemon.ts (only Step Functions events need it).
  const digest = process.getBuiltinModule('node:crypto').createHash('sha256').update(input, 'utf8').digest();
  const bytes = part === 'trace' ? digest.subarray(8, 16) : digest.subarray(0, 8);
  const value = bytes.readBigUInt64BE(0) & TOP_BIT_CLEAR;
  return value === 0n ? '1' : value.toString();
}

function tidOf(tags: string): string | undefined {
  for (const tag of tags.split(',')) {
    const [key, value] = tag.split('=');
    if (key?.trim() === '_dd.p.tid' && value !== undefined && TID.test(value.trim())) return value.trim();
  }
  return undefined;
}

function asCount(value: unknown): string {
  return value === undefined || value === null ? '0' : String(value);
}

/** The trace the state machine belongs to: `{traceId, tid}`, or undefined if the shape gives none. */
function traceOf(
  found: Record<string, unknown>,
  executionId: string,
): { traceId: string; tid?: string } | undefined {
  const fromLambda = (carrier: unknown) => {
    const traceId = stringAt(carrier, 'x-datadog-trace-id');
    const tags = stringAt(carrier, 'x-datadog-tags');
    if (traceId === undefined || tags === undefined) return undefined;
    const tid = tidOf(tags);
    return { traceId, ...(tid ? { tid } : {}) };
  };
  const hashed = (id: string) => ({
    traceId: hashedId(id, 'trace'),
    tid: BigInt(hashedId(id, 'tid')).toString(16).padStart(16, '0'),
  });
  if (found['serverless-version'] === 'v1') {
    const root = found.RootExecutionId;
    if (typeof root === 'string') return hashed(root);
    return fromLambda(found);
  }
  return fromLambda(dig(found, 'Execution', 'Input', '_datadog')) ?? hashed(executionId);
}

/** The Datadog context a Step Functions task's payload implies, or undefined when it carries none. */
export function stepFunctionsContext(event: EventRecord, note: Note): DatadogContext | undefined {
  const found = contextObject(event);
  if (!isStateMachineContext(found)) return undefined;
  const executionId = stringAt(found, 'Execution', 'Id') as string;
  const stateName = stringAt(found, 'State', 'Name') as string;
  const enteredTime = stringAt(found, 'State', 'EnteredTime') as string;
  const retry = asCount((found.State as Record<string, unknown>).RetryCount);
  const redrive = asCount((found.Execution as Record<string, unknown>).RedriveCount);
  const trace = traceOf(found, executionId);
  if (!trace) {
    note('Step Functions context: serverless-version v1 without RootExecutionId or x-datadog-trace-id');
    return undefined;
  }
  if (!isDatadogId(trace.traceId)) {
    note(
      `Step Functions context: x-datadog-trace-id ${JSON.stringify(trace.traceId.slice(0, 40))} is not a 64-bit id`,
    );
    return undefined;
  }
  const counts = retry !== '0' || redrive !== '0' ? `#${retry}#${redrive}` : '';
  return {
    traceId: trace.traceId,
    parentId: hashedId(`${executionId}#${stateName}#${enteredTime}${counts}`, 'span'),
    samplingPriority: AUTO_KEEP,
    ...(trace.tid ? { tid: trace.tid } : {}),
  };
}

export const stepFunctions: EventSource = {
  name: 'states',
  matches: isStepFunctionsEvent,
  extract: () => undefined,
  tags(event) {
    const arn = stringAt(contextObject(event), 'StateMachine', 'Id');
    return arnTag(arn);
  },
};
