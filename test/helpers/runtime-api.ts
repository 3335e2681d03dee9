/**
 * A loopback stand-in for the Lambda Runtime API (the `AWS_LAMBDA_RUNTIME_API` the runtime client
 * polls): serves queued invocations on `GET /2018-06-01/runtime/invocation/next` with the headers
 * Lambda sends, and records what the runtime posts back (response bytes, errors, init errors), so a
 * test can `await api.invoke(...)` and compare exact bytes.
 */

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

const PREFIX = '/2018-06-01/runtime';

export interface InvocationRequest {
  requestId: string;
  /** The event, sent as JSON. */
  event: unknown;
  /** `Lambda-Runtime-Trace-Id`, e.g. `Root=1-…;Parent=…;Sampled=1`. */
  traceHeader?: string;
  /** Epoch ms; default 60 s from now. */
  deadlineMs?: number;
  functionArn?: string;
}

export interface InvocationResult {
  requestId: string;
  kind: 'response' | 'error';
  /** The exact bytes the runtime posted. */
  body: Buffer;
  headers: http.IncomingHttpHeaders;
  trailers: NodeJS.Dict<string>;
  /** `Lambda-Runtime-Function-Error-Type` (header, or trailer for a streamed response). */
  errorType?: string;
  /** `performance.now()` when the post had arrived in full (for cold-start timing). */
  receivedAt: number;
}

export interface InitError {
  errorType: string | undefined;
  body: Buffer;
}

export interface RuntimeApiStandIn {
  /** `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`. */
  readonly address: string;
  /** Queues an invocation; resolves when the runtime posts its response or error. */
  invoke(request: InvocationRequest): Promise<InvocationResult>;
  /** Resolves when the runtime posts `/init/error`. */
  readonly initError: Promise<InitError>;
  /** Every request the runtime made, in order (`METHOD path`). */
  readonly log: string[];
  /** Resolves with `performance.now()` when the runtime's first `GET /next` arrives (for cold-start timing). */
  readonly firstPollAt: Promise<number>;
  /** Rejects every invocation still waiting (e.g. the runtime process died) and the init error. */
  failPending(reason: Error): void;
  close(): Promise<void>;
}

interface Pending {
  request: InvocationRequest;
  resolve: (result: InvocationResult) => void;
  reject: (error: Error) => void;
}

const DEFAULT_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:checkout-fn';

export async function startRuntimeApi(): Promise<RuntimeApiStandIn> {
  const queue: Pending[] = [];
  const inFlight = new Map<string, Pending>();
  const pollers: http.ServerResponse[] = [];
  const log: string[] = [];
  let resolveInit!: (value: InitError) => void;
  let rejectInit!: (error: Error) => void;
  const initError = new Promise<InitError>((resolve, reject) => {
    resolveInit = resolve;
    rejectInit = reject;
  });
  initError.catch(() => undefined);
  let polled!: (at: number) => void;
  const firstPollAt = new Promise<number>((resolve) => {
    polled = resolve;
  });

  function serve(res: http.ServerResponse, pending: Pending): void {
    const { request } = pending;
    inFlight.set(request.requestId, pending);
    const body = Buffer.from(JSON.stringify(request.event));
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/json',
      'content-length': body.length,
      'lambda-runtime-aws-request-id': request.requestId,
      'lambda-runtime-deadline-ms': String(request.deadlineMs ?? Date.now() + 60_000),
      'lambda-runtime-invoked-function-arn': request.functionArn ?? DEFAULT_ARN,
    };
    if (request.traceHeader) headers['lambda-runtime-trace-id'] = request.traceHeader;
    res.writeHead(200, headers);
    res.end(body);
  }

  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    log.push(`${req.method} ${url}`);
    if (req.method === 'GET' && url === `${PREFIX}/invocation/next`) {
      polled(performance.now());
      const next = queue.shift();
      if (next) serve(res, next);
      else {
        pollers.push(res);
        // A poll whose connection went away must not be handed an invocation.
        res.on('close', () => {
          const at = pollers.indexOf(res);
          if (at >= 0) pollers.splice(at, 1);
        });
      }
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const receivedAt = performance.now();
      const body = Buffer.concat(chunks);
      const accept = () => {
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end('{"status":"OK"}');
      };
      if (req.method === 'POST' && url === `${PREFIX}/init/error`) {
        accept();
        resolveInit({ errorType: header(req.headers, 'lambda-runtime-function-error-type'), body });
        return;
      }
      const match = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
      const requestId = match ? decodeURIComponent(match[1] ?? '') : '';
      const pending = inFlight.get(requestId);
      if (req.method !== 'POST' || !match || !pending) {
        res.writeHead(404);
        res.end();
        return;
      }
      accept();
      inFlight.delete(requestId);
      const trailers = req.trailers as NodeJS.Dict<string>;
      const errorType =
        header(req.headers, 'lambda-runtime-function-error-type') ??
        trailers['lambda-runtime-function-error-type'];
      pending.resolve({
        requestId,
        kind: match[2] === 'error' || errorType ? 'error' : 'response',
        body,
        headers: req.headers,
        trailers,
        ...(errorType ? { errorType } : {}),
        receivedAt,
      });
    });
  });
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    address: `127.0.0.1:${port}`,
    initError,
    log,
    firstPollAt,
    invoke(request) {
      return new Promise<InvocationResult>((resolve, reject) => {
        const pending = { request, resolve, reject };
        const poller = pollers.shift();
        if (poller) serve(poller, pending);
        else queue.push(pending);
      });
    },
    failPending(reason) {
      for (const pending of [...queue.splice(0), ...inFlight.values()]) pending.reject(reason);
      inFlight.clear();
      rejectInit(reason);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const poller of pollers.splice(0)) poller.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function header(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
