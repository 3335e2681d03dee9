/**
 * The merger's streaming path: pull a window of X-Ray traces, convert each trace as it arrives,
 * hand it to a sink. Memory holds one trace at a time (plus what the puller keeps in flight), so
 * the CLI's `pull` and the scheduled handler can cover any window.
 *
 * @example
 * const sink = createAgentSink({ url: 'http://127.0.0.1:8126' });
 * const summary = await pullIntoSink({ window: { start, end } }, sink);
 */

import { type ConversionResult, type ConvertOptions, convertTraces } from './convert.ts';
import { type EnvironmentOptions, tagEnvironment } from './environment.ts';
import { joinHybrid, type MalformedMetadata } from './hybrid-join.ts';
import { type PullOptions, type PullProgress, pullTraces } from './pull.ts';
import type { SkippedDocument } from './segment-schema.ts';
import type { TraceSink } from './sinks/sink.ts';

/** How many skipped documents a summary lists; the count covers all of them. */
const SKIPPED_SAMPLES = 20;

export interface PipelineSummary {
  readonly traces: number;
  readonly spans: number;
  readonly documents: number;
  readonly skipped: number;
  /** The first few skipped documents, with the reason. */
  readonly skippedSamples: readonly SkippedDocument[];
  readonly throttled: number;
  /** Trace ids X-Ray left unprocessed after every attempt. */
  readonly unprocessed: readonly string[];
  /** Invocations put into the upstream Datadog trace their datadog-metadata names. */
  readonly joinedInvocations: number;
  readonly malformedMetadata: number;
  /** The first few malformed datadog-metadata subsegments, with the reason. */
  readonly malformedSamples: readonly MalformedMetadata[];
}

export async function pullIntoSink(
  options: PullOptions & ConvertOptions & EnvironmentOptions,
  sink: TraceSink,
): Promise<PipelineSummary> {
  const tally = new PipelineTally();
  let last: PullProgress | undefined;
  let finished = false;
  try {
    for await (const trace of pullTraces({
      ...options,
      onProgress: (progress) => {
        last = progress;
        options.onProgress?.(progress);
      },
    })) {
      await tally.send(convertTraces([trace], options), sink, options);
    }
    finished = true;
  } finally {
    // After a failure, flush what was converted but let the original error surface.
    if (finished) await sink.close();
    else await sink.close().catch(() => undefined);
  }
  return tally.summary(last?.throttled ?? 0, last?.unprocessed ?? []);
}

/** The running totals of one run: the classic pull and the Transaction Search retrieval share it. */
export class PipelineTally {
  private traces = 0;
  private spans = 0;
  private documents = 0;
  private skipped = 0;
  private readonly skippedSamples: SkippedDocument[] = [];
  private joinedInvocations = 0;
  private malformedMetadata = 0;
  private readonly malformed: MalformedMetadata[] = [];

  /** One converted trace: counted, joined (hybrid), tagged with the environment and written. */
  async send(result: ConversionResult, sink: TraceSink, options: EnvironmentOptions): Promise<void> {
    this.documents += result.documents;
    this.skipped += result.skipped.length;
    for (const entry of result.skipped)
      if (this.skippedSamples.length < SKIPPED_SAMPLES) this.skippedSamples.push(entry);
    if (result.spans.length === 0) return;
    // No Datadog spans here: the hybrid join moves the X-Ray spans into the upstream trace, and
    // Datadog's backend finds the function's own spans there by id.
    const hybrid = joinHybrid(result.spans);
    this.joinedInvocations += hybrid.report.invocations.length;
    this.malformedMetadata += hybrid.report.malformed.length;
    for (const entry of hybrid.report.malformed)
      if (this.malformed.length < SKIPPED_SAMPLES) this.malformed.push(entry);
    this.traces += 1;
    this.spans += hybrid.spans.length;
    await sink.write(tagEnvironment(hybrid.spans, options));
  }

  summary(throttled: number, unprocessed: readonly string[]): PipelineSummary {
    return {
      traces: this.traces,
      spans: this.spans,
      documents: this.documents,
      skipped: this.skipped,
      skippedSamples: this.skippedSamples,
      throttled,
      unprocessed,
      joinedInvocations: this.joinedInvocations,
      malformedMetadata: this.malformedMetadata,
      malformedSamples: this.malformed,
    };
  }
}
