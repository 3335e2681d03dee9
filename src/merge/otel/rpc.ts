/**
 * RPC, and AWS SDK calls in particular (`rpc.system: aws-api`, `rpc.service: DynamoDB`,
 * `rpc.method: GetItem`, `aws.dynamodb.table_names`, `aws.s3.bucket`, `aws.sqs.queue.url`, …):
 * `aws.<service>.request` (`aws.dynamodb.request`, or `aws.client.request` without a service),
 * else `<system>.client.request` / `<system>.server.request`; resource `<method> <service>`; tags
 * `aws.operation`, `aws_service` and Datadog's `tablename` / `bucketname` / `queuename` /
 * `topicname` / `functionname`, the names the X-Ray converter writes for an `aws` subsegment.
 */

import { type Attributes, firstString } from './otel-span.ts';
import { type NamespaceRule, normalizeTagValue } from './semconv.ts';

export const rpc: NamespaceRule = {
  name(attributes, kind) {
    const raw = firstString(attributes, ['rpc.system']);
    if (raw === undefined) return undefined;
    const system = normalizeTagValue(raw);
    if (system === 'aws-api' && kind === 'client') {
      const service = firstString(attributes, ['rpc.service']);
      return service !== undefined ? `aws.${normalizeTagValue(service)}.request` : 'aws.client.request';
    }
    if (kind === 'client') return `${system}.client.request`;
    if (kind === 'server') return `${system}.server.request`;
    return undefined;
  },
  resource(attributes) {
    const method = firstString(attributes, ['rpc.method']);
    if (method === undefined) return undefined;
    const service = firstString(attributes, ['rpc.service']);
    return service !== undefined ? `${method} ${service}` : method;
  },
  tags(attributes, meta) {
    const system = firstString(attributes, ['rpc.system']);
    if (system === undefined) return;
    const service = firstString(attributes, ['rpc.service']);
    const method = firstString(attributes, ['rpc.method']);
    if (system !== 'aws-api') return;
    if (method !== undefined) meta['aws.operation'] = method;
    if (service !== undefined) meta.aws_service = service;
    awsTargets(attributes, meta);
  },
};

/** The thing an AWS call acted on, under Datadog's tag names. */
function awsTargets(attributes: Attributes, meta: Record<string, string>): void {
  const tables = attributes['aws.dynamodb.table_names'];
  const table =
    Array.isArray(tables) && typeof tables[0] === 'string'
      ? tables[0]
      : firstString(attributes, ['aws.table_name']);
  if (table !== undefined) meta.tablename = table;
  const bucket = firstString(attributes, ['aws.s3.bucket', 'aws.bucket_name']);
  if (bucket !== undefined) meta.bucketname = bucket;
  const queueUrl = firstString(attributes, ['aws.sqs.queue.url', 'aws.queue_url']);
  if (queueUrl !== undefined) meta.queuename = queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
  const topic = firstString(attributes, ['aws.sns.topic.arn', 'aws.topic_arn']);
  if (topic !== undefined) meta.topicname = topic.slice(topic.lastIndexOf(':') + 1);
  const fn = firstString(attributes, ['aws.lambda.function.name', 'faas.invoked_name']);
  if (fn !== undefined) meta.functionname = fn;
}
