/**
 * OpenTelemetry input for the merger: OTLP/JSON exports (ADOT, the OTel collector) and Transaction
 * Search span records (`aws/spans`, `ListRetrievedTraces` in OTEL format) -> Datadog spans.
 */

export type { Attributes, AttributeValue, OtelEvent, OtelKind, OtelSpan } from './otel-span.ts';
export { type OtelRead, type OtelSkipped, readOtelSpans } from './read-otel.ts';
export { convertOtelSpans, NO_SERVICE, type OtelConvertOptions, xrayTraceIdOf } from './to-datadog.ts';
