/**
 * The `aws` namespace: every scalar under `aws` as `aws.<key>`, Datadog's usual names for what
 * the call acted on, and the resource of an AWS call (`PutItem orders`).
 */

import type { SegmentDocument } from '../segment-schema.ts';
import { META, type MetaTags, type MetricTags } from './tags.ts';

/**
 * `aws.<key>` for the keys X-Ray SDKs and AWS services write under `aws`, made once: a tag name
 * made by concatenation is a new string each time, which the record then has to look up again.
 */
const AWS_TAG_NAMES: ReadonlyMap<string, string> = new Map(
  [
    'account_id',
    'api_gateway',
    'bucket_name',
    'cloudwatch_logs',
    'consistent_read',
    'ec2',
    'ecs',
    'eks',
    'elastic_beanstalk',
    'function_arn',
    'function_name',
    'key',
    'operation',
    'queue_url',
    'region',
    'request_id',
    'resource_names',
    'retries',
    'table_name',
    'topic_arn',
    'xray',
  ].map((key) => [key, `aws.${key}`]),
);

/**
 * Every scalar under `aws` as `aws.<key>` (objects one level down), plus Datadog's usual names:
 * `region`, `tablename`, `bucketname`, `functionname`, `queuename` (the queue URL's last part) and
 * `topicname` (the topic ARN's last part), from non-empty strings.
 */
export function tagAws(
  doc: SegmentDocument,
  aws: Record<string, unknown>,
  meta: MetaTags,
  metrics: MetricTags,
): void {
  const keys = Object.keys(aws);
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i] as string;
    const value = aws[key];
    const name = AWS_TAG_NAMES.get(key) ?? `aws.${key}`;
    if (typeof value === 'string') {
      meta.setOther(name, value);
      if (value.length > 0) {
        switch (key) {
          case 'region':
            meta.setOwn(META['region'], value);
            break;
          case 'table_name':
            meta.setOwn(META['tablename'], value);
            break;
          case 'bucket_name':
            meta.setOwn(META['bucketname'], value);
            break;
          case 'function_name':
            meta.setOwn(META['functionname'], value);
            break;
          case 'queue_url':
            meta.setOwn(META['queuename'], value.slice(value.lastIndexOf('/') + 1));
            break;
          case 'topic_arn':
            meta.setOwn(META['topicname'], value.slice(value.lastIndexOf(':') + 1));
            break;
        }
      }
    } else tagAwsValue(name, value, 2, meta, metrics);
  }
  if (isAwsCall(doc)) {
    meta.setOwn(META['aws_service'], doc.name);
    tagAwsPeer(meta);
  }
  const origin = doc.origin?.toLowerCase();
  if ((origin === 'aws::lambda::function' || origin === 'aws::lambda') && !meta.hasOwn(META.functionname))
    meta.setOwn(META['functionname'], doc.name);
}

/** An AWS SDK call: namespace `aws`, in any case (X-Ray SDKs write `aws`; some producers `AWS`). */
export function isAwsCall(doc: SegmentDocument): boolean {
  const namespace = doc.namespace;
  return namespace !== undefined && (namespace === 'aws' || namespace.toLowerCase() === 'aws');
}

/** What the call acted on, in the order dd-trace picks `peer.service` for AWS calls. */
const PEER_SOURCES = ['tablename', 'queuename', 'topicname', 'bucketname', 'functionname'] as const;

function tagAwsPeer(meta: MetaTags): void {
  for (let i = 0; i < PEER_SOURCES.length; i += 1) {
    const source = PEER_SOURCES[i] as (typeof PEER_SOURCES)[number];
    const value = meta.getOwn(META[source]);
    if (value !== undefined) {
      meta.setOwn(META['peer.service'], value);
      meta.setOwn(META['_dd.peer.service.source'], source);
      return;
    }
  }
}

/** One value under `aws` at `name`; objects are followed down to `aws.<key>.<key>`. */
function tagAwsValue(name: string, value: unknown, depth: number, meta: MetaTags, metrics: MetricTags): void {
  if (typeof value === 'string') meta.setOther(name, value);
  else if (typeof value === 'boolean') meta.setOther(name, String(value));
  else if (typeof value === 'number') {
    if (Number.isFinite(value)) metrics.setOther(name, value);
  } else if (Array.isArray(value)) {
    if (allStrings(value)) meta.setOther(name, value.join(','));
  } else if (depth <= 2 && typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    for (let i = 0; i < keys.length; i += 1) {
      const key = keys[i] as string;
      tagAwsValue(`${name}.${key}`, record[key], depth + 1, meta, metrics);
    }
  }
}

function allStrings(values: readonly unknown[]): boolean {
  for (let i = 0; i < values.length; i += 1) if (typeof values[i] !== 'string') return false;
  return true;
}

/** `operation target`, or the operation alone; undefined when the call has no operation. */
export function awsResource(aws: Record<string, unknown> | undefined): string | undefined {
  const operation = stringField(aws, 'operation');
  if (operation === undefined) return undefined;
  const target = awsTarget(aws ?? {});
  return target !== undefined ? `${operation} ${target}` : operation;
}

/** The thing an AWS call acted on: a table, bucket, function, queue or topic. */
function awsTarget(aws: Record<string, unknown>): string | undefined {
  const direct =
    stringField(aws, 'table_name') ?? stringField(aws, 'bucket_name') ?? stringField(aws, 'function_name');
  if (direct !== undefined) return direct;
  const queueUrl = stringField(aws, 'queue_url');
  if (queueUrl !== undefined) return queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
  const topicArn = stringField(aws, 'topic_arn');
  if (topicArn !== undefined) return topicArn.slice(topicArn.lastIndexOf(':') + 1);
  const names = aws.resource_names;
  if (Array.isArray(names) && typeof names[0] === 'string') return names[0];
  return undefined;
}

function stringField(record: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = record?.[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
