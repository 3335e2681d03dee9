/**
 * Pulls X-Ray traces over a time window, as a stream: `GetTraceSummaries` over windows of at most
 * six hours (paginated with `NextToken`, optional `FilterExpression`), then `BatchGetTraces` in
 * batches of five ids (paginated too; `UnprocessedTraceIds` are asked again). Throttling and
 * server faults back off exponentially with full jitter; `sleep` and `random` are injectable so
 * tests never wait. At most `concurrency` batches are in flight, and traces are yielded in
 * summary order, so memory holds one summary page and a few batches however large the window.
 *
 * A trace on the boundary between two six-hour windows can be listed by both; ids near the
 * boundary are remembered for the next window only, so it is fetched once.
 *
 * @example
 * for await (const trace of pullTraces({ window: { start: Date.now() - 900_000, end: Date.now() } })) {
 *   const { spans } = convertTraces([trace]);
 * }
 */

import type { XRayTrace } from './convert.ts';
import { createBackoff, createRetrying, type RetryOptions } from './retry.ts';
import { splitWindow, type TimeWindow } from './window.ts';
import { createXRayApi, type XRayApi } from './xray-client.ts';
import type { XRayClientOptions } from './xray-sdk.ts';

export const BATCH_SIZE = 5;

export interface PullProgress {
  readonly windowsTotal: number;
  readonly windowsDone: number;
  /** The window being pulled, when one is. */
  readonly window?: TimeWindow;
  /** Trace ids listed by GetTraceSummaries (after boundary de-duplication). */
  readonly summaries: number;
  readonly traces: number;
  /** Times a call was throttled (or hit a server fault) and waited. */
  readonly throttled: number;
  /** Ids still unprocessed after every attempt; their traces are missing from the output. */
  readonly unprocessed: readonly string[];
}

export interface PullOptions extends XRayClientOptions, RetryOptions {
  readonly window: TimeWindow;
  /** Fetch these traces with BatchGetTraces instead of listing the window with GetTraceSummaries. */
  readonly traceIds?: readonly string[];
  readonly filterExpression?: string;
  /** What the window selects on; X-Ray's default is `TraceId` (the trace's start). */
  readonly timeRangeType?: 'TraceId' | 'Event' | 'Service';
  /** The API to use; built from region/endpoint/credentials with the default chain when absent. */
  readonly api?: XRayApi;
  /** BatchGetTraces calls in flight at most. Default 4. */
  readonly concurrency?: number;
  /** Attempts per call when throttled, and per batch for unprocessed ids. Default 8. */
  readonly maxAttempts?: number;
  readonly onProgress?: (progress: PullProgress) => void;
}

