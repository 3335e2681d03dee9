/**
 * Traces out of Transaction Search by id: `StartTraceRetrieval` with up to 100 ids per call (the
 * API's limit), then `ListRetrievedTraces` for each batch, polled with exponential back-off while
 * the retrieval is `SCHEDULED` or `RUNNING`, and paged with `NextToken` once it is `COMPLETE`.
 * A batch that ends `FAILED`, `TIMEOUT` or `CANCELLED` (or is still running after `maxPolls`
 * polls) is reported with its status, and what it returned is kept. Throttling and server faults
 * back off with full jitter as the classic pull does; `sleep` and `random` are injectable so tests
 * never wait. All batches are started before the first is polled: the service works on them
 * meanwhile. A trace comes back as entries of at most 100 spans; a batch's entries of one trace
 * id are put together, and each trace is yielded whole once its batch is done.
 *
 * @example
 * for await (const { trace, format } of retrieveTraces({ traceIds, window, format: 'OTEL' })) { … }
 */

import { createRetrying, type RetryOptions } from './retry.ts';
import {
  createTransactionSearchApi,
  type RetrievalFormat,
  type RetrievedTrace,
  type TransactionSearchApi,
} from './transaction-search-client.ts';
import type { TimeWindow } from './window.ts';
import { isAccessDenied, type XRayClientOptions } from './xray-sdk.ts';

/** Trace ids per `StartTraceRetrieval` call, the API's maximum. */
export const RETRIEVAL_BATCH_SIZE = 100;

export interface RetrievalBatch {
  readonly traceIds: readonly string[];
  /** The last status seen; `NOT_STARTED` when StartTraceRetrieval itself failed. */
  readonly status: string;
  readonly polls: number;
  readonly traces: number;
}

export interface RetrieveSummary {
  readonly batches: readonly RetrievalBatch[];
  readonly traces: number;
  /** Calls that were throttled (or hit a server fault) and waited. */
  readonly throttled: number;
  /** Asked-for ids no batch returned. */
  readonly missing: readonly string[];
}

export interface RetrieveOptions extends XRayClientOptions, RetryOptions {
  readonly traceIds: readonly string[];
  /** StartTraceRetrieval's time range (inclusive); it must cover the traces' spans. */
  readonly window: TimeWindow;
  /**
   * Give each batch the range of its own ids instead ({@link windowOfTraceIds}), the ids sorted by
   * the epoch in them, so ids spread over days make several short retrievals rather than one long
   * one (a retrieval times out after 60 minutes of work).
   */
  readonly windowFromIds?: boolean;
  /** Default XRAY: segment documents, as BatchGetTraces gives them. */
  readonly format?: RetrievalFormat;
  readonly api?: TransactionSearchApi;
  /** Polls per batch before giving up on a retrieval still running. Default 40. */
  readonly maxPolls?: number;
  /** First wait between polls in ms (doubles per poll, up to pollMaxDelayMs). Default 1000. */
  readonly pollDelayMs?: number;
  readonly pollMaxDelayMs?: number;
  /** Called once per batch when it is done (completed, failed, or given up). */
  readonly onBatch?: (batch: RetrievalBatch) => void;
}

export interface RetrievedItem {
  readonly format: RetrievalFormat;
  readonly trace: RetrievedTrace;
}

/** The caller may not call one of the retrieval operations; `action` is the IAM action to allow. */
export class RetrievalDeniedError extends Error {
  readonly action: string;
  constructor(action: string, cause: unknown) {
    super(`not allowed to call ${action}`, { cause });
    this.name = 'RetrievalDeniedError';
    this.action = action;
  }
}

const FINISHED = new Set(['COMPLETE', 'FAILED', 'CANCELLED', 'TIMEOUT']);

