/**
 * The X-Ray API calls of an account with CloudWatch Transaction Search, beside the classic pair in
 * xray-client.ts: `GetTraceSegmentDestination` (where spans go: `XRay` or `CloudWatchLogs`),
 * `GetIndexingRules` (the share of spans X-Ray still indexes), and `StartTraceRetrieval` +
 * `ListRetrievedTraces` (named traces out of the `aws/spans` log group, in `XRAY` or `OTEL`
 * format). The client comes from xray-sdk.ts, like xray-client.ts's: loaded on first use, its
 * retries off (the retrieval backs off itself, testably).
 *
 * @example
 * const api = createTransactionSearchApi({ region: 'eu-west-1' });
 * const { Destination } = await api.getTraceSegmentDestination();
 */

import { lazyXRayClient, type XRayClientOptions } from './xray-sdk.ts';

export type SegmentDestination = 'XRay' | 'CloudWatchLogs';
export type RetrievalStatus = 'SCHEDULED' | 'RUNNING' | 'COMPLETE' | 'FAILED' | 'CANCELLED' | 'TIMEOUT';
export type RetrievalFormat = 'XRAY' | 'OTEL';

export interface DestinationResult {
  readonly Destination?: SegmentDestination | string;
  /** `ACTIVE`, or `PENDING` while a change of destination takes effect. */
  readonly Status?: string;
}

export interface IndexingRuleSummary {
  readonly Name?: string;
  /** The `Probabilistic` rule's desired percentage, when the rule is one. */
  readonly DesiredSamplingPercentage?: number;
  readonly ActualSamplingPercentage?: number;
}

export interface RetrievedTrace {
  readonly Id?: string;
  readonly Duration?: number;
  readonly Spans?: ReadonlyArray<{ readonly Id?: string; readonly Document?: string }>;
}

export interface RetrievedTracesPage {
  readonly RetrievalStatus?: RetrievalStatus | string;
  readonly TraceFormat?: RetrievalFormat | string;
  readonly Traces?: readonly RetrievedTrace[];
  readonly NextToken?: string;
}

export interface TransactionSearchApi {
  getTraceSegmentDestination(): Promise<DestinationResult>;
  getIndexingRules(input?: { NextToken?: string }): Promise<{
    IndexingRules: IndexingRuleSummary[];
    NextToken?: string;
  }>;
  startTraceRetrieval(input: {
    TraceIds: readonly string[];
    StartTime: Date;
    EndTime: Date;
  }): Promise<{ RetrievalToken?: string }>;
  listRetrievedTraces(input: {
    RetrievalToken: string;
    TraceFormat: RetrievalFormat;
    NextToken?: string;
  }): Promise<RetrievedTracesPage>;
  destroy(): void;
}

export function createTransactionSearchApi(options: XRayClientOptions = {}): TransactionSearchApi {
  const { connect, destroy } = lazyXRayClient(options);
  return {
    async getTraceSegmentDestination() {
      const { client, sdk } = await connect();
      const output = await client.send(new sdk.GetTraceSegmentDestinationCommand({}));
      return {
        ...(output.Destination !== undefined ? { Destination: output.Destination } : {}),
        ...(output.Status !== undefined ? { Status: output.Status } : {}),
      };
    },
    async getIndexingRules(input = {}) {
      const { client, sdk } = await connect();
      const output = await client.send(
        new sdk.GetIndexingRulesCommand(input.NextToken !== undefined ? { NextToken: input.NextToken } : {}),
      );
      return {
        IndexingRules: (output.IndexingRules ?? []).map((rule) => {
          const probabilistic = rule.Rule?.Probabilistic;
          return {
            ...(rule.Name !== undefined ? { Name: rule.Name } : {}),
            ...(probabilistic?.DesiredSamplingPercentage !== undefined
              ? { DesiredSamplingPercentage: probabilistic.DesiredSamplingPercentage }
              : {}),
            ...(probabilistic?.ActualSamplingPercentage !== undefined
              ? { ActualSamplingPercentage: probabilistic.ActualSamplingPercentage }
              : {}),
          };
        }),
        ...(output.NextToken ? { NextToken: output.NextToken } : {}),
      };
    },
    async startTraceRetrieval(input) {
      const { client, sdk } = await connect();
      const output = await client.send(
        new sdk.StartTraceRetrievalCommand({
          TraceIds: [...input.TraceIds],
          StartTime: input.StartTime,
          EndTime: input.EndTime,
        }),
      );
      return output.RetrievalToken !== undefined ? { RetrievalToken: output.RetrievalToken } : {};
    },
    async listRetrievedTraces(input) {
      const { client, sdk } = await connect();
      const output = await client.send(
        new sdk.ListRetrievedTracesCommand({
          RetrievalToken: input.RetrievalToken,
          TraceFormat: input.TraceFormat,
          ...(input.NextToken !== undefined ? { NextToken: input.NextToken } : {}),
        }),
      );
      return {
        ...(output.RetrievalStatus !== undefined ? { RetrievalStatus: output.RetrievalStatus } : {}),
        ...(output.TraceFormat !== undefined ? { TraceFormat: output.TraceFormat } : {}),
        Traces: (output.Traces ?? []).map((trace) => ({
          ...(trace.Id !== undefined ? { Id: trace.Id } : {}),
          ...(trace.Duration !== undefined ? { Duration: trace.Duration } : {}),
          Spans: (trace.Spans ?? []).map((span) => ({ Id: span.Id, Document: span.Document })),
        })),
        ...(output.NextToken ? { NextToken: output.NextToken } : {}),
      };
    },
    destroy,
  };
}