/** Traces of the window, each once, with all its segment documents. */
export async function* pullTraces(options: PullOptions): AsyncGenerator<XRayTrace, PullProgress, undefined> {
  const api = options.api ?? createXRayApi(options);
  const ownsApi = options.api === undefined;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const maxAttempts = Math.max(1, options.maxAttempts ?? 8);
  const windows = splitWindow(options.window);

  let progress: PullProgress = {
    windowsTotal: windows.length,
    windowsDone: 0,
    summaries: 0,
    traces: 0,
    throttled: 0,
    unprocessed: [],
  };
  const update = (change: Partial<PullProgress>) => {
    progress = { ...progress, ...change };
    options.onProgress?.(progress);
  };

  const backoff = createBackoff(options);
  /** Calls `call`, waiting out throttling and server faults up to maxAttempts. */
  const retrying = createRetrying({
    ...options,
    onRetry: () => update({ throttled: progress.throttled + 1 }),
  });

  /** One batch of up to five ids: every page, unprocessed ids asked again; traces in id order. */
  const fetchBatch = async (ids: readonly string[]): Promise<XRayTrace[]> => {
    const found = new Map<string, { Id: string; Segments: { Id?: string; Document?: string }[] }>();
    let pending = ids;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      const unprocessed = new Set<string>();
      let token: string | undefined;
      do {
        const asked = pending;
        const page = await retrying(() =>
          api.batchGetTraces({ TraceIds: asked, ...(token !== undefined ? { NextToken: token } : {}) }),
        );
        for (const trace of page.Traces ?? []) {
          if (trace.Id === undefined) continue;
          let entry = found.get(trace.Id);
          if (!entry) {
            entry = { Id: trace.Id, Segments: [] };
            found.set(trace.Id, entry);
          }
          entry.Segments.push(...(trace.Segments ?? []));
        }
        for (const id of page.UnprocessedTraceIds ?? []) unprocessed.add(id);
        token = page.NextToken;
      } while (token !== undefined);
      pending = ids.filter((id) => unprocessed.has(id) && !found.has(id));
      if (pending.length === 0) break;
      if (attempt + 1 >= maxAttempts) {
        update({ unprocessed: [...progress.unprocessed, ...pending] });
        break;
      }
      await backoff(attempt);
    }
    return ids.flatMap((id) => {
      const trace = found.get(id);
      return trace ? [trace] : [];
    });
  };

  /** The traces of `ids` in id order, fetched in batches of five with at most `concurrency` in flight. */
  const fetchTraces = async function* (ids: readonly string[]): AsyncGenerator<XRayTrace> {
    const batches: string[][] = [];
    for (let i = 0; i < ids.length; i += BATCH_SIZE) batches.push(ids.slice(i, i + BATCH_SIZE));
    for await (const traces of mapOrdered(batches, concurrency, fetchBatch)) {
      for (const trace of traces) {
        update({ traces: progress.traces + 1 });
        yield trace;
      }
    }
  };

  try {
    if (options.traceIds !== undefined) {
      const ids = [...new Set(options.traceIds)];
      update({ summaries: ids.length });
      yield* fetchTraces(ids);
      update({ windowsDone: windows.length });
      const { window: _none, ...final } = progress;
      return final;
    }
    let boundary = new Set<string>();
    for (const window of windows) {
      update({ window });
      const nearEnd = new Set<string>();
      let token: string | undefined;
      do {
        const asked = token;
        const page = await retrying(() =>
          api.getTraceSummaries({
            StartTime: new Date(window.start),
            EndTime: new Date(window.end),
            ...(options.filterExpression ? { FilterExpression: options.filterExpression } : {}),
            ...(options.timeRangeType ? { TimeRangeType: options.timeRangeType } : {}),
            ...(asked !== undefined ? { NextToken: asked } : {}),
          }),
        );
        const ids: string[] = [];
        for (const summary of page.TraceSummaries ?? []) {
          const id = summary.Id;
          if (id === undefined || boundary.has(id) || nearEnd.has(id) || ids.includes(id)) continue;
          if (touchesEnd(summary, id, window.end)) nearEnd.add(id);
          ids.push(id);
        }
        update({ summaries: progress.summaries + ids.length });
        yield* fetchTraces(ids);
        token = page.NextToken;
      } while (token !== undefined);
      boundary = nearEnd;
      update({ windowsDone: progress.windowsDone + 1 });
    }
    const { window: _done, ...final } = progress;
    return final;
  } finally {
    if (ownsApi) api.destroy();
  }
}

/** Whether a listed trace may be listed again by the next window: it starts or ends within a second of this one's end. */
function touchesEnd(summary: { StartTime?: Date; Duration?: number }, id: string, end: number): boolean {
  const epoch = /^1-([0-9a-f]{8})-/i.exec(id);
  const start =
    summary.StartTime?.getTime() ?? (epoch ? Number.parseInt(epoch[1] as string, 16) * 1000 : end);
  const finish = start + (summary.Duration ?? 0) * 1000;
  return Math.max(start, finish) >= end - 1000;
}

/** Runs `fn` over `items` with at most `limit` in flight, yielding results in item order. */
async function* mapOrdered<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const inFlight: Promise<R>[] = [];
  let next = 0;
  const launch = () => {
    const promise = fn(items[next++] as T);
    // Awaited in order below; this keeps a later failure from surfacing as unhandled meanwhile.
    promise.catch(() => undefined);
    inFlight.push(promise);
  };
  while (next < items.length && inFlight.length < limit) launch();
  while (inFlight.length > 0) {
    const result = await (inFlight.shift() as Promise<R>);
    if (next < items.length) launch();
    yield result;
  }
}
