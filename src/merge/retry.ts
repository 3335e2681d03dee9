/**
 * Waiting out throttling (429) and server faults (5xx) for one AWS call: exponential back-off with
 * full jitter, up to `maxAttempts`; any other error is thrown at once. `sleep` and `random` are
 * injectable so tests never wait.
 *
 * @example
 * const retrying = createRetrying({ onRetry: () => throttled++ });
 * const page = await retrying(() => api.listRetrievedTraces({ RetrievalToken, TraceFormat: 'XRAY' }));
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

export function createRetrying(options: RetryOptions & { readonly onRetry?: () => void } = {}): Retrying {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 8);
  const baseDelay = options.baseDelayMs ?? 100;
  const maxDelay = options.maxDelayMs ?? 20_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  return async <T>(call: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await call();
      } catch (error) {
        if (!isRetryable(error) || attempt + 1 >= maxAttempts) throw error;
        options.onRetry?.();
        await sleep(Math.floor(random() * Math.min(maxDelay, baseDelay * 2 ** attempt)));
      }
    }
  };
}
