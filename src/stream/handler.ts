/**
 * The stream handler: `aws/spans` subscription payloads in, Datadog spans out to the agent (the
 * Datadog extension in Lambda).
 *
 * - Events: a CloudWatch Logs subscription straight to the function (`awslogs.data`), or a Kinesis
 *   event source mapping (records carrying the same payloads), with or without a tumbling window.
 * - At-least-once, idempotent output: span ids come from the span records alone (the shared id
 *   mapping), so a retried batch sends the same spans with the same ids.
 * - `ReportBatchItemFailures`: when the agent does not take a batch, the first record of the batch
 *   is reported and Lambda retries from there; nothing else holds a shard back. A direct
 *   subscription (asynchronous invocation) throws instead, so Lambda's own retries and on-failure
 *   destination take the batch.
 * - A malformed payload or span record is counted and skipped with one log line, never thrown.
 * - The hybrid join runs over each batch; with a tumbling window, across the window's batches too
 *   (`hold.ts`).
 *
 * @example
 * export const handler = createStreamHandler({ send: (traces) => sendToAgent(traces, { url }), idMode: 'compat' });
 */

import { log } from '../log.ts';
import { joinHybrid } from '../merge/hybrid-join.ts';
import type { DatadogSpan } from '../merge/span.ts';
import type { TraceIdMode } from '../xray/ids.ts';
import { readStreamEvent } from './event.ts';
import { holdStep } from './hold.ts';
import { classifyRecord } from './record.ts';
import { convertSpanRecords, groupByTrace } from './spans.ts';
import { readRecordPayload } from './subscription.ts';

export interface StreamReport {
  readonly records: number;
  readonly spans: number;
  readonly traces: number;
  /** Payloads (records) that did not decode. */
  readonly malformedPayloads: number;
  /** Span records inside good payloads that held no readable span. */
  readonly skippedSpans: number;
  readonly controlMessages: number;
  /** Invocations of upstream Datadog traces joined in this batch. */
  readonly joined: number;
  /** Span records released from the hold without their trace's metadata. */
  readonly releasedUnjoined: number;
  readonly releasedEarly: number;
  /** Whether the agent took the batch. */
  readonly sent: boolean;
}

export interface StreamHandlerOptions {
  /** Sends whole traces (the agent sink); a rejection fails the batch. */
  readonly send: (traces: DatadogSpan[][]) => Promise<unknown>;
  readonly idMode: TraceIdMode;
  /** Held bytes at most in a tumbling window's state (default 768 KiB, under Lambda's 1 MB). */
  readonly holdCapBytes?: number;
  /** One line per fault (default: `console.warn`). */
  readonly warn?: (line: string) => void;
  /** Called once per invocation with what it did. */
  readonly onReport?: (report: StreamReport) => void;
}

export interface StreamResult {
  batchItemFailures: Array<{ itemIdentifier: string }>;
  /** The tumbling window's state for the next invocation of the window. */
  state?: unknown;
}

export const DEFAULT_HOLD_CAP_BYTES = 768 * 1024;
/** A batch of broken records logs this many lines, then one line with the rest's count. */
const MAX_SKIP_LINES = 10;

