/**
 * A loopback stand-in for the X-Ray API, enough for the real `@aws-sdk/client-xray` to talk to it
 * over real HTTP (restJson1): `POST /TraceSummaries` (GetTraceSummaries) and `POST /Traces`
 * (BatchGetTraces), with pagination, unprocessed ids and throttling (HTTP 429,
 * `x-amzn-errortype: ThrottledException`) scripted by the test. Every request is recorded.
 *
 * Transaction Search, with shapes from the X-Ray API reference: `POST /GetTraceSegmentDestination`
 * (`Destination` XRay | CloudWatchLogs, `Status` ACTIVE | PENDING), `POST /GetIndexingRules`
 * (`IndexingRules[].Rule.Probabilistic.DesiredSamplingPercentage`), `POST /StartTraceRetrieval`
 * (`TraceIds` 0 to 100 ids of 1 to 35 characters, `StartTime`/`EndTime` required, inclusive;
 * answers a `RetrievalToken`) and `POST /ListRetrievedTraces` (`RetrievalToken` required, at most
 * 1,020 characters, unknown -> 404 ResourceNotFoundException; `TraceFormat` XRAY | OTEL;
 * `RetrievalStatus` SCHEDULED, RUNNING, then COMPLETE or the scripted end; an empty response
 * until COMPLETE, as the reference says; `Traces[].Spans[].Document` paged with `NextToken`).
 * Any path can be scripted to answer 403 AccessDeniedException, as a missing IAM permission does.
 */

import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoredTrace {
  /** `1-{8 hex}-{24 hex}`. */
  readonly id: string;
  /** Epoch seconds; GetTraceSummaries selects on it (inclusive at both ends, as a boundary test needs). */
  readonly startTime: number;
  readonly duration?: number;
  /** Segment documents (objects); served as JSON strings, as the API does. */
  readonly documents: readonly Record<string, unknown>[];
  /** The same trace as Transaction Search span records (JSON text, kept exact), for TraceFormat OTEL. */
  readonly otelDocuments?: readonly string[];
}

export interface TransactionSearchScript {
  destination?: 'XRay' | 'CloudWatchLogs';
  status?: 'ACTIVE' | 'PENDING';
  /** The Default indexing rule's DesiredSamplingPercentage. Default 1. */
  indexingPercent?: number;
  /** ListRetrievedTraces polls answered SCHEDULED/RUNNING before a retrieval is done. Default 0. */
  pollsBeforeDone?: number;
  /** Retrievals (0-based, in StartTraceRetrieval order) that end in this status instead of COMPLETE. */
  endStatus?: Record<number, 'FAILED' | 'TIMEOUT' | 'CANCELLED'>;
  /** Traces per ListRetrievedTraces page. Default: all in one page. */
  tracesPageSize?: number;
}

export interface XRayApiScript {
  traces: StoredTrace[];
  /** Summaries per GetTraceSummaries page. Default 100. */
  summariesPageSize?: number;
  /** Segments per BatchGetTraces page (counted across the asked traces). Default: all in one page. */
  segmentsPageSize?: number;
  /** How many times each id is answered as unprocessed before it is served. */
  unprocessed?: Record<string, number>;
  /** How many requests to each path are answered 429 ThrottledException before they succeed. */
  throttle?: Record<string, number>;
  /** Paths answered 403 AccessDeniedException, as when the IAM policy lacks the action. */
  deny?: string[];
  transactionSearch?: TransactionSearchScript;
}

const ROUTES = new Set([
  '/TraceSummaries',
  '/Traces',
  '/GetTraceSegmentDestination',
  '/GetIndexingRules',
  '/StartTraceRetrieval',
  '/ListRetrievedTraces',
]);

