/**
 * A span's name and type from what the document is: its `origin` (`AWS::Lambda::Function` ->
 * `aws.lambda.function`, `serverless`), else a `sql` call, an AWS SDK call (`aws.request`, as
 * dd-trace names them), a remote HTTP call, or a plain segment or subsegment.
 */

import type { SegmentDocument } from '../segment-schema.ts';

/**
 * Span types of the origins X-Ray writes, by origin in lowercase (producers differ in case); other
 * AWS origins are calls over HTTP. The list: the developer guide's segment origins, the inferred
 * segments X-Ray makes for AWS calls (`AWS::SNS` has no `::Topic`), and the compute origins the
 * OpenTelemetry collector's X-Ray exporter writes. A Map: only its own keys are found (an origin
 * such as "constructor" is not), and the lookup is quicker.
 */
export const ORIGIN_TYPES: ReadonlyMap<string, string> = new Map(
  [
    ['AWS::Lambda', 'serverless'],
    ['AWS::Lambda::Function', 'serverless'],
    ['AWS::StepFunctions::StateMachine', 'serverless'],
    ['AWS::ApiGateway::Stage', 'web'],
    ['AWS::ElasticLoadBalancing::LoadBalancer', 'web'],
    ['AWS::ElasticLoadBalancingV2::LoadBalancer', 'web'],
    ['AWS::EC2::Instance', 'web'],
    ['AWS::ECS::Container', 'web'],
    ['AWS::ECS::EC2', 'web'],
    ['AWS::ECS::Fargate', 'web'],
    ['AWS::EKS::Container', 'web'],
    ['AWS::ElasticBeanstalk::Environment', 'web'],
    ['AWS::AppRunner::Service', 'web'],
    ['AWS::AppSync::GraphQLAPI', 'graphql'],
    ['AWS::DynamoDB::Table', 'db'],
    ['AWS::RDS::DBInstance', 'sql'],
    ['AWS::S3::Bucket', 'http'],
    ['AWS::SQS', 'queue'],
    ['AWS::SQS::Queue', 'queue'],
    ['AWS::SNS', 'queue'],
    ['AWS::SNS::Topic', 'queue'],
    ['AWS::Events::EventBus', 'queue'],
    ['AWS::Kinesis', 'queue'],
    ['AWS::Kinesis::Stream', 'queue'],
  ].map(([origin, type]) => [(origin as string).toLowerCase(), type as string]),
);

/**
 * Span names that must not follow the generic rule: the Lambda service's segment would become
 * `aws.lambda`, the name of the runtime's own span in the same trace.
 */
const ORIGIN_NAMES: ReadonlyMap<string, string> = new Map([['aws::lambda', 'aws.lambda.service']]);

/** `AWS::Lambda::Function` -> `aws.lambda.function`; `AWS::Lambda` -> `aws.lambda.service`; in any case. */
export function originSpanName(origin: string): string {
  const named = ORIGIN_NAMES.get(origin.toLowerCase());
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
    const lower = origin.toLowerCase();
    const known = ORIGIN_TYPES.get(lower);
    kind = {
      name: originSpanName(origin),
      type: known ?? (lower.startsWith('aws::') ? 'http' : 'custom'),
    };
    // Origins come from the documents: only the known ones are kept (each in the cases seen, few),
    // so memory stays bounded.
    if (known !== undefined && ORIGIN_KINDS.size < 256) ORIGIN_KINDS.set(origin, kind);
  }
  return kind;
}

/** @param segment a top-level segment, not a subsegment */
export function spanKind(doc: SegmentDocument, segment: boolean): SpanKind {
  const origin = doc.origin;
  if (origin !== undefined) return originKind(origin);
  if (doc.sql !== undefined) return SQL_QUERY;
  const namespace = doc.namespace === undefined ? undefined : lowerNamespace(doc.namespace);
  if (namespace === 'aws') return doc.name.toLowerCase() === 'dynamodb' ? AWS_DB_REQUEST : AWS_REQUEST;
  if (segment) return doc.http?.request ? WEB_SEGMENT : SEGMENT;
  if (namespace === 'remote' && doc.http !== undefined) return HTTP_REQUEST;
  return SUBSEGMENT;
}

/** `aws` and `remote` as X-Ray SDKs write them take no copy; other cases are lowered. */
export function lowerNamespace(namespace: string): string {
  return namespace === 'aws' || namespace === 'remote' ? namespace : namespace.toLowerCase();
}
