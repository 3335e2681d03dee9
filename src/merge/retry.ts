/**
 * Waiting out throttling (429) and server faults (5xx) for one AWS call: exponential back-off with
 * full jitter, up to `maxAttempts`; any other error is thrown at once. `sleep` and `random` are
 * injectable so tests never wait.
 *
 * @example
 * const retrying = createRetrying({ onRetry: () => throttled++ });
 * const page = await retrying(() => api.listRetrievedTraces({ RetrievalToken, TraceFormat: 'XRAY' }));
 *
 * `createBackoff` is the wait alone, for callers that retry on something other than an error
 * (the puller asks again for ids BatchGetTraces left unprocessed).
 */

import { isRetryable } from './xray-sdk.ts';

export interface RetryOptions {
  /** Attempts per call. Default 8. */
  readonly maxAttempts?: number;
  /** First back-off ceiling in ms (doubles each attempt, up to maxDelayMs). Default 100. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); the jitter source. */
  readonly random?: () => number;
}

export type Retrying = <T>(call: () => Promise<T>) => Promise<T>;

/** Waits before attempt `attempt + 1`: a random share of min(maxDelayMs, baseDelayMs * 2^attempt). */
export type Backoff = (attempt: number) => Promise<void>;

export function createBackoff(options: RetryOptions = {}): Backoff {
  const baseDelay = options.baseDelayMs ?? 100;
  const maxDelay = options.maxDelayMs ?? 20_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  return (attempt) => sleep(Math.floor(random() * Math.min(maxDelay, baseDelay * 2 ** attempt)));
}

export function createRetrying(options: RetryOptions & { readonly onRetry?: () => void } = {}): Retrying {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 8);
  const backoff = createBackoff(options);
  return async <T>(call: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await call();
      } catch (error) {
        if (!isRetryable(error) || attempt + 1 >= maxAttempts) throw error;
        options.onRetry?.();
        await backoff(attempt);
      }
    }
  };
}
