/**
 * A loopback stand-in for an API Gateway REST API stage with X-Ray tracing on and a Lambda proxy
 * integration: each HTTP request starts an X-Ray trace (the caller sent no `X-Amzn-Trace-Id`),
 * becomes a REST proxy event (its headers, Datadog's among them, passed through as API Gateway
 * does), and is handed to the function through `invoke` with the trace header Lambda would give
 * it. The function's proxy result becomes the HTTP response. `segments()` returns the stage
 * segments API Gateway writes to X-Ray (with their `Lambda` subsegment), in the shape AWS documents.
 */

import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GatewayInvoke {
  readonly event: unknown;
  /** `Root=…;Parent=…;Sampled=1`: Parent is the function segment Lambda will write. */
  readonly traceHeader: string;
  readonly requestId: string;
  /** The stage segment's `Lambda` subsegment: the Lambda service segment's parent. */
  readonly lambdaSubsegment: string;
}

export interface GatewayCall {
  readonly root: string;
  /** The function segment's id (the Parent the function sees). */
  readonly functionParent: string;
  /** The stage segment's `Lambda` subsegment: the Lambda service segment's parent. */
  readonly lambdaSubsegment: string;
  readonly requestId: string;
  /** Epoch seconds. */
  readonly start: number;
  readonly end: number;
  readonly status: number;
}

export interface ApiGatewayStandIn {
  /** The stage's invoke URL, e.g. `http://127.0.0.1:PORT/prod`. */
  readonly url: string;
  readonly calls: readonly GatewayCall[];
  /** The X-Ray segment documents of every call so far. */
  segments(): Record<string, unknown>[];
  close(): Promise<void>;
}

export interface ApiGatewayOptions {
  readonly functionArn: string;
  readonly region: string;
  readonly apiId?: string;
  readonly stage?: string;
  /** Runs the function; resolves with the exact bytes it answered (a proxy result as JSON). */
  readonly invoke: (
    call: GatewayInvoke,
  ) => Promise<{ readonly kind: 'response' | 'error'; readonly body: Buffer }>;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

export async function startApiGateway(options: ApiGatewayOptions): Promise<ApiGatewayStandIn> {
  const apiId = options.apiId ?? 'a1b2c3d4e5';
  const stage = options.stage ?? 'prod';
  const accountId = options.functionArn.split(':')[4] ?? '123456789012';
  const functionName = options.functionArn.split(':')[6] ?? 'function';
  const domainName = `${apiId}.execute-api.${options.region}.amazonaws.com`;
  const calls: GatewayCall[] = [];
  const documents: Record<string, unknown>[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      handle(req, Buffer.concat(chunks)).then(
        ({ status, headers, body }) => {
          res.writeHead(status, headers);
          res.end(body);
        },
        (error: unknown) => {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: `Internal server error: ${String(error)}` }));
        },
      );
    });
  });

  async function handle(
    req: http.IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: http.OutgoingHttpHeaders; body: string }> {
    const start = Date.now() / 1000;
    const root = `1-${Math.floor(start).toString(16)}-${hex(12)}`;
    const stageSegment = hex(8);
    const lambdaSubsegment = hex(8);
    const functionParent = hex(8);
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://stage.invalid');
    const resourcePath = url.pathname.replace(new RegExp(`^/${stage}`), '') || '/';
    const headers: Record<string, string> = {};
    const multiValueHeaders: Record<string, string[]> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i] as string;
      const value = req.rawHeaders[i + 1] as string;
      headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
      multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
    }
    // API Gateway passes its own trace header on to the integration.
    headers['X-Amzn-Trace-Id'] = `Root=${root}`;
    multiValueHeaders['X-Amzn-Trace-Id'] = [`Root=${root}`];
    const query = [...url.searchParams.keys()].length > 0 ? Object.fromEntries(url.searchParams) : null;
    const event = {
      resource: resourcePath,
      path: resourcePath,
      httpMethod: req.method,
      headers,
      multiValueHeaders,
      queryStringParameters: query,
      multiValueQueryStringParameters: query,
      pathParameters: null,
      stageVariables: null,
      requestContext: {
        resourceId: hex(3),
        resourcePath,
        httpMethod: req.method,
        extendedRequestId: `${hex(6)}=`,
        requestTime: new Date(start * 1000).toUTCString(),
        path: `/${stage}${resourcePath}`,
        accountId,
        protocol: 'HTTP/1.1',
        stage,
        domainPrefix: apiId,
        requestTimeEpoch: Math.floor(start * 1000),
        requestId,
        identity: {
          sourceIp: '127.0.0.1',
          userAgent: headers['user-agent'] ?? headers['User-Agent'] ?? null,
        },
        domainName,
        apiId,
      },
      body: body.length > 0 ? body.toString('utf8') : null,
      isBase64Encoded: false,
    };

    const lambdaStart = Date.now() / 1000;
    const answer = await options.invoke({
      event,
      traceHeader: `Root=${root};Parent=${functionParent};Sampled=1`,
      requestId: randomUUID(),
      lambdaSubsegment,
    });
    const lambdaEnd = Date.now() / 1000;
    let status = 502;
    let responseHeaders: http.OutgoingHttpHeaders = { 'content-type': 'application/json' };
    let responseBody = '{"message": "Internal server error"}';
    if (answer.kind === 'response') {
      try {
        const result = JSON.parse(answer.body.toString('utf8')) as {
          statusCode?: number;
          headers?: Record<string, string>;
          body?: string;
        };
        status = typeof result.statusCode === 'number' ? result.statusCode : 200;
        responseHeaders = { 'content-type': 'application/json', ...(result.headers ?? {}) };
        responseBody = typeof result.body === 'string' ? result.body : '';
      } catch {
        // Not a proxy result: API Gateway answers 502, as here.
      }
    }
    const end = Date.now() / 1000;
    calls.push({ root, functionParent, lambdaSubsegment, requestId, start, end, status });
    documents.push({
      id: stageSegment,
      name: `${apiId}/${stage}`,
      trace_id: root,
      start_time: start,
      end_time: end,
      http: {
        request: {
          url: `https://${domainName}/${stage}${resourcePath}`,
          method: req.method,
          client_ip: '127.0.0.1',
          ...(headers['user-agent'] !== undefined ? { user_agent: headers['user-agent'] } : {}),
        },
        response: { status, content_length: Buffer.byteLength(responseBody) },
      },
      aws: { api_gateway: { account_id: accountId, rest_api_id: apiId, stage, request_id: requestId } },
      annotations: { 'aws:api_id': apiId, 'aws:api_stage': stage },
      origin: 'AWS::ApiGateway::Stage',
      resource_arn: `arn:aws:apigateway:${options.region}::/restapis/${apiId}/stages/${stage}`,
      subsegments: [
        {
          id: lambdaSubsegment,
          name: 'Lambda',
          start_time: lambdaStart,
          end_time: lambdaEnd,
          http: {
            request: {
              url: `https://lambda.${options.region}.amazonaws.com/2015-03-31/functions/${options.functionArn}/invocations`,
              method: 'POST',
            },
            response: { status: answer.kind === 'response' ? 200 : 502, content_length: answer.body.length },
          },
          aws: {
            function_name: functionName,
            region: options.region,
            operation: 'Invoke',
            resource_names: [functionName],
          },
          namespace: 'aws',
        },
      ],
    });
    return { status, headers: responseHeaders, body: responseBody };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/${stage}`,
    calls,
    segments: () => documents.slice(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
