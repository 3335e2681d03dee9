/**
 * The one module that talks to `@aws-sdk/client-xray`. It hands the puller a small interface of
 * the two calls it uses, so nothing else depends on the SDK. The SDK is loaded on first use: the
 * `convert` and `merge` paths never pay for it.
 *
 * Credentials and region come from the SDK's default chain (env, shared config, SSO, container
 * and instance roles) unless given. The SDK's own retries are off (`maxAttempts: 1`): the puller
 * backs off itself, with jitter, and can be tested without real waits.
 *
 * @example
 * const api = createXRayApi({ region: 'eu-west-1' });
 * const page = await api.getTraceSummaries({ StartTime: new Date(Date.now() - 60_000), EndTime: new Date() });
 */

import type { XRayClient } from '@aws-sdk/client-xray';
import type { XRayTrace } from './convert.ts';

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

export interface XRayClientOptions {
  /** Region; from the default chain (AWS_REGION, shared config) when absent. */
  readonly region?: string;
  /** Endpoint override, e.g. a loopback stand-in or a VPC endpoint. */
  readonly endpoint?: string;
  /** Static credentials; the default credential chain when absent. */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export function createXRayApi(options: XRayClientOptions = {}): XRayApi {
  let client: Promise<{ client: XRayClient; sdk: typeof import('@aws-sdk/client-xray') }> | undefined;
  const connect = () => {
    client ??= import('@aws-sdk/client-xray').then((sdk) => ({
      sdk,
      client: new sdk.XRayClient({
        maxAttempts: 1,
        ...(options.region !== undefined ? { region: options.region } : {}),
        ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
        ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
      }),
    }));
    return client;
  };
  let destroyed = false;
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
    destroy() {
      if (destroyed || client === undefined) return;
      destroyed = true;
      void client.then(({ client }) => client.destroy()).catch(() => undefined);
    },
  };
}

/** Errors worth waiting out: throttling (429) and server faults (5xx). */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
  if (
    e.name === 'ThrottledException' ||
    e.name === 'ThrottlingException' ||
    e.name === 'TooManyRequestsException'
  ) {
    return true;
  }
  const status = e.$metadata?.httpStatusCode;
  return status === 429 || (status !== undefined && status >= 500) || e.$fault === 'server';
}

export function isThrottle(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === 'ThrottledException' || e?.$metadata?.httpStatusCode === 429;
}
