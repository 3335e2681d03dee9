/**
 * xray-dd-merge/merge: the merger as a library. Pull X-Ray traces, convert segment documents into
 * Datadog spans with the same id mapping the runtime uses, join them with Datadog spans, and
 * send them to an agent, NDJSON or an HTML flame graph. Also the scheduled Lambda handler, accounts
 * with CloudWatch Transaction Search (`pullAccount`), and OpenTelemetry input (`readTraceInput`).
 *
 * @example
 * import { convertTraces, joinSpans, pullTraces, sendToAgent } from 'xray-dd-merge/merge';
 * const traces = [];
 * for await (const trace of pullTraces({ window: { start: Date.now() - 900_000, end: Date.now() } })) {
 *   traces.push(...joinSpans(convertTraces([trace]).spans).traces);
 * }
 * await sendToAgent(traces, { url: 'http://127.0.0.1:8126' });
 */

export { type AccountCheck, checkAccount } from './account.ts';
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
export { documentFormat, type TraceFormat } from './format.ts';
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
export {
  type Attributes,
  type AttributeValue,
  convertOtelSpans,
  NO_SERVICE,
  type OtelConvertOptions,
  type OtelKind,
  type OtelRead,
  type OtelSkipped,
  type OtelSpan,
  readOtelSpans,
  xrayTraceIdOf,
} from './otel/index.ts';
export { type PipelineSummary, PipelineTally, pullIntoSink } from './pipeline.ts';
export { createProgressReporter, type ProgressReporter, type ProgressStream } from './progress.ts';
export { BATCH_SIZE, type PullOptions, type PullProgress, pullTraces } from './pull.ts';
export {
  type AccountPullOptions,
  type AccountPullSummary,
  describeBatch,
  pullAccount,
} from './pull-account.ts';
export {
  RETRIEVAL_BATCH_SIZE,
  type RetrievalBatch,
  RetrievalDeniedError,
  type RetrievedItem,
  type RetrieveOptions,
  type RetrieveSummary,
  retrieveTraces,
  windowOfTraceIds,
} from './retrieve.ts';
export { createRetrying, type Retrying, type RetryOptions } from './retry.ts';
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
  type DatadogTraceIds,
  normalizeTraceId,
  readTraceIdList,
  type TraceIdList,
  traceIdsOfDatadogSpans,
} from './trace-ids.ts';
export {
  addTraceDocument,
  convertTraceInput,
  emptyTraceInput,
  readTraceInput,
  type TraceInput,
} from './trace-input.ts';
export {
  createTransactionSearchApi,
  type DestinationResult,
  type IndexingRuleSummary,
  type RetrievalFormat,
  type RetrievalStatus,
  type RetrievedTrace,
  type RetrievedTracesPage,
  type SegmentDestination,
  type TransactionSearchApi,
} from './transaction-search-client.ts';
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
  type TraceSummariesInput,
  type TraceSummariesPage,
  type TraceSummary,
  type XRayApi,
} from './xray-client.ts';
export { readSegmentDocuments, type SegmentInput } from './xray-input.ts';
export { isAccessDenied, isRetryable, type XRayClientOptions } from './xray-sdk.ts';
