// The test driver that plays Lambda's event source mapping, checked against a scripted function:
// shard order, checkpoints, retries of a failed invocation, item failures, the on-failure
// destination, and tumbling windows with the state kept outside the function.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { type KinesisEvent, runEventSourceMapping } from '../helpers/event-source-mapping.ts';
import { type KinesisStandIn, kinesisClientConfig, startKinesis } from '../helpers/kinesis-api.ts';

describe('the event source mapping driver', () => {
  let kinesis: KinesisStandIn;
  let client: KinesisClient;
  let now = 0;
  let streams = 0;
  before(async () => {
    kinesis = await startKinesis({ clock: () => now });
    client = new KinesisClient(kinesisClientConfig(kinesis.url));
  });
  after(async () => {
    client.destroy();
    await kinesis.close();
  });

  /** A stream of `n` records `r0..r{n-1}` with one partition key per shard's worth, 1 s apart. */
  async function stream(n: number, shards: number) {
    const name = `s${streams++}`;
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
    for (let i = 0; i < n; i += 1) {
      await client.send(
        new PutRecordsCommand({
          StreamName: name,
          Records: [{ PartitionKey: `k${i % 3}`, Data: Buffer.from(`r${i}`) }],
        }),
      );
      now += 1000;
    }
    return name;
  }
  const dataOf = (event: KinesisEvent) =>
    event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString());

  it('delivers each shard in order, retries a failed invocation, restarts after an item failure', async () => {
    const name = await stream(12, 2);
    const seen: string[][] = [];
    let calls = 0;
    let itemFailed = false;
    const result = await runEventSourceMapping({
      client,
      stream: name,
      batchSize: 4,
      puts: new EventEmitter(),
      producerDone: Promise.resolve(),
      invoke: async (event) => {
        calls += 1;
        if (calls === 2) throw new Error('the function process died');
        seen.push(dataOf(event));
        const third = event.Records[2];
        if (!itemFailed && third !== undefined) {
          itemFailed = true;
          return { batchItemFailures: [{ itemIdentifier: third.kinesis.sequenceNumber }] };
        }
        return { batchItemFailures: [] };
      },
    });
    const delivered = new Set(seen.flat());
    assert.deepEqual([...delivered].sort(), Array.from({ length: 12 }, (_, i) => `r${i}`).sort());
    // Per shard, each batch starts where the checkpoint is: never before an acknowledged record.
    assert.equal(result.failedInvocations, 2, 'one dead process, one item failure');
    assert.equal(result.onFailure.length, 0);
    assert.equal(result.checkpoints.size, 2);
    const restarted = seen.find((batch, i) => i > 0 && seen[0]?.[2] !== undefined && batch[0] === seen[0][2]);
    assert.ok(
      restarted,
      `the batch after the item failure starts at the failed record: ${JSON.stringify(seen)}`,
    );
  });

  it('a batch that keeps failing goes to the on-failure destination after maxRetries, and the shard moves on', async () => {
    const name = await stream(6, 1);
    const seen: string[] = [];
    const result = await runEventSourceMapping({
      client,
      stream: name,
      batchSize: 2,
      maxRetries: 2,
      puts: new EventEmitter(),
      producerDone: Promise.resolve(),
      invoke: async (event) => {
        const data = dataOf(event);
        if (data.includes('r2')) throw new Error('poison');
        seen.push(...data);
        return {};
      },
    });
    assert.deepEqual(result.onFailure.map(dataOf), [['r2', 'r3']]);
    assert.equal(result.failedInvocations, 3, 'the first attempt and two retries');
    assert.deepEqual(seen, ['r0', 'r1', 'r4', 'r5']);
  });

  it('tumbling windows: batches never span two windows; the state goes from one invocation to the next; each window ends with a final invocation', async () => {
    now = 0;
    const name = await stream(7, 1); // arrivals at 0..6 s
    const calls: Array<{ data: string[]; state: unknown; final: boolean; window?: string }> = [];
    await runEventSourceMapping({
      client,
      stream: name,
      batchSize: 2,
      tumblingWindowSeconds: 3,
      puts: new EventEmitter(),
      producerDone: Promise.resolve(),
      invoke: async (event) => {
        calls.push({
          data: dataOf(event),
          state: event.state,
          final: event.isFinalInvokeForWindow === true,
          ...(event.window ? { window: event.window.start } : {}),
        });
        return { state: { seen: [...((event.state as { seen?: string[] }).seen ?? []), ...dataOf(event)] } };
      },
    });
    assert.deepEqual(
      calls.map((c) => [
        c.window?.slice(17, 19),
        c.data,
        c.final,
        (c.state as { seen?: string[] }).seen ?? [],
      ]),
      [
        ['00', ['r0', 'r1'], false, []],
        ['00', ['r2'], false, ['r0', 'r1']],
        ['00', [], true, ['r0', 'r1', 'r2']],
        ['03', ['r3', 'r4'], false, []],
        ['03', ['r5'], false, ['r3', 'r4']],
        ['03', [], true, ['r3', 'r4', 'r5']],
        ['06', ['r6'], false, []],
        ['06', [], true, ['r6']],
      ],
    );
  });
});
