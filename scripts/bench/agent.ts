// Loopback stand-ins for what a traced Lambda function talks to: the Datadog agent (dd-trace's
// `PUT /v0.4/traces`) and the X-Ray daemon (UDP). They run in the bench parent, so the measured
// child pays only for sending. Bodies are not decoded while a child runs; a few are kept so the run
// can be checked afterwards (did the `aws.lambda` span land in the X-Ray trace?).
import dgram from 'node:dgram';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decode } from '@msgpack/msgpack';

const KEPT_BODIES = 8;

/** What the stand-ins received during one run. */
export interface Received {
  requests: number;
  traceBytes: number;
  datagrams: number;
  bodies: Buffer[];
}

export interface StandIns {
  readonly agentUrl: string;
  readonly daemonAddress: string;
  /** Starts counting for a new run and returns what the previous run received. */
  reset(): Received;
  close(): Promise<void>;
}

export interface ReceivedSpan {
  readonly name: string;
  readonly trace_id: string;
  readonly parent_id: string;
  readonly meta: Record<string, string>;
}

function nothingYet(): Received {
  return { requests: 0, traceBytes: 0, datagrams: 0, bodies: [] };
}

export async function startStandIns(): Promise<StandIns> {
  let current = nothingYet();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      current.requests += 1;
      const traces = req.url?.startsWith('/v0.4/traces') ?? false;
      if (traces) {
        const body = Buffer.concat(chunks);
        current.traceBytes += body.length;
        if (current.bodies.length < KEPT_BODIES) current.bodies.push(body);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(traces ? '{"rate_by_service":{}}' : '{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  const daemon = dgram.createSocket('udp4');
  daemon.on('message', () => {
    current.datagrams += 1;
  });
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));

  return {
    agentUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    daemonAddress: `127.0.0.1:${daemon.address().port}`,
    reset() {
      const previous = current;
      current = nothingYet();
      return previous;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => daemon.close(resolve));
    },
  };
}

/** Every span in the kept bodies, ids as decimal strings. */
export function decodeSpans(bodies: readonly Buffer[]): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const body of bodies) {
    const traces = decode(body, { useBigInt64: true }) as Array<Array<Record<string, unknown>>>;
    for (const trace of traces) {
      for (const span of trace) {
        spans.push({
          name: String(span.name),
          trace_id: String(span.trace_id),
          parent_id: String(span.parent_id),
          meta: (span.meta as Record<string, string>) ?? {},
        });
      }
    }
  }
  return spans;
}
