/**
 * Datadog agent sink: `PUT /v0.4/traces`, msgpack, the agent's own protocol. Ids and times go on
 * the wire as 64-bit integers from the bigint values (never through a JS number), and the reply
 * is checked: anything but a 2xx is an error naming the status and the body.
 *
 * @example
 * await sendToAgent(traces, { url: 'http://127.0.0.1:8126' });
 */

import { Encoder } from '@msgpack/msgpack';
import type { DatadogSpan } from '../span.ts';
import type { TraceSink } from './sink.ts';

export interface AgentSinkOptions {
  /** The agent's base URL, e.g. `http://127.0.0.1:8126`. */
  readonly url: string;
  /** Spans per request at most (a trace is never split); keeps payloads well under the agent's limit. */
  readonly maxSpansPerPayload?: number;
  readonly fetch?: typeof fetch;
}

export interface AgentSendResult {
  readonly requests: number;
  readonly traces: number;
  readonly spans: number;
}

export class AgentError extends Error {
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.name = 'AgentError';
    this.status = status;
  }
}

const encoder = new Encoder({ useBigInt64: true, ignoreUndefined: true });

/** The msgpack body of one `/v0.4/traces` request: an array of traces, each an array of spans. */
export function encodeTraces(traces: readonly (readonly DatadogSpan[])[]): Uint8Array {
  return encoder.encode(
    traces.map((trace) =>
      trace.map((span) => ({
        trace_id: BigInt(span.trace_id),
        span_id: BigInt(span.span_id),
        parent_id: BigInt(span.parent_id),
        name: span.name,
        service: span.service,
        resource: span.resource,
        type: span.type,
        start: span.start,
        duration: span.duration,
        error: span.error,
        meta: span.meta,
        metrics: span.metrics,
      })),
    ),
  );
}

export async function sendToAgent(
  traces: readonly (readonly DatadogSpan[])[],
  options: AgentSinkOptions,
): Promise<AgentSendResult> {
  const limit = options.maxSpansPerPayload ?? 5000;
  const doFetch = options.fetch ?? fetch;
  const endpoint = new URL('/v0.4/traces', options.url).toString();
  let requests = 0;
  let spans = 0;
  let batch: (readonly DatadogSpan[])[] = [];
  let batchSpans = 0;

  const flush = async () => {
    if (batch.length === 0) return;
    const body = encodeTraces(batch);
    let response: Response;
    try {
      response = await doFetch(endpoint, {
        method: 'PUT',
        headers: {
          'content-type': 'application/msgpack',
          'x-datadog-trace-count': String(batch.length),
          'datadog-meta-lang': 'nodejs',
          'datadog-meta-lang-version': process.version,
        },
        body,
      });
    } catch (error) {
      throw new AgentError(`cannot reach the agent at ${endpoint}: ${(error as Error).message}`);
    }
    const reply = await response.text();
    if (!response.ok) {
      throw new AgentError(
        `the agent at ${endpoint} answered ${response.status}: ${reply.slice(0, 200)}`,
        response.status,
      );
    }
    requests += 1;
    spans += batchSpans;
    batch = [];
    batchSpans = 0;
  };

  for (const trace of traces) {
    if (trace.length === 0) continue;
    if (batchSpans > 0 && batchSpans + trace.length > limit) await flush();
    batch.push(trace);
    batchSpans += trace.length;
  }
  await flush();
  return { requests, traces: traces.filter((t) => t.length > 0).length, spans };
}

/** A streaming agent sink: traces are buffered and sent `tracesPerRequest` at a time. */
export function createAgentSink(
  options: AgentSinkOptions & { readonly tracesPerRequest?: number },
): TraceSink & { readonly sent: () => AgentSendResult } {
  const perRequest = options.tracesPerRequest ?? 100;
  let buffer: (readonly DatadogSpan[])[] = [];
  let total = { requests: 0, traces: 0, spans: 0 };
  const flush = async () => {
    if (buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    const result = await sendToAgent(batch, options);
    total = {
      requests: total.requests + result.requests,
      traces: total.traces + result.traces,
      spans: total.spans + result.spans,
    };
  };
  return {
    async write(trace) {
      buffer.push(trace);
      if (buffer.length >= perRequest) await flush();
    },
    close: flush,
    sent: () => total,
  };
}
