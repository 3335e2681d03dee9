/**
 * A span's name and type from what the document is: its `origin` (`AWS::Lambda::Function` ->
 * `aws.lambda.function`, `serverless`), else a `sql` call, an AWS SDK call (`aws.request`, as
 * dd-trace names them), a remote HTTP call, or a plain segment or subsegment.
 */

import type { SegmentDocument } from '../segment-schema.ts';

/**
 * Span types of the origins X-Ray writes; other AWS origins are calls over HTTP. A Map: only its
 * own keys are found (an origin such as "constructor" is not), and the lookup is quicker.
 */
export const ORIGIN_TYPES: ReadonlyMap<string, string> = new Map([
  ['AWS::Lambda', 'serverless'],
  ['AWS::Lambda::Function', 'serverless'],
  ['AWS::StepFunctions::StateMachine', 'serverless'],
  ['AWS::ApiGateway::Stage', 'web'],
  ['AWS::ElasticLoadBalancingV2::LoadBalancer', 'web'],
  ['AWS::EC2::Instance', 'web'],
  ['AWS::ECS::Container', 'web'],
  ['AWS::EKS::Container', 'web'],
  ['AWS::ElasticBeanstalk::Environment', 'web'],
  ['AWS::AppSync::GraphQLAPI', 'graphql'],
  ['AWS::DynamoDB::Table', 'db'],
  ['AWS::RDS::DBInstance', 'sql'],
  ['AWS::SQS::Queue', 'queue'],
  ['AWS::SNS::Topic', 'queue'],
  ['AWS::Events::EventBus', 'queue'],
  ['AWS::Kinesis::Stream', 'queue'],
]);

/**
 * Span names that must not follow the generic rule: the Lambda service's segment would become
 * `aws.lambda`, the name of the runtime's own span in the same trace.
 */
const ORIGIN_NAMES: Readonly<Record<string, string>> = {
  'AWS::Lambda': 'aws.lambda.service',
};

/** `AWS::Lambda::Function` -> `aws.lambda.function`; `AWS::Lambda` -> `aws.lambda.service`. */
export function originSpanName(origin: string): string {
  const named = Object.hasOwn(ORIGIN_NAMES, origin) ? ORIGIN_NAMES[origin] : undefined;
  if (named !== undefined) return named;
  const slug = origin
    .split('::')
    .map((part) =>
      part
        .trim()
        .toLowerCase()
        .replace(/[^a-z0-9_]+/g, '_'),
    )
    .filter((part) => part.length > 0)
    .join('.');
  return slug.length > 0 ? slug : 'xray.segment';
}

/** {@link originSpanName} of the origins X-Ray writes, worked out once. */
const KNOWN_SPAN_NAMES: ReadonlyMap<string, string> = new Map(
  [...ORIGIN_TYPES.keys()].map((origin) => [origin, originSpanName(origin)]),
);

export function spanNameOf(origin: string): string {
  return KNOWN_SPAN_NAMES.get(origin) ?? originSpanName(origin);
}

/** A span's name and type; the common ones are shared constants, so no object is made per span. */
export interface SpanKind {
  readonly name: string;
  readonly type: string;
}

const SQL_QUERY: SpanKind = { name: 'sql.query', type: 'sql' };
const AWS_DB_REQUEST: SpanKind = { name: 'aws.request', type: 'db' };
const AWS_REQUEST: SpanKind = { name: 'aws.request', type: 'http' };
const WEB_SEGMENT: SpanKind = { name: 'xray.segment', type: 'web' };
const SEGMENT: SpanKind = { name: 'xray.segment', type: 'custom' };
const HTTP_REQUEST: SpanKind = { name: 'http.request', type: 'http' };
const SUBSEGMENT: SpanKind = { name: 'xray.subsegment', type: 'custom' };

/** Kinds by origin, made on first use. */
const ORIGIN_KINDS = new Map<string, SpanKind>();

function originKind(origin: string): SpanKind {
  let kind = ORIGIN_KINDS.get(origin);
  if (kind === undefined) {
    kind = {
      name: spanNameOf(origin),
      type: ORIGIN_TYPES.get(origin) ?? (origin.startsWith('AWS::') ? 'http' : 'custom'),
    };
    // Origins come from the documents: only the known ones are kept, so memory stays bounded.
    if (ORIGIN_TYPES.has(origin)) ORIGIN_KINDS.set(origin, kind);
  }
  return kind;
}

/** @param segment a top-level segment, not a subsegment */
export function spanKind(doc: SegmentDocument, segment: boolean): SpanKind {
  const origin = doc.origin;
  if (origin !== undefined) return originKind(origin);
  if (doc.sql !== undefined) return SQL_QUERY;
  const namespace = doc.namespace;
  if (namespace === 'aws') return doc.name === 'DynamoDB' ? AWS_DB_REQUEST : AWS_REQUEST;
  if (segment) return doc.http?.request ? WEB_SEGMENT : SEGMENT;
  if (namespace === 'remote' && doc.http !== undefined) return HTTP_REQUEST;
  return SUBSEGMENT;
}
