/**
 * Messaging (`messaging.system`, `messaging.operation.type` / `messaging.operation`,
 * `messaging.destination.name`): `<system>.<operation>` (`aws_sqs.receive`, `kafka.publish`) for
 * client, server, producer and consumer spans; resource `<operation> <destination>`; tags
 * `messaging.system`, `messaging.destination`, and for SQS and SNS Datadog's `queuename` /
 * `topicname`.
 */

import { firstString } from './otel-span.ts';
import { type NamespaceRule, normalizeTagValue } from './semconv.ts';

const OPERATION = ['messaging.operation.type', 'messaging.operation', 'messaging.operation.name'];
const DESTINATION = ['messaging.destination.name', 'messaging.destination'];

export const messaging: NamespaceRule = {
  name(attributes, kind) {
    const system = firstString(attributes, ['messaging.system']);
    const operation = firstString(attributes, OPERATION);
    if (system === undefined || operation === undefined || kind === 'internal' || kind === 'unspecified')
      return undefined;
    return `${normalizeTagValue(system)}.${normalizeTagValue(operation)}`;
  },
  resource(attributes) {
    const operation = firstString(attributes, OPERATION);
    if (operation === undefined) return undefined;
    const destination = firstString(attributes, DESTINATION);
    return destination !== undefined ? `${operation} ${destination}` : operation;
  },
  tags(attributes, meta) {
    const system = firstString(attributes, ['messaging.system']);
    if (system === undefined) return;
    meta['messaging.system'] = system;
    const destination = firstString(attributes, DESTINATION);
    if (destination === undefined) return;
    meta['messaging.destination'] = destination;
    if (system === 'aws_sqs' || system === 'AmazonSQS') meta.queuename = destination;
    if (system === 'aws_sns' || system === 'AmazonSNS') meta.topicname = destination;
  },
};