export async function* retrieveTraces(
  options: RetrieveOptions,
): AsyncGenerator<RetrievedItem, RetrieveSummary, undefined> {
  const api = options.api ?? createTransactionSearchApi(options);
  const ownsApi = options.api === undefined;
  const format = options.format ?? 'XRAY';
  const maxPolls = Math.max(1, options.maxPolls ?? 40);
  const pollDelay = options.pollDelayMs ?? 1000;
  const pollMaxDelay = options.pollMaxDelayMs ?? 30_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let throttled = 0;
  const retry = createRetrying({
    ...options,
    sleep,
    onRetry: () => {
      throttled += 1;
    },
  });
  const retrying = async <T>(action: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await retry(call);
    } catch (error) {
      throw isAccessDenied(error) ? new RetrievalDeniedError(action, error) : error;
    }
  };

  const unique = [...new Set(options.traceIds)];
  const ids = options.windowFromIds ? unique.sort(byEpoch) : unique;
  const batches: string[][] = [];
  for (let i = 0; i < ids.length; i += RETRIEVAL_BATCH_SIZE)
    batches.push(ids.slice(i, i + RETRIEVAL_BATCH_SIZE));
  const reports: RetrievalBatch[] = [];
  const seen = new Set<string>();
  let traces = 0;
  try {
    const started: Array<{ ids: string[]; token: string }> = [];
    for (const batch of batches) {
      const range = (options.windowFromIds ? windowOfTraceIds(batch) : undefined) ?? options.window;
      const { RetrievalToken } = await retrying('xray:StartTraceRetrieval', () =>
        api.startTraceRetrieval({
          TraceIds: batch,
          StartTime: new Date(range.start),
          EndTime: new Date(range.end),
        }),
      );
      if (RetrievalToken === undefined) {
        const report = { traceIds: batch, status: 'NOT_STARTED', polls: 0, traces: 0 };
        reports.push(report);
        options.onBatch?.(report);
      } else started.push({ ids: batch, token: RetrievalToken });
    }
    for (const { ids: batchIds, token } of started) {
      let polls = 0;
      let status = 'SCHEDULED';
      let next: string | undefined;
      // A trace comes as at most 100 spans per entry: the entries of one id are put together
      // before the trace is handed on, so it is converted (and joined) whole.
      const batch = new Map<
        string,
        { format: RetrievalFormat; spans: Array<{ Id?: string; Document?: string }> }
      >();
      for (;;) {
        const asked = next;
        const page = await retrying('xray:ListRetrievedTraces', () =>
          api.listRetrievedTraces({
            RetrievalToken: token,
            TraceFormat: format,
            ...(asked !== undefined ? { NextToken: asked } : {}),
          }),
        );
        if (asked === undefined) polls += 1;
        status = page.RetrievalStatus ?? status;
        const pageFormat: RetrievalFormat =
          page.TraceFormat === 'OTEL' ? 'OTEL' : page.TraceFormat === 'XRAY' ? 'XRAY' : format;
        // Traces that came are kept, whatever the status says.
        for (const trace of page.Traces ?? []) {
          const key = trace.Id ?? `#${batch.size}`;
          const entry = batch.get(key) ?? { format: pageFormat, spans: [] };
          entry.spans.push(...(trace.Spans ?? []));
          batch.set(key, entry);
        }
        if (page.NextToken !== undefined) {
          next = page.NextToken;
          continue;
        }
        if (FINISHED.has(status) || polls >= maxPolls) break;
        next = undefined;
        await sleep(Math.min(pollMaxDelay, pollDelay * 2 ** (polls - 1)));
      }
      for (const [id, entry] of batch) {
        if (!id.startsWith('#')) seen.add(id);
        traces += 1;
        yield {
          format: entry.format,
          trace: { ...(id.startsWith('#') ? {} : { Id: id }), Spans: entry.spans },
        };
      }
      const report = { traceIds: batchIds, status, polls, traces: batch.size };
      reports.push(report);
      options.onBatch?.(report);
    }
    return { batches: reports, traces, throttled, missing: ids.filter((id) => !seen.has(id)) };
  } finally {
    if (ownsApi) api.destroy();
  }
}

/** Ids in the order of the epoch in them (the trace's start), then as text. */
function byEpoch(a: string, b: string): number {
  const ea = a.slice(2, 10);
  const eb = b.slice(2, 10);
  return ea < eb ? -1 : ea > eb ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The time range to retrieve ids in when none is given: from the earliest id's epoch (the trace's
 * start, to the second) to 15 minutes after the latest, the longest a Lambda invocation runs.
 */
export function windowOfTraceIds(traceIds: readonly string[]): TimeWindow | undefined {
  let first: number | undefined;
  let last: number | undefined;
  for (const id of traceIds) {
    const epoch = /^1-([0-9a-f]{8})-[0-9a-f]{24}$/i.exec(id);
    if (!epoch) continue;
    const seconds = Number.parseInt(epoch[1] as string, 16);
    first = first === undefined ? seconds : Math.min(first, seconds);
    last = last === undefined ? seconds : Math.max(last, seconds);
  }
  if (first === undefined || last === undefined) return undefined;
  return { start: first * 1000, end: (last + 15 * 60) * 1000 };
}
