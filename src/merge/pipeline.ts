/**
 * The merger's streaming path: pull a window of X-Ray traces, convert each trace as it arrives,
 * hand it to a sink. Memory holds one trace at a time (plus what the puller keeps in flight), so
 * the CLI's `pull` and the scheduled handler can cover any window.
 *
 * @example
 * const sink = createAgentSink({ url: 'http://127.0.0.1:8126' });
 * const summary = await pullIntoSink({ window: { start, end } }, sink);
 */

import { type ConvertOptions, convertTraces } from './convert.ts';
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
  let traces = 0;
  let spans = 0;
  let documents = 0;
  let skipped = 0;
  const skippedSamples: SkippedDocument[] = [];
  let joinedInvocations = 0;
  let malformedMetadata = 0;
  const malformed: MalformedMetadata[] = [];
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
      const result = convertTraces([trace], options);
      documents += result.documents;
      skipped += result.skipped.length;
      for (const entry of result.skipped)
        if (skippedSamples.length < SKIPPED_SAMPLES) skippedSamples.push(entry);
      if (result.spans.length === 0) continue;
      // No Datadog spans here: the hybrid join moves the X-Ray spans into the upstream trace, and
      // Datadog's backend finds the function's own spans there by id.
      const hybrid = joinHybrid(result.spans);
      joinedInvocations += hybrid.report.invocations.length;
      malformedMetadata += hybrid.report.malformed.length;
      for (const entry of hybrid.report.malformed)
        if (malformed.length < SKIPPED_SAMPLES) malformed.push(entry);
      traces += 1;
      spans += hybrid.spans.length;
      await sink.write(tagEnvironment(hybrid.spans, options));
    }
    finished = true;
  } finally {
    // After a failure, flush what was converted but let the original error surface.
    if (finished) await sink.close();
    else await sink.close().catch(() => undefined);
  }
  return {
    traces,
    spans,
    documents,
    skipped,
    skippedSamples,
    throttled: last?.throttled ?? 0,
    unprocessed: last?.unprocessed ?? [],
    joinedInvocations,
    malformedMetadata,
    malformedSamples: malformed,
  };
}
