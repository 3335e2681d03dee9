/**
 * A lean loopback Datadog agent for soak runs: decodes each `PUT /v0.4/traces` payload (msgpack,
 * BigInt ids) but keeps only what the soak checks (name, trace, span and parent ids per span), so
 * the test process stays small and fast over 100,000 traces.
 */

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Decoder } from '@msgpack/msgpack';

export interface LeanSpan {
  readonly name: string;
  readonly traceId: bigint;
  readonly spanId: bigint;
  readonly parentId: bigint;
}

export interface LeanAgent {
  readonly url: string;
  /** Every trace received, in arrival order, each as its spans. */
  readonly traces: LeanSpan[][];
  readonly payloads: () => number;
  /** Resolves once at least `count` traces have arrived. */
  waitForTraces(count: number): Promise<void>;
  /** Calls `listener` with the number of traces received so far after each payload. */
  onProgress(listener: (traces: number) => void): void;
  close(): Promise<void>;
}

const big = (value: unknown): bigint => (typeof value === 'bigint' ? value : BigInt((value as number) ?? 0));

export async function startLeanAgent(): Promise<LeanAgent> {
  const decoder = new Decoder({ useBigInt64: true });
  const traces: LeanSpan[][] = [];
  let payloads = 0;
  let waiter: { count: number; wake: () => void } | undefined;
  const listeners: Array<(traces: number) => void> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url?.startsWith('/v0.4/traces')) {
        payloads += 1;
        const body = Buffer.concat(chunks);
        const decoded =
          body.length > 0 ? (decoder.decode(body) as Array<Array<Record<string, unknown>>>) : [];
        for (const trace of decoded) {
          traces.push(
            trace.map((span) => ({
              name: span.name as string,
              traceId: big(span.trace_id),
              spanId: big(span.span_id),
              parentId: big(span.parent_id),
            })),
          );
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"rate_by_service":{}}');
        if (waiter && traces.length >= waiter.count) waiter.wake();
        for (const listener of listeners) listener(traces.length);
        return;
      }
      res.writeHead(404);
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    traces,
    payloads: () => payloads,
    waitForTraces: (count) =>
      traces.length >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            waiter = { count, wake: resolve };
          }),
    onProgress: (listener) => {
      listeners.push(listener);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
