/**
 * xray-dd-merge/merge: the merger as a library. Pull X-Ray traces, convert segment documents into
 * Datadog spans with the same id mapping the runtime uses, join them with Datadog spans, and
 * send them to an agent, NDJSON or an HTML flame graph. Also the scheduled Lambda handler.
 *
 * @example
 * import { convertTraces, joinSpans, pullTraces, sendToAgent } from 'xray-dd-merge/merge';
 * const traces = [];
 * for await (const trace of pullTraces({ window: { start: Date.now() - 900_000, end: Date.now() } })) {
 *   traces.push(...joinSpans(convertTraces([trace]).spans).traces);
 * }
 * await sendToAgent(traces, { url: 'http://127.0.0.1:8126' });
 */

export {
  type ConversionResult,
  type ConvertOptions,
  convertDocuments,
  convertTraces,
  originSpanName,
  secondsToNanos,
  type XRayTrace,
} from './convert.ts';
export { type DatadogInput, readDatadogSpans } from './datadog-input.ts';
export {
  type MetadataReading,
  readDatadogMetadata,
  UPSTREAM_TAG,
  type UpstreamContext,
} from './datadog-metadata.ts';
export { type EnvironmentOptions, tagEnvironment } from './environment.ts';
export { type FlameGraphOptions, renderFlameGraph } from './flamegraph.ts';
export {
  DATADOG_PARENT_TAG,
  type HybridJoinReport,
  type HybridJoinResult,
  type JoinedInvocation,
  joinHybrid,
  type MalformedMetadata,
  XRAY_PARENT_TAG,
  XRAY_TRACE_ID_TAG,
} from './hybrid-join.ts';
export {
  DEFAULT_SKEW_TOLERANCE_NS,
  type JoinOptions,
  type JoinReport,
  type JoinResult,
  joinSpans,
  type Orphan,
  type SpanRef,
} from './join.ts';
export { MERGER_DEFAULTS, type MergerSettings, resolveMergerSettings } from './merger-config.ts';
export { type PipelineSummary, pullIntoSink } from './pipeline.ts';
export { createProgressReporter, type ProgressReporter, type ProgressStream } from './progress.ts';
export { BATCH_SIZE, type PullOptions, type PullProgress, pullTraces } from './pull.ts';
export {
  createMergeHandler,
  type MergeEvent,
  MergeEventError,
  type MergeHandlerOptions,
  type MergeRunSummary,
  mergeHandler,
  windowOfEvent,
} from './scheduled.ts';
export {
  parseSegmentDocument,
  type SegmentDocument,
  type SegmentParse,
  type SkippedDocument,
  type XRayCause,
  type XRayException,
} from './segment-schema.ts';
export {
  AgentError,
  type AgentSendResult,
  type AgentSinkOptions,
  createAgentSink,
  encodeTraces,
  sendToAgent,
} from './sinks/agent.ts';
export { createNdjsonSink, formatNdjson, writeNdjson } from './sinks/ndjson.ts';
export type { TraceSink } from './sinks/sink.ts';
export { type DatadogSpan, ORIGIN_TAG, type SpanOrigin, spanOrigin } from './span.ts';
export {
  formatSpanJson,
  type IdForm,
  JsonNumber,
  parseExactJson,
  SpanJsonError,
  spanFromJson,
} from './span-json.ts';
export {
  HOUR_MS,
  MAX_WINDOW_MS,
  parseDuration,
  parseInstant,
  scheduledWindow,
  splitWindow,
  type TimeWindow,
} from './window.ts';
export {
  type BatchGetTracesInput,
  type BatchGetTracesPage,
  createXRayApi,
  isRetryable,
  type TraceSummariesInput,
  type TraceSummariesPage,
  type TraceSummary,
  type XRayApi,
  type XRayClientOptions,
} from './xray-client.ts';
export { readSegmentDocuments, type SegmentInput } from './xray-input.ts';
