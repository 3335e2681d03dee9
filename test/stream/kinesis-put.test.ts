// The re-partitioning stage's PutRecords against the Kinesis stand-in through the real SDK: entries
// Kinesis refuses (a hot shard) are put again, only those; past the attempts the call fails, so
// Lambda retries the batch.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { createKinesisPut } from '../../src/merge/kinesis-put.ts';
import { createRepartitionHandler } from '../../src/stream/repartition.ts';
import { readSubscriptionPayload, writeSubscriptionPayload } from '../../src/stream/subscription.ts';
import { type KinesisStandIn, kinesisClientConfig, startKinesis } from '../helpers/kinesis-api.ts';
import { generateTraces } from '../helpers/span-records.ts';

describe('createKinesisPut and the re-partitioning stage', () => {
  let kinesis: KinesisStandIn;
  let client: KinesisClient;
  before(async () => {
    kinesis = await startKinesis();
    client = new KinesisClient(kinesisClientConfig(kinesis.url));
    await client.send(new CreateStreamCommand({ StreamName: 'by-trace', ShardCount: 3 }));
  });
  after(async () => {
    client.destroy();
    await kinesis.close();
  });
  const noWait = { sleep: async () => {} };
  const entries = (n: number, tag: string) =>
    Array.from({ length: n }, (_, i) => ({ partitionKey: `${tag}-${i}`, data: Buffer.from(`${tag}-${i}`) }));

  it('throttled entries are put again until Kinesis takes them', async () => {
    const before = kinesis.records('by-trace').length;
    const calls = kinesis.calls.length;
    kinesis.throttleNextEntries(3);
    await createKinesisPut(client, 'by-trace', noWait)(entries(5, 'a'));
    const stored = kinesis
      .records('by-trace')
      .slice(before)
      .map((r) => r.data.toString())
      .sort();
    assert.deepEqual(stored, ['a-0', 'a-1', 'a-2', 'a-3', 'a-4']);
    assert.deepEqual(kinesis.calls.slice(calls), ['PutRecords', 'PutRecords']);
  });

  it('more than 500 entries go in calls of 500', async () => {
    const calls = kinesis.calls.length;
    await createKinesisPut(client, 'by-trace', noWait)(entries(1_201, 'b'));
    assert.deepEqual(kinesis.calls.slice(calls), ['PutRecords', 'PutRecords', 'PutRecords']);
  });

  it('still refused after the attempts: the call fails, naming the error', async () => {
    kinesis.throttleNextEntries(4);
    await assert.rejects(
      createKinesisPut(client, 'by-trace', { ...noWait, maxAttempts: 2 })(entries(3, 'c')),
      /Kinesis did not take 1 record\(s\) after 2 attempts \(ProvisionedThroughputExceededException\)/,
    );
  });

  it('the stage keys each trace by its id; a failed put reports the first record', async () => {
    const traces = generateTraces(4, { seed: 2 });
    const data = writeSubscriptionPayload(
      'aws/spans',
      traces.flatMap((t) => t.records).map((message, i) => ({ id: String(i), timestamp: 0, message })),
    ).toString('base64');
    const event = { Records: [{ kinesis: { data, sequenceNumber: '7' } }] };
    const handler = createRepartitionHandler({
      put: createKinesisPut(client, 'by-trace', noWait),
      warn: () => {},
    });
    assert.deepEqual(await handler(event), { batchItemFailures: [] });
    // records() lists shard by shard: the stage's records are the ones keyed by a trace id.
    const stored = kinesis.records('by-trace').filter((r) => /^[0-9a-f]{32}$/.test(r.partitionKey));
    assert.deepEqual(stored.map((r) => r.partitionKey).sort(), traces.map((t) => t.traceId).sort());
    for (const record of stored) {
      const payload = readSubscriptionPayload(record.data);
      const trace = traces.find((t) => t.traceId === record.partitionKey);
      assert.deepEqual(
        payload.kind === 'data' && [...payload.messages].sort(),
        [...(trace?.records ?? [])].sort(),
      );
    }
    const failing = createRepartitionHandler({
      put: async () => {
        throw new Error('down');
      },
      warn: () => {},
    });
    assert.deepEqual(await failing(event), { batchItemFailures: [{ itemIdentifier: '7' }] });
  });
});
