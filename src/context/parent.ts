/**
 * Which parent an invocation's `aws.lambda` span gets. Today: X-Ray, when merging is on. Pure
 * apart from reading the per-invocation trace header.
 */

import type { Config } from '../config.ts';
import type { DatadogContext } from '../tracer/dd-trace.ts';
import { parseTraceHeader, type TraceHeader } from '../xray/header.ts';
import { invocationTraceHeader } from './trace-header-source.ts';
import { xrayParent } from './xray-parent.ts';

export type ParentSource = 'xray' | 'event' | 'none';

export interface ChosenParent {
  readonly context?: DatadogContext;
  readonly source: ParentSource;
  /** This invocation's X-Ray header, when merging is on and one was found. */
  readonly xray?: TraceHeader;
}

export function chooseParent(config: Config, _event: unknown, context: unknown): ChosenParent {
  if (!config.mergeXrayTraces) return { source: 'none' };
  const raw = invocationTraceHeader(context);
  if (raw === undefined) return { source: 'none' };
  const xray = parseTraceHeader(raw.value);
  const parent = xrayParent(xray, config);
  return parent ? { context: parent, source: 'xray', xray } : { source: 'none', xray };
}
