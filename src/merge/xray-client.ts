/**
 * The classic X-Ray read calls, `GetTraceSummaries` and `BatchGetTraces`, behind the small
 * interface the puller uses, so nothing else depends on the SDK. The client comes from
 * xray-sdk.ts: made on first use (the `convert` and `merge` paths never pay for it), with the
 * SDK's own retries off; the puller backs off itself, with jitter, and can be tested without real
 * waits.
 *
 * Credentials and region come from the SDK's default chain (env, shared config, SSO, container
 * and instance roles) unless given.
 *
 * @example
 * const api = createXRayApi({ region: 'eu-west-1' });
 * const page = await api.getTraceSummaries({ StartTime: new Date(Date.now() - 60_000), EndTime: new Date() });
 */

import type { XRayTrace } from './convert.ts';
import { lazyXRayClient, type XRayClientOptions } from './xray-sdk.ts';

export interface TraceSummariesInput {
  readonly StartTime: Date;
  readonly EndTime: Date;
  readonly FilterExpression?: string;
  readonly TimeRangeType?: 'TraceId' | 'Event' | 'Service';
  readonly NextToken?: string;
}

export interface TraceSummary {
  readonly Id?: string;
  readonly StartTime?: Date;
  /** Seconds. */
  readonly Duration?: number;
}

export interface TraceSummariesPage {
  readonly TraceSummaries?: readonly TraceSummary[];
  readonly NextToken?: string;
}

export interface BatchGetTracesInput {
  readonly TraceIds: readonly string[];
  readonly NextToken?: string;
}

export interface BatchGetTracesPage {
  readonly Traces?: readonly XRayTrace[];
  readonly UnprocessedTraceIds?: readonly string[];
  readonly NextToken?: string;
}

/** The part of the X-Ray API the merger uses. */
export interface XRayApi {
  getTraceSummaries(input: TraceSummariesInput): Promise<TraceSummariesPage>;
  batchGetTraces(input: BatchGetTracesInput): Promise<BatchGetTracesPage>;
  /** Closes the client's sockets. */
  destroy(): void;
}

export function createXRayApi(options: XRayClientOptions = {}): XRayApi {
  const { connect, destroy } = lazyXRayClient(options);
  return {
    async getTraceSummaries(input) {
      const { client, sdk } = await connect();
      const output = await client.send(
        new sdk.GetTraceSummariesCommand({
          StartTime: input.StartTime,
          EndTime: input.EndTime,
          ...(input.FilterExpression !== undefined ? { FilterExpression: input.FilterExpression } : {}),
          ...(input.TimeRangeType !== undefined ? { TimeRangeType: input.TimeRangeType } : {}),
          ...(input.NextToken !== undefined ? { NextToken: input.NextToken } : {}),
        }),
      );
      return {
        TraceSummaries: (output.TraceSummaries ?? []).map((summary) => ({
          Id: summary.Id,
          StartTime: summary.StartTime,
          Duration: summary.Duration,
        })),
        ...(output.NextToken ? { NextToken: output.NextToken } : {}),
      };
    },
    async batchGetTraces(input) {
      const { client, sdk } = await connect();
      const output = await client.send(
        new sdk.BatchGetTracesCommand({
          TraceIds: [...input.TraceIds],
          ...(input.NextToken !== undefined ? { NextToken: input.NextToken } : {}),
        }),
      );
      return {
        Traces: (output.Traces ?? []).map((trace) => ({
          Id: trace.Id,
          Segments: (trace.Segments ?? []).map((segment) => ({ Id: segment.Id, Document: segment.Document })),
        })),
        UnprocessedTraceIds: output.UnprocessedTraceIds ?? [],
        ...(output.NextToken ? { NextToken: output.NextToken } : {}),
      };
    },
    destroy,
  };
}
