/**
 * Where this invocation's X-Ray trace header comes from, read per invocation and never cached:
 *
 * 1. `awslambda.InvokeStore.getXRayTraceId()`: the runtime client's AsyncLocalStorage (nodejs24.x).
 * 2. `context.xRayTraceId`: set by the runtime client from the `Lambda-Runtime-Trace-Id` header.
 * 3. `_X_AMZN_TRACE_ID`: process-wide, and not set at all when several invocations share a process
 *    (`AWS_LAMBDA_MAX_CONCURRENCY`), which is why it comes last.
 */

import { processTraceHeader } from '../config.ts';

interface InvokeStoreLike {
  getXRayTraceId?: () => unknown;
}

export type TraceHeaderOrigin = 'invoke-store' | 'context' | 'env';

export interface RawTraceHeader {
  readonly value: string;
  readonly origin: TraceHeaderOrigin;
}

function fromInvokeStore(): string | undefined {
  const store = (globalThis as { awslambda?: { InvokeStore?: InvokeStoreLike } }).awslambda?.InvokeStore;
  if (typeof store?.getXRayTraceId !== 'function') return undefined;
  try {
    const value = store.getXRayTraceId();
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

export function invocationTraceHeader(context: unknown): RawTraceHeader | undefined {
  const stored = fromInvokeStore();
  if (stored !== undefined) return { value: stored, origin: 'invoke-store' };
  const fromContext = (context as { xRayTraceId?: unknown } | null | undefined)?.xRayTraceId;
  if (typeof fromContext === 'string' && fromContext.length > 0)
    return { value: fromContext, origin: 'context' };
  const fromEnv = processTraceHeader();
  if (fromEnv !== undefined && fromEnv.length > 0) return { value: fromEnv, origin: 'env' };
  return undefined;
}
