/**
 * Cold-start spans, as datadog-lambda-js names them (DD_COLD_START_TRACING): on the cold start's
 * first invocation, an `aws.lambda.load` span from the first recorded `require` to the last (or to
 * `aws.lambda`'s start), and under it one span per module load that took at least
 * DD_MIN_COLD_START_DURATION milliseconds (its children only when it took longer), named by where the
 * file is: `aws.lambda.require_layer` (/opt), `aws.lambda.require_runtime` (/var/runtime),
 * `aws.lambda.require` (other files) or `aws.lambda.require_core_module`; resource the module as
 * required. Modules listed in DD_COLD_START_TRACE_SKIP_LIB are left out. The plan is pure; making the
 * spans goes through tracer/.
 *
 * @example
 * coldStartPlans(loads, { minDurationMs: 3, skip: [], functionName: 'checkout', lambdaStartMs });
 */

import { type Span, startManagedSpan, type Tracer } from '../tracer/dd-trace.ts';
import type { ModuleLoad } from '../tracer/module-loads.ts';

export interface ColdStartPlan {
  readonly name: string;
  readonly resource: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly tags: Readonly<Record<string, string>>;
  /** Index of the parent plan in the list; -1: under the invocation's top span. */
  readonly parent: number;
}

export interface ColdStartOptions {
  readonly minDurationMs: number;
  readonly skip: readonly string[];
  readonly functionName: string;
  /** When `aws.lambda` started: the load span ends by then. */
  readonly lambdaStartMs: number;
}

function operationOf(filename: string): string {
  if (filename.startsWith('/opt/')) return 'aws.lambda.require_layer';
  if (filename.startsWith('/var/runtime/')) return 'aws.lambda.require_runtime';
  if (filename.includes('/')) return 'aws.lambda.require';
  return 'aws.lambda.require_core_module';
}

export function coldStartPlans(loads: readonly ModuleLoad[], options: ColdStartOptions): ColdStartPlan[] {
  const first = loads[0];
  const last = loads.at(-1);
  if (!first || !last) return [];
  const plans: ColdStartPlan[] = [
    {
      name: 'aws.lambda.load',
      resource: options.functionName,
      startMs: first.startMs,
      endMs: Math.max(first.startMs, Math.min(last.endMs, options.lambdaStartMs)),
      tags: {
        service: 'aws.lambda',
        operation_name: 'aws.lambda.require',
        resource_names: options.functionName,
      },
      parent: -1,
    },
  ];
  const visit = (load: ModuleLoad, parent: number): void => {
    const took = load.endMs - load.startMs;
    if (took < options.minDurationMs || options.skip.includes(load.id)) return;
    const name = operationOf(load.filename);
    plans.push({
      name,
      resource: load.id,
      startMs: load.startMs,
      endMs: load.endMs,
      tags: { service: 'aws.lambda', operation_name: name, resource_names: load.id, filename: load.filename },
      parent,
    });
    const index = plans.length - 1;
    if (took > options.minDurationMs) for (const child of load.children) visit(child, index);
  };
  for (const load of loads) visit(load, 0);
  return plans;
}

/** Makes the planned spans under `top` (the trigger's span, else aws.lambda), each finished at once. */
export function makeColdStartSpans(tracer: Tracer, top: Span, plans: readonly ColdStartPlan[]): void {
  const made: Span[] = [];
  for (const plan of plans) {
    const parent = plan.parent === -1 ? top : made[plan.parent];
    const span = parent
      ? startManagedSpan(tracer, parent, { ...plan, service: 'aws.lambda', type: 'serverless' })
      : undefined;
    if (!span) return;
    span.finish(plan.endMs);
    made.push(span);
  }
}