export function createStreamHandler(
  options: StreamHandlerOptions,
): (event: unknown) => Promise<StreamResult> {
  const warn = options.warn ?? ((line: string) => console.warn(line));
  return async (input) => {
    const event = readStreamEvent(input);
    if (event.source === 'unknown') {
      warn(
        '[xray-dd-merge] stream: the event is neither a CloudWatch Logs subscription nor a Kinesis batch; skipped',
      );
      return { batchItemFailures: [] };
    }
    let malformedPayloads = 0;
    let controlMessages = 0;
    const messages: string[] = [];
    for (const record of event.records) {
      const payload = readRecordPayload(record.gzip);
      if (payload.kind === 'malformed') {
        malformedPayloads += 1;
        warn(`[xray-dd-merge] stream: record ${record.id} skipped: ${payload.reason}`);
      } else if (payload.kind === 'control') controlMessages += 1;
      else messages.push(...payload.messages);
    }

    let releasedUnjoined = 0;
    let releasedEarly = 0;
    const skipped: string[] = [];
    let joinedInvocations = 0;
    let spans: DatadogSpan[];
    let nextState: unknown;
    if (event.source === 'kinesis' && event.window !== undefined) {
      const step = holdStep(event.window.state, messages.map(classifyRecord), {
        final: event.window.isFinal,
        capBytes: options.holdCapBytes ?? DEFAULT_HOLD_CAP_BYTES,
      });
      nextState = step.state;
      spans = [];
      for (const group of step.release) {
        if (!group.joined) {
          releasedUnjoined += group.send.length;
          if (group.reason === 'cap') releasedEarly += group.send.length;
        }
        const converted = convertSpanRecords([...group.context, ...group.send], options.idMode);
        skipped.push(...converted.skipped);
        // Context records were sent when they arrived: they only guide the join.
        const contextIds = new Set(
          convertSpanRecords(group.context, options.idMode).spans.map((span) => span.span_id),
        );
        const { spans: joined, report } = joinHybrid(converted.spans);
        if (group.send.length > 0) joinedInvocations += report.invocations.length;
        for (const span of joined) if (!contextIds.has(span.span_id)) spans.push(span);
      }
    } else {
      const converted = convertSpanRecords(messages, options.idMode);
      skipped.push(...converted.skipped);
      const { spans: joined, report } = joinHybrid(converted.spans);
      joinedInvocations = report.invocations.length;
      spans = joined;
    }
    for (const reason of skipped.slice(0, MAX_SKIP_LINES)) {
      warn(`[xray-dd-merge] stream: span record skipped: ${reason}`);
    }
    if (skipped.length > MAX_SKIP_LINES) {
      warn(`[xray-dd-merge] stream: ${skipped.length - MAX_SKIP_LINES} more span records skipped`);
    }

    const out = spans;
    const traces = groupByTrace(out);
    let sent = true;
    if (traces.length > 0) {
      try {
        await options.send(traces);
      } catch (error) {
        sent = false;
        // Nothing to report as a failed item (a direct subscription; a window's final invocation,
        // which has no records): fail the invocation, so Lambda retries it (with the same state).
        if (event.source === 'awslogs' || event.records.length === 0) throw error;
        warn(
          `[xray-dd-merge] stream: the agent did not take the batch; it will be retried: ${(error as Error).message}`,
        );
      }
    }
    if (releasedEarly > 0) {
      // The window state's cap: holds are cut short; more shards on the by-trace stream hold longer.
      warn(
        `[xray-dd-merge] stream: ${releasedEarly} held span records sent without waiting for their trace's metadata (the window state reached ${options.holdCapBytes ?? DEFAULT_HOLD_CAP_BYTES} bytes); add shards to the by-trace stream`,
      );
    }
    if (event.source === 'kinesis' && event.window?.isFinal === true) {
      log.info(
        `stream: window done: ${out.length} spans sent in this invocation, ${joinedInvocations} invocations joined, ${releasedUnjoined} span records without their trace's metadata (serverless-first, or metadata late)`,
      );
    }
    options.onReport?.({
      records: event.records.length,
      spans: out.length,
      traces: traces.length,
      malformedPayloads,
      skippedSpans: skipped.length,
      controlMessages,
      joined: joinedInvocations,
      releasedUnjoined,
      releasedEarly,
      sent,
    });
    const first = event.records[0];
    if (!sent && first !== undefined) {
      // The window's state is not advanced: the retry starts from the state this batch had.
      return {
        batchItemFailures: [{ itemIdentifier: first.id }],
        ...(event.source === 'kinesis' && event.window ? { state: event.window.state } : {}),
      };
    }
    return { batchItemFailures: [], ...(nextState !== undefined ? { state: nextState } : {}) };
  };
}
