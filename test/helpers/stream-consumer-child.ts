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
        send: (traces) => sendToAgent(traces, { url: env.AGENT_URL as string }),
        warn: quiet,
      });

process.on('message', async (message: { id: number; event: unknown }) => {
  try {
    const result = await handler(message.event);
    process.send?.({ id: message.id, result });
  } catch (error) {
    process.send?.({ id: message.id, error: (error as Error).message });
  }
});
process.send?.({ ready: true });
