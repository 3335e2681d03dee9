/**
 * The `_datadog` object of a message (an SQS message attribute, an SNS message attribute, an
 * EventBridge `detail._datadog`, and the same inside an SQS body): a text map that dd-trace injected,
 * or, when a Step Functions task sent the message (its Datadog integration puts `$$` there), the state
 * machine's context object. The latter parents the span exactly as a direct Step Functions invocation
 * does: the same deterministic ids (see step-functions.ts). Pure, never throws.
 *
 * A context object is recognised by shape (`Execution.Id`, `State.Name`, `State.EnteredTime`), before
 * the text map is read: a Lambda-rooted one holds an `x-datadog-trace-id` but no parent id, which
 * would otherwise be reported as a broken text map.
 *
 * @example
 * fromMessageCarrier({ Execution: { Id: 'arn:…:execution:sm:1' }, State: { Name: 'Send',
 *   EnteredTime: '2025-07-15T15:48:40.333Z' }, 'serverless-version': 'v1', RootExecutionId: '…' },
 *   settings, note)?.form; // 'step-functions'
 */

import { type Carried, type CarrierSettings, fromTextMap, type Note } from '../carrier.ts';
import { isStepFunctionsEvent, stepFunctionsContext } from './step-functions.ts';

export function fromMessageCarrier(
  carrier: Readonly<Record<string, unknown>>,
  settings: CarrierSettings,
  note: Note,
): Carried | undefined {
  if (isStepFunctionsEvent(carrier)) {
    const context = stepFunctionsContext(carrier, note);
    return context ? { form: 'step-functions', context } : undefined;
  }
  return fromTextMap(carrier, settings, note);
}
