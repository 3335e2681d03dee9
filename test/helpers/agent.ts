/**
 * A loopback stand-in for the Datadog agent: accepts `PUT /v0.4/traces` (msgpack), decodes it with
 * BigInt ids, and lets a test await the spans it received.
 */

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decode } from '@msgpack/msgpack';

export interface WireSpan {
  trace_id: bigint;
  span_id: bigint;
  parent_id: bigint;
  name: string;
  service: string;
  resource: string;
  type?: string;
  start: bigint;
  duration: bigint;
  error: number;
  meta: Record<string, string>;
  metrics: Record<string, number>;
}

export interface AgentStandIn {
  readonly url: string;
  readonly port: number;
  /** Every trace payload received, in order, each a list of spans. */
  readonly traces: WireSpan[][];
  readonly requests: Array<{ method: string; path: string; headers: http.IncomingHttpHeaders }>;
  /** Resolves with the spans once `count` spans named `name` (any name when omitted) and matching `where` have arrived. */
  waitForSpans(count: number, name?: string, where?: (span: WireSpan) => boolean): Promise<WireSpan[]>;
  close(): Promise<void>;
}

function toNumber(value: unknown): number {
  return typeof value === 'bigint' ? Number(value) : (value as number);
}

function normalise(raw: Record<string, unknown>): WireSpan {
  const asBig = (v: unknown) => (typeof v === 'bigint' ? v : BigInt((v as number | undefined) ?? 0));
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries((raw.metrics as Record<string, unknown>) ?? {}))
    metrics[k] = toNumber(v);
  return {
    trace_id: asBig(raw.trace_id),
    span_id: asBig(raw.span_id),
    parent_id: asBig(raw.parent_id),
    name: raw.name as string,
    service: raw.service as string,
    resource: raw.resource as string,
    type: raw.type as string | undefined,
    start: asBig(raw.start),
    duration: asBig(raw.duration),
    error: toNumber(raw.error ?? 0),
    meta: (raw.meta as Record<string, string>) ?? {},
    metrics,
  };
}

export async function startAgent(): Promise<AgentStandIn> {
  const traces: WireSpan[][] = [];
  const requests: AgentStandIn['requests'] = [];
  const waiters = new Set<() => void>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
      if (req.url?.startsWith('/v0.4/traces')) {
        const body = Buffer.concat(chunks);
        const payload = body.length
          ? (decode(body, { useBigInt64: true }) as Record<string, unknown>[][])
          : [];
        for (const trace of payload) traces.push(trace.map(normalise));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"rate_by_service":{}}');
        for (const wake of waiters) wake();
        return;
      }
      res.writeHead(404);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    traces,
    requests,
    waitForSpans(count, name, where) {
      const matching = () =>
        traces
          .flat()
          .filter((s) => (name === undefined || s.name === name) && (where === undefined || where(s)));
      return new Promise((resolve) => {
        const check = () => {
          const found = matching();
          if (found.length >= count) {
            waiters.delete(check);
            resolve(found);
          }
        };
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
