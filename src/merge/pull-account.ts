/**
 * `pull` for any account: asks once where the account's spans go (account.ts), then takes the path
 * that sees them.
 * - `XRay` (or unknown): the classic pull, `GetTraceSummaries` + `BatchGetTraces` over the window,
 *   or `BatchGetTraces` of the given trace ids.
 * - `CloudWatchLogs` (Transaction Search) with trace ids: `StartTraceRetrieval` +
 *   `ListRetrievedTraces` (retrieve.ts), every span of those traces, in `XRAY` or `OTEL` format;
 *   each document converted by its own format. Without trace ids: the classic pull, which sees
 *   only the indexed share, and a line saying so.
 * A retrieval the IAM policy does not allow falls back to the classic path with one warning
 * naming the action. Conversion is deterministic, so a rerun sends the same span ids.
 *
 * @example
 * const summary = await pullAccount({ window, traceIds, onNotice: (line) => console.error(line) }, sink);
 */

import { type AccountCheck, checkAccount } from './account.ts';
import type { ConvertOptions } from './convert.ts';
import type { EnvironmentOptions } from './environment.ts';
import { type PipelineSummary, PipelineTally, pullIntoSink } from './pipeline.ts';
import type { PullOptions } from './pull.ts';
import {
  type RetrievalBatch,
  RetrievalDeniedError,
  type RetrieveOptions,
  retrieveTraces,
} from './retrieve.ts';
import { createRetrying } from './retry.ts';
import type { TraceSink } from './sinks/sink.ts';
import { addTraceDocument, convertTraceInput, emptyTraceInput } from './trace-input.ts';
import {
  createTransactionSearchApi,
  type RetrievalFormat,
  type TransactionSearchApi,
} from './transaction-search-client.ts';

export interface AccountPullOptions extends PullOptions, ConvertOptions, EnvironmentOptions {
  /** Retrieval format in a Transaction Search account. Default XRAY. */
  readonly format?: RetrievalFormat;
  /** Retrieve each batch of ids over the range of its own ids (see RetrieveOptions). */
  readonly windowFromIds?: boolean;
  /**
   * Ask GetTraceSegmentDestination first. Default true, unless a classic `api` is injected without
   * a `searchApi` (then the account cannot be asked the same way).
   */
  readonly checkDestination?: boolean;
  /** The Transaction Search calls; built like the classic API when absent. */
  readonly searchApi?: TransactionSearchApi;
  /** Polling of retrievals. */
  readonly retrieval?: Pick<RetrieveOptions, 'maxPolls' | 'pollDelayMs' | 'pollMaxDelayMs'>;
  /** One line per finding (destination, indexed share, warnings), without a command prefix. */
  readonly onNotice?: (line: string) => void;
  /** Each retrieval batch when it is done. */
  readonly onBatch?: (batch: RetrievalBatch) => void;
}

export interface AccountPullSummary extends PipelineSummary {
  readonly destination: AccountCheck['destination'];
  readonly path: 'classic' | 'retrieval';
  /** Retrieval batches (Transaction Search path only). */
  readonly batches: readonly RetrievalBatch[];
  /** Asked-for trace ids no retrieval returned. */
  readonly missing: readonly string[];
}

export async function pullAccount(options: AccountPullOptions, sink: TraceSink): Promise<AccountPullSummary> {
  const searchApi = options.searchApi ?? createTransactionSearchApi(options);
  const notice = options.onNotice ?? (() => {});
  try {
    const check = options.checkDestination ?? (options.api === undefined || options.searchApi !== undefined);
    let account: AccountCheck = { destination: 'unknown', notices: [], denied: [] };
    if (check) {
      try {
        account = await checkAccount(searchApi, createRetrying(options));
      } catch (error) {
        // The same failure the first classic call would meet (no network, bad credentials).
        await sink.close().catch(() => undefined);
        throw error;
      }
    }
    for (const line of account.notices) notice(line);
    const ids = options.traceIds ?? [];
    const classic = async (): Promise<AccountPullSummary> => ({
      ...(await pullIntoSink(options, sink)),
      destination: account.destination,
      path: 'classic',
      batches: [],
      missing: [],
    });
    if (account.destination !== 'CloudWatchLogs') return await classic();
    if (ids.length === 0) {
      notice(
        'no trace ids given: pulling the window with GetTraceSummaries, which lists only the indexed traces ' +
          '(name the traces to retrieve all of their spans)',
      );
      return await classic();
    }
    const format = options.format ?? 'XRAY';
    notice(
      `retrieving ${plural(new Set(ids).size, 'trace')} by id with StartTraceRetrieval (${format} format)`,
    );
    try {
      return await retrieveIntoSink({ ...options, format, searchApi }, sink, account);
    } catch (error) {
      if (!(error instanceof RetrievalDeniedError)) {
        await sink.close().catch(() => undefined);
        throw error;
      }
      notice(
        `warning: ${error.message}; falling back to BatchGetTraces, which sees only the indexed traces ` +
          `(allow ${error.action} to retrieve every trace)`,
      );
      return await classic();
    }
  } finally {
    if (options.searchApi === undefined) searchApi.destroy();
  }
}

async function retrieveIntoSink(
  options: AccountPullOptions & { format: RetrievalFormat; searchApi: TransactionSearchApi },
  sink: TraceSink,
  account: AccountCheck,
): Promise<AccountPullSummary> {
  const tally = new PipelineTally();
  const generator = retrieveTraces({
    traceIds: options.traceIds ?? [],
    window: options.window,
    ...(options.windowFromIds !== undefined ? { windowFromIds: options.windowFromIds } : {}),
    format: options.format,
    api: options.searchApi,
    ...options.retrieval,
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    ...(options.baseDelayMs !== undefined ? { baseDelayMs: options.baseDelayMs } : {}),
    ...(options.maxDelayMs !== undefined ? { maxDelayMs: options.maxDelayMs } : {}),
    ...(options.sleep !== undefined ? { sleep: options.sleep } : {}),
    ...(options.random !== undefined ? { random: options.random } : {}),
    ...(options.onBatch !== undefined ? { onBatch: options.onBatch } : {}),
  });
  let finished = false;
  try {
    for (;;) {
      const next = await generator.next();
      if (next.done) {
        finished = true;
        const result = next.value;
        return {
          ...tally.summary(result.throttled, []),
          destination: account.destination,
          path: 'retrieval',
          batches: result.batches,
          missing: result.missing,
        };
      }
      const input = emptyTraceInput();
      for (const span of next.value.trace.Spans ?? []) addTraceDocument(span.Document, input);
      await tally.send(convertTraceInput(input, options), sink, options);
    }
  } finally {
    if (finished) await sink.close();
    // A denied retrieval falls back to the classic pull, which writes to the same sink.
  }
}

/** One line for a batch that did not complete, else undefined. */
export function describeBatch(batch: RetrievalBatch): string | undefined {
  if (batch.status === 'COMPLETE') return undefined;
  const asked = plural(batch.traceIds.length, 'trace id');
  if (batch.status === 'NOT_STARTED')
    return `warning: retrieval of ${asked} did not start (no RetrievalToken)`;
  const ended =
    batch.status === 'SCHEDULED' || batch.status === 'RUNNING'
      ? `was still ${batch.status}`
      : `ended ${batch.status}`;
  return `warning: retrieval of ${asked} ${ended} after ${plural(batch.polls, 'poll')}; kept the ${plural(batch.traces, 'trace')} it returned`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
