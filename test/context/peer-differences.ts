/**
 * Where this package's `aws.lambda` span knowingly differs from datadog-lambda-js's on the real event
 * samples (see peer.differential.test.ts). Each entry is a peer bug or a deliberate, documented
 * choice; the test fails when an entry no longer differs, so the list cannot go stale.
 */

/** The parts of the span the libraries are compared on. */
export type Field = 'trace' | 'parent' | 'priority' | 'tid' | 'span';

export interface KnownDifference {
  readonly kind: 'peer bug' | 'deliberate';
  readonly reason: string;
  /** Which runs it applies to: merging on, off or both. */
  readonly merge: 'on' | 'off' | 'both';
  /** Sample names it applies to (path under test/fixtures/events/real, without `.json`). */
  readonly samples: RegExp;
  /** Only where this package's span has this `_dd.parent_source`. */
  readonly parentSource?: string;
  /** The fields that differ. */
  readonly fields: readonly Field[];
}

const STEP_FUNCTIONS = /(^|\/)(step-functions-in-.*|states)$/;
const JAVA_UPSTREAM = /java-upstream$/;
const APPSYNC_WITHOUT_HEADERS = /rum-appsync-(no-headers|request-not-dict)$/;

export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  {
    kind: 'peer bug',
    reason:
      'datadog-lambda-js builds the X-Ray parent itself (SpanContextWrapper.fromTraceContext) with the ' +
      'sampling priority as a string ("2"); dd-trace reads only numbers, so its span has no priority ' +
      'and Sampled=1 is not kept as X-Ray decided. Ours is USER_KEEP (2).',
    merge: 'on',
    samples: /./,
    parentSource: 'xray',
    fields: ['priority'],
  },
  {
    kind: 'peer bug',
    reason:
      'The same string priority in its Step Functions context (StepFunctionContextService builds ' +
      'the span context with priority "1"): its span has none. Ours is AUTO_KEEP (1), as Datadog ' +
      'documents for Step Functions.',
    merge: 'both',
    samples: STEP_FUNCTIONS,
    fields: ['priority'],
  },
  {
    kind: 'peer bug',
    reason:
      "dd-trace-java's padded AWSTraceHeader: datadog-lambda-js takes Sampled=1 as priority 1 and " +
      'passes it as the string "1", so its span has none. Ours reads Sampled=1 as USER_KEEP (2), as ' +
      'for any X-Ray header.',
    merge: 'both',
    samples: JAVA_UPSTREAM,
    fields: ['priority'],
  },
  {
    kind: 'peer bug',
    reason:
      'An AppSync event without request.headers: datadog-lambda-js copies event.request.headers into ' +
      "event.headers (changing the user's event) and reads it with Object.entries, which throws; the " +
      'invocation then gets no aws.lambda span at all. Ours reads no context there and makes the span ' +
      '(a root, or the X-Ray parent when merging).',
    merge: 'both',
    samples: APPSYNC_WITHOUT_HEADERS,
    fields: ['span'],
  },
];

/**
 * Where this package's inferred (managed-service) spans knowingly differ from datadog-lambda-js's, on
 * the same samples with DD_TRACE_MANAGED_SERVICES on in both (peer.differential.test.ts). Each entry
 * names the samples, the span, and what differs; the test fails when an entry no longer applies.
 */
export interface KnownInferredDifference {
  readonly kind: 'peer bug' | 'deliberate';
  readonly reason: string;
  readonly samples: RegExp;
  /** The inferred span's name, or `*` for every inferred span of those samples. */
  readonly span: string;
  /** What differs: a tag key, or `span` when one side has no such span. */
  readonly fields: readonly string[];
}

export const KNOWN_INFERRED_DIFFERENCES: readonly KnownInferredDifference[] = [
  {
    kind: 'peer bug',
    reason:
      'The AppSync events without request.headers: datadog-lambda-js throws before making any span ' +
      '(see KNOWN_DIFFERENCES); there is nothing of its to compare. Neither library infers a span ' +
      'for AppSync.',
    samples: APPSYNC_WITHOUT_HEADERS,
    span: 'aws.lambda',
    fields: ['span'],
  },
  {
    kind: 'peer bug',
    reason:
      'A DynamoDB stream record whose eventSourceARN has no `/table/` part ("stream-ARN" in ' +
      "aws-lambda-go's time-window sample): datadog-lambda-js names the resource `INSERT undefined`. " +
      'Ours names it `INSERT ` and leaves tablename out, as datadog-lambda-js leaves it out.',
    samples: /dynamodb-time-window-event$/,
    span: 'aws.dynamodb',
    fields: ['resource', 'resource_names'],
  },
  {
    kind: 'peer bug',
    reason:
      'A traced authorizer that wrote x-datadog-parent-span-finish-time in milliseconds (older ' +
      'tracers, datadog-lambda-python samples): datadog-lambda-js divides it by 1e6 anyway and starts ' +
      'the authorizer span in January 1970. Ours reads a value below 1e14 as milliseconds, so the ' +
      'authorizer span and the API Gateway span after it start when the authorizer finished.',
    samples:
      /datadog-lambda-python\/authorizer-(token-api-gateway-v1|request-api-gateway-websocket-connect)$/,
    span: '*',
    fields: ['start', 'end'],
  },
];

/** Tags this package adds to inferred spans on purpose, which datadog-lambda-js does not set. */
export const OUR_EXTRA_INFERRED_TAGS: Readonly<Record<string, string>> = {
  'aws.apigateway.request_id':
    "API Gateway's own request id on aws.apigateway / aws.httpapi: X-Ray's AWS::ApiGateway::Stage " +
    'segment carries the same id, and the merger removes the duplicate hop by it (README, "No hop twice").',
};
