/**
 * xray-dd-merge: AWS X-Ray and Datadog APM as one trace for Node.js Lambda functions.
 *
 * @example
 * import { withXRayMerge } from 'xray-dd-merge';
 * export const handler = withXRayMerge(async (event) => ({ statusCode: 200 }));
 */

export type { Config, Options, TraceExtractor } from './config.ts';
export { resolveConfig } from './config.ts';
export { getTraceHeaders } from './handler/trace-headers.ts';
export { datadog, withXRayMerge } from './handler/wrap.ts';
export { sendDistributionMetric, sendDistributionMetricWithDate } from './metrics/distribution.ts';
export {
  canParent,
  formatTraceHeader,
  type ParentableTraceHeader,
  parseTraceHeader,
  type Sampled,
  type TraceHeader,
} from './xray/header.ts';
export {
  type DatadogTraceId,
  datadogSpanId,
  datadogTraceId,
  samplingPriority,
  type TraceIdMode,
  type XRaySampling,
  xraySegmentId,
} from './xray/ids.ts';
