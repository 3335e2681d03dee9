// One function process of the stream tests: runs the real stream handler (or the re-partitioning
// stage) and answers invocations sent over IPC, as a Lambda execution environment would run them.
// Settings come from the parent: CONSUMER_MODE (consume | repartition), AGENT_URL, KINESIS_URL,
// TARGET_STREAM, ID_MODE.
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { createKinesisPut } from '../../src/merge/kinesis-put.ts';
import { sendToAgent } from '../../src/merge/sinks/agent.ts';
import { createStreamHandler } from '../../src/stream/handler.ts';
import { createRepartitionHandler } from '../../src/stream/repartition.ts';
import { kinesisClientConfig } from './kinesis-api.ts';

const env = process.env;
const quiet = () => {};
const handler =
  env.CONSUMER_MODE === 'repartition'
    ? createRepartitionHandler({
        put: createKinesisPut(
          new KinesisClient(kinesisClientConfig(env.KINESIS_URL as string)),
          env.TARGET_STREAM as string,
          { sleep: async () => {} },
        ),
        warn: quiet,
      })
    : createStreamHandler({
        idMode: env.ID_MODE === 'full128' ? 'full128' : 'compat',
        send: async (traces) => {
          const result = await sendToAgent(traces, { url: env.AGENT_URL as string });
          // For the bench's latency figures: which spans the agent took, and when.
          if (env.REPORT_SENT === '1') reply({ sent: traces.flat().map((s) => s.span_id), at: Date.now() });
          return result;
        },
        warn: quiet,
      });

/** Replies while the parent listens; after it closed the channel (the run ended) there is no one to tell. */
function reply(message: unknown): void {
  if (process.connected) process.send?.(message, undefined, undefined, () => {});
}
process.on('error', () => {});
process.on('disconnect', () => process.exit(0));

process.on('message', async (message: { id: number; event: unknown }) => {
  try {
    const result = await handler(message.event);
    reply({ id: message.id, result });
  } catch (error) {
    reply({ id: message.id, error: (error as Error).message });
  }
});
reply({ ready: true });
