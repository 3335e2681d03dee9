/**
 * W3C Trace Context (`traceparent` / `tracestate`) as a Datadog parent. Pure, never throws.
 *
 * - `traceparent` version `00` only: `00-{32 hex trace id}-{16 hex parent id}-{2 hex flags}`, neither
 *   id all zeros. The low 64 bits of the trace id become the Datadog trace id (decimal) and the high
 *   64 bits `_dd.p.tid`; the parent id becomes a decimal span id.
 * - Priority: the sampled flag gives 1 or 0. `tracestate`'s `dd=` member may refine it with `s:`,
 *   but only in the same direction as the flag (the flag is what other vendors act on), which is
 *   the rule dd-trace itself follows. `t.*` entries are Datadog propagation tags (`_dd.p.*`), with
 *   `~` standing for `=` in their values.
 *
 * @example
 * parseTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'dd=s:2;t.dm:-4');
 * // { context: { traceId: '9532127138774266268', parentId: '13235353014750950193',
 * //              samplingPriority: 2, tid: '0af7651916cd43dd', tags: '_dd.p.dm=-4' } }
 */

import type { DatadogContext } from '../tracer/dd-trace.ts';
import { isDatadogId } from '../xray/ids.ts';

export type W3CResult = { readonly context: DatadogContext } | { readonly problem: string };

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_HIGH = '0000000000000000';
/** Longer `tracestate` values are not read: the spec caps it at 32 members. */
const MAX_TRACESTATE_LENGTH = 4096;

export function parseTraceparent(traceparent: string, tracestate?: string): W3CResult {
  const match = TRACEPARENT.exec(traceparent.trim().toLowerCase());
  if (!match) return { problem: `traceparent ${JSON.stringify(traceparent.slice(0, 80))} is not version 00` };
  const [, traceHex = '', parentHex = '', flagsHex = ''] = match;
  const high = traceHex.slice(0, 16);
  const traceId = BigInt(`0x${traceHex.slice(16)}`).toString();
  const parentId = BigInt(`0x${parentHex}`).toString();
  // A zero low half cannot be a Datadog trace id even when the high half is set.
  if (!isDatadogId(traceId)) return { problem: 'traceparent trace id has zero low 64 bits' };
  if (!isDatadogId(parentId)) return { problem: 'traceparent parent id is zero' };
  const sampled = (Number.parseInt(flagsHex, 16) & 1) === 1;
  const dd = tracestate === undefined ? undefined : datadogTraceState(tracestate);
  let samplingPriority = sampled ? 1 : 0;
  if (dd?.priority !== undefined && dd.priority > 0 === sampled) samplingPriority = dd.priority;
  const tags = dd?.tags.length ? dd.tags.join(',') : undefined;
  return {
    context: {
      traceId,
      parentId,
      samplingPriority,
      ...(high !== ZERO_HIGH ? { tid: high } : {}),
      ...(tags ? { tags } : {}),
    },
  };
}

interface DatadogTraceState {
  readonly priority?: number;
  /** `_dd.p.{name}={value}` entries. */
  readonly tags: readonly string[];
}

/** The `dd=` member of a `tracestate`, if any: `s:{priority};o:{origin};p:{id};t.{name}:{value}`. */
export function datadogTraceState(tracestate: string): DatadogTraceState | undefined {
  if (tracestate.length > MAX_TRACESTATE_LENGTH) return undefined;
  for (const member of tracestate.split(',')) {
    const trimmed = member.trim();
    if (!trimmed.startsWith('dd=')) continue;
    let priority: number | undefined;
    const tags: string[] = [];
    for (const entry of trimmed.slice(3).split(';')) {
      const colon = entry.indexOf(':');
      if (colon <= 0) continue;
      const key = entry.slice(0, colon);
      const value = entry.slice(colon + 1);
      if (key === 's' && /^-?[0-9]+$/.test(value)) priority = Number(value);
      // The trace id's high half comes from traceparent; a tid here would contradict it.
      else if (key.startsWith('t.') && key !== 't.tid' && key.length > 2 && value.length > 0)
        tags.push(`_dd.p.${key.slice(2)}=${value.replaceAll('~', '=')}`);
    }
    return { ...(priority !== undefined ? { priority } : {}), tags };
  }
  return undefined;
}
