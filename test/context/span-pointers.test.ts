// Span pointers and durable-function tags, table-driven. The hash vectors are the examples of Datadog's
// span pointer rules (github.com/DataDog/dd-span-pointer-rules, AWS/S3/Object and AWS/DynamoDB/Item),
// which dd-trace's AWS SDK plugin computes the same on the writer's side; the real samples' pointers
// are compared with datadog-lambda-js's in peer.differential.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { durableExecutionStatus, durableFunctionTags } from '../../src/context/durable-function.ts';
import { pointerHash, spanPointers } from '../../src/context/span-pointers.ts';
import { realFixture } from './fixtures.ts';

describe('span pointer hashes', () => {
  const cases: Array<[string, string[], string]> = [
    [
      'S3 object: bucket, key, ETag',
      ['some-bucket', 'some-key.data', 'ab12ef34'],
      'e721375466d4116ab551213fdea08413',
    ],
    [
      'DynamoDB item, one key',
      ['some-table', 'some-key', 'some-value', '', ''],
      '7f1aee721472bcb48701d45c7c7f7821',
    ],
  ];
  for (const [label, components, hash] of cases) it(label, () => assert.equal(pointerHash(components), hash));
});

function s3Event(eTag: string, eventName = 'ObjectCreated:Put') {
  return {
    Records: [{ eventName, s3: { bucket: { name: 'some-bucket' }, object: { key: 'some-key.data', eTag } } }],
  };
}
function streamEvent(
  keys: unknown,
  eventName = 'INSERT',
  arn = 'arn:aws:dynamodb:us-east-1:123456789012:table/some-table/stream/2015-06-27T00:48:05.899',
) {
  return { Records: [{ eventName, eventSourceARN: arn, dynamodb: { Keys: keys } }] };
}

describe('spanPointers', () => {
  // [case, source, event, the hashes]
  const cases: Array<[string, 's3' | 'dynamodb', unknown, string[]]> = [
    ['an S3 object created', 's3', s3Event('ab12ef34'), ['e721375466d4116ab551213fdea08413']],
    [
      'an ETag in quotes: the quotes are not hashed',
      's3',
      s3Event('"ab12ef34"'),
      ['e721375466d4116ab551213fdea08413'],
    ],
    ['an S3 object removed: no pointer', 's3', s3Event('ab12ef34', 'ObjectRemoved:Delete'), []],
    ['an S3 record without an ETag: no pointer', 's3', s3Event(''), []],
    [
      'a DynamoDB item, one key',
      'dynamodb',
      streamEvent({ 'some-key': { S: 'some-value' } }),
      ['7f1aee721472bcb48701d45c7c7f7821'],
    ],
    [
      'two keys: sorted by name, whatever their order in the event',
      'dynamodb',
      streamEvent({ b: { N: '2' }, a: { S: 'x' } }),
      [pointerHash(['some-table', 'a', 'x', 'b', '2'])],
    ],
    ['a key of an unknown type: no pointer', 'dynamodb', streamEvent({ k: { BOOL: true } }), []],
    [
      'an ARN without a table: no pointer',
      'dynamodb',
      streamEvent({ k: { S: 'v' } }, 'INSERT', 'stream-ARN'),
      [],
    ],
  ];
  for (const [label, source, event, hashes] of cases) {
    it(label, () => {
      const pointers = spanPointers(source, event as Record<string, unknown>);
      assert.deepEqual(
        pointers.map((p) => p.hash),
        hashes,
      );
      for (const p of pointers) {
        assert.equal(p.direction, 'u');
        assert.equal(p.kind, source === 's3' ? 'aws.s3.object' : 'aws.dynamodb.item');
      }
    });
  }

  it('one pointer per record of a real DynamoDB stream batch', () => {
    const event = realFixture('datadog-lambda-js/dynamodb');
    assert.equal(spanPointers('dynamodb', event).length, event.Records.length);
  });
});

describe('durable-function tags', () => {
  const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:orders:1/durable-execution/order-42/7f3c9a';
  const cases: Array<[string, unknown, Record<string, string> | undefined]> = [
    [
      'name and id from the ARN',
      { DurableExecutionArn: ARN },
      { 'aws.durable.execution_name': 'order-42', 'aws.durable.execution_id': '7f3c9a' },
    ],
    [
      'the first invocation: one operation in the initial state',
      { DurableExecutionArn: ARN, InitialExecutionState: { Operations: [{}] } },
      {
        'aws.durable.execution_name': 'order-42',
        'aws.durable.execution_id': '7f3c9a',
        'aws.durable.first_invocation': 'true',
      },
    ],
    [
      'a replay: more operations',
      { DurableExecutionArn: ARN, InitialExecutionState: { Operations: [{}, {}] } },
      {
        'aws.durable.execution_name': 'order-42',
        'aws.durable.execution_id': '7f3c9a',
        'aws.durable.first_invocation': 'false',
      },
    ],
    [
      'an ARN of another form: none',
      { DurableExecutionArn: 'arn:aws:lambda:us-east-1:1:function:f' },
      undefined,
    ],
    ['no ARN: none', { orders: 1 }, undefined],
  ];
  for (const [label, event, tags] of cases)
    it(label, () => assert.deepEqual(durableFunctionTags(event), tags));

  it('the execution status from the result, only for durable events and known statuses', () => {
    assert.equal(durableExecutionStatus({ DurableExecutionArn: ARN }, { Status: 'PENDING' }), 'PENDING');
    assert.equal(durableExecutionStatus({ DurableExecutionArn: ARN }, { Status: 'RUNNING' }), undefined);
    assert.equal(durableExecutionStatus({}, { Status: 'SUCCEEDED' }), undefined);
  });
});
