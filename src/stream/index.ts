/**
 * `xray-dd-merge/stream`: the merger at account scale. Every span of a Transaction Search account
 * (the CloudWatch Logs group `aws/spans`), in real time, through a subscription filter, to Datadog.
 *
 * Two Lambda handlers, configured from the environment (`DD_TRACE_AGENT_URL`, `DD_XRAY_TRACE_ID_MODE`,
 * `DD_MERGER_REPARTITION_STREAM`):
 * - `handler`: the consumer. A direct subscription (`awslogs`), a Kinesis batch, or a Kinesis batch
 *   in a tumbling window (the hybrid join across batches); spans go to the Datadog extension.
 * - `repartitionHandler`: the subscription stream's consumer that re-keys every span record by its
 *   trace id onto `DD_MERGER_REPARTITION_STREAM`, whose consumer is `handler` with a tumbling window.
 *
 * The runtime entry (`xray-dd-merge`) never loads this module.
 *
 * @example
 * // Lambda handler setting: node_modules/xray-dd-merge/dist/stream.handler, or:
 * export { handler } from 'xray-dd-merge/stream';
 */

import { mergerEnvironment } from '../config.ts';
import { createKinesisPut, KinesisClient } from '../merge/kinesis-put.ts';
import { resolveMergerSettings } from '../merge/merger-config.ts';
import { sendToAgent } from '../merge/sinks/agent.ts';
import { readStreamEvent } from './event.ts';
import { createStreamHandler, type StreamResult } from './handler.ts';
import { createRepartitionHandler } from './repartition.ts';

export { readStreamEvent, type StreamEvent } from './event.ts';
export {
  createStreamHandler,
  DEFAULT_HOLD_CAP_BYTES,
  type StreamHandlerOptions,
  type StreamReport,
  type StreamResult,
} from './handler.ts';
export { EMPTY_HOLD, type HoldState, type HoldStep, holdStep, type ReleaseGroup } from './hold.ts';
export { classifyRecord } from './record.ts';
export { createRepartitionHandler, type RepartitionOptions } from './repartition.ts';
export { convertSpanRecords, groupByTrace } from './spans.ts';
export {
  readSubscriptionPayload,
  type SubscriptionPayload,
  writeSubscriptionPayload,
} from './subscription.ts';

let consumer: ((event: unknown) => Promise<StreamResult>) | undefined;
let repartitioner: ((event: unknown) => Promise<StreamResult>) | undefined;

/** The consumer, built on first use from the environment (settings are read once per process). */
export function handler(event: unknown): Promise<StreamResult> {
  if (consumer === undefined) {
    const settings = resolveMergerSettings(mergerEnvironment());
    consumer = createStreamHandler({
      idMode: settings.traceIdMode,
      send: (traces) => sendToAgent(traces, { url: settings.agentUrl }),
    });
  }
  return consumer(event);
}

/** The re-partitioning stage, built on first use from the environment. */
export function repartitionHandler(event: unknown): Promise<StreamResult> {
  if (repartitioner === undefined) {
    const environment = mergerEnvironment();
    const stream = environment.repartitionStream?.trim();
    if (!stream) {
      // Without a target nothing can be re-keyed: the batch stays in its stream (the iterator-age
      // alarm fires) rather than being dropped.
      console.warn(
        '[xray-dd-merge] repartition: DD_MERGER_REPARTITION_STREAM is not set; the batch is left in the stream',
      );
      const first = readStreamEvent(event);
      const id = first.source === 'kinesis' ? first.records[0]?.id : undefined;
      return Promise.resolve({ batchItemFailures: id !== undefined ? [{ itemIdentifier: id }] : [] });
    }
    const endpoint = environment.kinesisEndpoint?.trim();
    const client = new KinesisClient(endpoint ? { endpoint } : {});
    repartitioner = createRepartitionHandler({ put: createKinesisPut(client, stream) });
  }
  return repartitioner(event);
}
