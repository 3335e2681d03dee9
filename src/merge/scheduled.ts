/**
 * The merger as a scheduled Lambda function (EventBridge Scheduler or a schedule rule): each run
 * pulls one window of X-Ray traces, converts them and sends them to the Datadog agent (the
 * Datadog extension listens on 127.0.0.1:8126) or prints NDJSON.
 *
 * Which window a run pulls, without any stored state:
 * - an explicit `window: { start, end }` in the event (ISO dates or epoch seconds) wins. Use it to
 *   backfill, or to split a long gap across several concurrent invocations, one window each;
 * - otherwise the window is derived from the event's `time` (the schedule tick; EventBridge keeps
 *   it on retries) and `DD_MERGER_INTERVAL`: the interval-long slot, aligned to the epoch, that
 *   ended at or before `time - DD_MERGER_DELAY` (the delay lets X-Ray finish indexing). Runs for
 *   consecutive ticks get adjacent, non-overlapping windows; concurrent or retried runs for one
 *   tick get the same window, and since conversion is deterministic they send identical spans.
 *   Set the schedule's rate to the interval.
 * - with neither (a manual test invoke), the current time stands in for `time`.
 *
 * Each run asks `GetTraceSegmentDestination` once; in an account with Transaction Search it logs
 * that `GetTraceSummaries` sees only the indexed share of the traces (and which share).
 *
 * @example
 * // merger.mjs, deployed with a schedule of rate(5 minutes) and DD_MERGER_INTERVAL=5m
 * export { mergeHandler as handler } from 'xray-dd-merge/merge';
 */

import type { Writable } from 'node:stream';
import { mergerEnvironment, resolveConfig } from '../config.ts';
import { log } from '../log.ts';
import { type MergerSettings, resolveMergerSettings } from './merger-config.ts';
import type { PipelineSummary } from './pipeline.ts';
import type { PullOptions } from './pull.ts';
import { pullAccount } from './pull-account.ts';
import { createAgentSink } from './sinks/agent.ts';
import { createNdjsonSink } from './sinks/ndjson.ts';
import { parseInstant, scheduledWindow, type TimeWindow } from './window.ts';

export interface MergeEvent {
  /** The schedule tick, as EventBridge sends it (`"2024-05-01T12:05:00Z"`). */
  readonly time?: string;
  /** An explicit window: ISO 8601 dates or epoch seconds. */
  readonly window?: { readonly start: string | number; readonly end: string | number };
}

export interface MergeRunSummary extends PipelineSummary {
  readonly window: { readonly start: string; readonly end: string };
}

export interface MergeHandlerOptions
  extends Partial<MergerSettings>,
    Pick<PullOptions, 'api' | 'region' | 'credentials' | 'sleep' | 'random'> {
  /** The clock for an event without `time`. */
  readonly now?: () => number;
  /** Where the ndjson sink writes. Default stdout. */
  readonly out?: Writable;
}

export class MergeEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MergeEventError';
  }
}

/** The window a run owns, from its event; throws MergeEventError for an unreadable window. */
export function windowOfEvent(
  event: MergeEvent | undefined,
  settings: MergerSettings,
  now: number,
): TimeWindow {
  if (event?.window !== undefined) {
    const start = instant(event.window.start);
    const end = instant(event.window.end);
    if (start === undefined || end === undefined || end <= start) {
      throw new MergeEventError(`window ${JSON.stringify(event.window)} is not a start before an end`);
    }
    return { start, end };
  }
  let time = now;
  if (event?.time !== undefined) {
    const parsed = Date.parse(event.time);
    if (Number.isNaN(parsed)) throw new MergeEventError(`time ${JSON.stringify(event.time)} is not a date`);
    time = parsed;
  }
  return scheduledWindow(time, settings.intervalMs, settings.delayMs);
}

function instant(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.round(value * 1000) : undefined;
  return typeof value === 'string' ? parseInstant(value) : undefined;
}

/** Builds a handler; settings come from the environment at each run, options given here win. */
export function createMergeHandler(
  options: MergeHandlerOptions = {},
): (event?: MergeEvent) => Promise<MergeRunSummary> {
  return async (event) => {
    const { api, region, credentials, sleep, random, now, out, ...overrides } = options;
    resolveConfig(); // applies DD_LOG_LEVEL to the package's logger
    const settings = resolveMergerSettings(mergerEnvironment(), overrides);
    const window = windowOfEvent(event, settings, (now ?? Date.now)());
    const sink =
      settings.sink === 'agent'
        ? createAgentSink({ url: settings.agentUrl })
        : createNdjsonSink(out ?? process.stdout);
    const summary = await pullAccount(
      {
        window,
        // Only a Transaction Search account or a missing permission gives notices: each is a warning.
        onNotice: (line) => log.warn(line.replace(/^warning: /, '')),
        idMode: settings.traceIdMode,
        includeMetadata: settings.includeMetadata,
        ...(settings.env !== undefined ? { env: settings.env } : {}),
        concurrency: settings.concurrency,
        ...(settings.filterExpression !== undefined ? { filterExpression: settings.filterExpression } : {}),
        ...(settings.xrayEndpoint !== undefined ? { endpoint: settings.xrayEndpoint } : {}),
        ...(api !== undefined ? { api } : {}),
        ...(region !== undefined ? { region } : {}),
        ...(credentials !== undefined ? { credentials } : {}),
        ...(sleep !== undefined ? { sleep } : {}),
        ...(random !== undefined ? { random } : {}),
      },
      sink,
    );
    const result: MergeRunSummary = {
      window: { start: new Date(window.start).toISOString(), end: new Date(window.end).toISOString() },
      ...summary,
    };
    log.info(
      `merged ${result.window.start}..${result.window.end}: ${summary.traces} traces, ${summary.spans} spans, ` +
        `${summary.skipped} documents skipped, ${summary.unprocessed.length} traces unprocessed, ` +
        `${summary.joinedInvocations} invocations joined to upstream Datadog traces` +
        (summary.malformedMetadata > 0 ? ` (${summary.malformedMetadata} malformed datadog-metadata)` : ''),
    );
    if (summary.skipped > 0 || summary.unprocessed.length > 0) {
      log.warn(
        `skipped ${summary.skipped} documents (${summary.skippedSamples.map((s) => s.reason).join('; ')}), ` +
          `unprocessed traces: ${summary.unprocessed.join(', ') || 'none'}`,
      );
    }
    return result;
  };
}

/** The scheduled handler, configured by the environment (see merger-config.ts). */
export const mergeHandler: (event?: MergeEvent) => Promise<MergeRunSummary> = createMergeHandler();