/** The IAM action of each route, for the AccessDeniedException message. */
const ACTIONS: Record<string, string> = {
  '/TraceSummaries': 'xray:GetTraceSummaries',
  '/Traces': 'xray:BatchGetTraces',
  '/GetTraceSegmentDestination': 'xray:GetTraceSegmentDestination',
  '/GetIndexingRules': 'xray:GetIndexingRules',
  '/StartTraceRetrieval': 'xray:StartTraceRetrieval',
  '/ListRetrievedTraces': 'xray:ListRetrievedTraces',
};

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
  /** The HTTP status answered. */
  status: number;
}

export interface XRayApiStandIn {
  readonly url: string;
  readonly script: XRayApiScript;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

function decodeToken(token: unknown): number {
  if (typeof token !== 'string') return 0;
  return (JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset: number }).offset;
}

export async function startXRayApi(script: XRayApiScript): Promise<XRayApiStandIn> {
  const requests: RecordedRequest[] = [];
  const throttled: Record<string, number> = {};
  const unprocessedLeft = { ...(script.unprocessed ?? {}) };

  const reply = (
    res: http.ServerResponse,
    record: RecordedRequest,
    status: number,
    body: unknown,
    type?: string,
  ) => {
    record.status = status;
    res.writeHead(status, {
      'content-type': 'application/json',
      'x-amzn-requestid': `req-${requests.length}`,
      ...(type ? { 'x-amzn-errortype': type } : {}),
    });
    res.end(JSON.stringify(body));
  };

  const summaries = (body: Record<string, unknown>) => {
    const start = body.StartTime as number;
    const end = body.EndTime as number;
    const matching = script.traces
      .filter((t) => t.startTime >= start && t.startTime <= end)
      .sort((a, b) => a.startTime - b.startTime || (a.id < b.id ? -1 : 1));
    const size = script.summariesPageSize ?? 100;
    const offset = decodeToken(body.NextToken);
    const page = matching.slice(offset, offset + size);
    return {
      TraceSummaries: page.map((t) => ({
        Id: t.id,
        StartTime: t.startTime,
        Duration: t.duration ?? 0.1,
        ResponseTime: t.duration ?? 0.1,
        HasFault: false,
        HasError: false,
        HasThrottle: false,
        IsPartial: false,
      })),
      ApproximateTime: end,
      TracesProcessedCount: page.length,
      ...(offset + size < matching.length ? { NextToken: encodeToken(offset + size) } : {}),
    };
  };

  const batch = (body: Record<string, unknown>) => {
    const ids = body.TraceIds as string[];
    const firstPage = body.NextToken === undefined;
    const unprocessed: string[] = [];
    const served: StoredTrace[] = [];
    for (const id of ids) {
      const trace = script.traces.find((t) => t.id === id);
      if (!trace) continue;
      if (firstPage && (unprocessedLeft[id] ?? 0) > 0) {
        unprocessedLeft[id] = (unprocessedLeft[id] ?? 0) - 1;
        unprocessed.push(id);
      } else served.push(trace);
    }
    const all = served.flatMap((trace) => trace.documents.map((doc) => ({ trace, doc })));
    const size = script.segmentsPageSize ?? all.length;
    const offset = decodeToken(body.NextToken);
    const page = all.slice(offset, offset + size);
    const traces = new Map<
      string,
      { Id: string; Duration: number; LimitExceeded: boolean; Segments: unknown[] }
    >();
    for (const { trace, doc } of page) {
      let entry = traces.get(trace.id);
      if (!entry) {
        entry = { Id: trace.id, Duration: trace.duration ?? 0.1, LimitExceeded: false, Segments: [] };
        traces.set(trace.id, entry);
      }
      entry.Segments.push({ Id: doc.id, Document: JSON.stringify(doc) });
    }
    return {
      Traces: [...traces.values()],
      UnprocessedTraceIds: unprocessed,
      ...(offset + size < all.length ? { NextToken: encodeToken(offset + size) } : {}),
    };
  };

  interface Retrieval {
    readonly token: string;
    readonly ids: readonly string[];
    readonly start: number;
    readonly end: number;
    readonly index: number;
    polls: number;
  }
  const retrievals: Retrieval[] = [];

  const listRetrieved = (retrieval: Retrieval, format: 'XRAY' | 'OTEL', nextToken: unknown) => {
    const ts = script.transactionSearch ?? {};
    if (nextToken === undefined) retrieval.polls += 1;
    const waiting = ts.pollsBeforeDone ?? 0;
    if (retrieval.polls <= waiting) {
      // "When the RetrievalStatus is not COMPLETE, the API will return an empty response."
      return {
        RetrievalStatus: retrieval.polls === 1 ? 'SCHEDULED' : 'RUNNING',
        TraceFormat: format,
        Traces: [],
      };
    }
    const end = ts.endStatus?.[retrieval.index];
    const matching = script.traces.filter(
      (t) => retrieval.ids.includes(t.id) && t.startTime >= retrieval.start && t.startTime <= retrieval.end,
    );
    // A failed retrieval keeps what it found before it stopped: here, the first trace.
    const found = end !== undefined ? matching.slice(0, 1) : matching;
    const size = ts.tracesPageSize ?? Math.max(1, found.length);
    const offset = decodeToken(nextToken);
    const page = found.slice(offset, offset + size);
    return {
      RetrievalStatus: end ?? 'COMPLETE',
      TraceFormat: format,
      // RetrievedTrace.Spans holds at most 100 spans (API reference): a larger trace comes as several entries.
      Traces: page.flatMap((t) => {
        const spans =
          format === 'OTEL'
            ? (t.otelDocuments ?? []).map((text) => ({
                Id: /"spanId"\s*:\s*"([^"]+)"/.exec(text)?.[1],
                Document: text,
              }))
            : t.documents.map((doc) => ({ Id: doc.id, Document: JSON.stringify(doc) }));
        const entries = [];
        for (let i = 0; i === 0 || i < spans.length; i += 100) {
          entries.push({ Id: t.id, Duration: t.duration ?? 0.1, Spans: spans.slice(i, i + 100) });
        }
        return entries;
      }),
      ...(offset + size < found.length ? { NextToken: encodeToken(offset + size) } : {}),
    };
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '').split('?')[0] ?? '';
      let body: Record<string, unknown> = {};
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        body = { unparsable: text };
      }
      const record: RecordedRequest = {
        method: req.method ?? '',
        path,
        headers: req.headers,
        body,
        status: 0,
      };
      requests.push(record);
      if (req.method !== 'POST' || !ROUTES.has(path)) {
        reply(res, record, 404, { message: `no route ${req.method} ${path}` }, 'UnknownOperationException');
        return;
      }
      if (script.deny?.includes(path)) {
        reply(
          res,
          record,
          403,
          {
            Message: `User: arn:aws:sts::123456789012:assumed-role/merger/test is not authorized to perform: ${ACTIONS[path]}`,
          },
          'AccessDeniedException',
        );
        return;
      }
      const limit = script.throttle?.[path] ?? 0;
      throttled[path] = (throttled[path] ?? 0) + 1;
      if (throttled[path] <= limit) {
        reply(res, record, 429, { Message: 'Rate exceeded' }, 'ThrottledException');
        return;
      }
      if (path === '/GetTraceSegmentDestination') {
        const ts = script.transactionSearch ?? {};
        reply(res, record, 200, { Destination: ts.destination ?? 'XRay', Status: ts.status ?? 'ACTIVE' });
        return;
      }
      if (path === '/GetIndexingRules') {
        reply(res, record, 200, {
          IndexingRules: [
            {
              Name: 'Default',
              ModifiedAt: 1_700_000_000,
              Rule: {
                Probabilistic: {
                  DesiredSamplingPercentage: script.transactionSearch?.indexingPercent ?? 1,
                  ActualSamplingPercentage: script.transactionSearch?.indexingPercent ?? 1,
                },
              },
            },
          ],
        });
        return;
      }
      if (path === '/StartTraceRetrieval') {
        const ids = body.TraceIds;
        if (
          !Array.isArray(ids) ||
          ids.length > 100 ||
          ids.some((id) => typeof id !== 'string' || id.length < 1 || id.length > 35)
        ) {
          reply(
            res,
            record,
            400,
            { Message: 'TraceIds: 0 to 100 ids of 1 to 35 characters' },
            'InvalidRequestException',
          );
          return;
        }
        if (typeof body.StartTime !== 'number' || typeof body.EndTime !== 'number') {
          reply(
            res,
            record,
            400,
            { Message: 'StartTime and EndTime are required' },
            'InvalidRequestException',
          );
          return;
        }
        const token = `retrieval-${retrievals.length}-${'x'.repeat(40)}`;
        retrievals.push({
          token,
          ids: ids as string[],
          start: body.StartTime,
          end: body.EndTime,
          polls: 0,
          index: retrievals.length,
        });
        reply(res, record, 200, { RetrievalToken: token });
        return;
      }
      if (path === '/ListRetrievedTraces') {
        const token = body.RetrievalToken;
        if (typeof token !== 'string' || token.length > 1020) {
          reply(res, record, 400, { Message: 'RetrievalToken is required' }, 'InvalidRequestException');
          return;
        }
        const format = body.TraceFormat ?? 'XRAY';
        if (format !== 'XRAY' && format !== 'OTEL') {
          reply(res, record, 400, { Message: `TraceFormat ${String(format)}` }, 'InvalidRequestException');
          return;
        }
        const retrieval = retrievals.find((r) => r.token === token);
        if (!retrieval) {
          reply(res, record, 404, { Message: 'retrieval token not found' }, 'ResourceNotFoundException');
          return;
        }
        reply(res, record, 200, listRetrieved(retrieval, format, body.NextToken));
        return;
      }
      if (path === '/Traces') {
        const ids = body.TraceIds;
        if (!Array.isArray(ids) || ids.length < 1 || ids.length > 5) {
          reply(res, record, 400, { Message: 'TraceIds: 1 to 5 ids' }, 'InvalidRequestException');
          return;
        }
        reply(res, record, 200, batch(body));
        return;
      }
      if (typeof body.StartTime !== 'number' || typeof body.EndTime !== 'number') {
        reply(res, record, 400, { Message: 'StartTime and EndTime are required' }, 'InvalidRequestException');
        return;
      }
      if ((body.EndTime as number) - (body.StartTime as number) > 6 * 3600) {
        reply(res, record, 400, { Message: 'time range longer than 6 hours' }, 'InvalidRequestException');
        return;
      }
      reply(res, record, 200, summaries(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    script,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Static credentials for the real SDK client talking to the stand-in. */
export const TEST_CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

/**
 * Options that point the puller's real SDK client at `api`, with each back-off wait recorded in
 * `sleeps` instead of waited, and the jitter fixed at half.
 */
export function standInPullOptions(api: XRayApiStandIn, sleeps: number[]) {
  return {
    region: 'eu-west-1',
    endpoint: api.url,
    credentials: TEST_CREDENTIALS,
    sleep: async (ms: number) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
  };
}

/** A trace of one 250 ms segment that starts `n` seconds after `t0` (epoch seconds), ids from `n`. */
export function oneSegmentTrace(n: number, t0 = 1_579_584_000): StoredTrace {
  const seconds = t0 + n;
  const id = `1-${seconds.toString(16)}-${n.toString(16).padStart(24, '0')}`;
  return {
    id,
    startTime: seconds,
    documents: [
      {
        id: (n + 1).toString(16).padStart(16, '0'),
        name: `svc-${n}`,
        trace_id: id,
        start_time: seconds,
        end_time: seconds + 0.25,
      },
    ],
  };
}
