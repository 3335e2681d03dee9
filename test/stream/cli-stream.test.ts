// `xray-dd-merge stream`: replayed payloads in every accepted form, through the stream handler; a
// hybrid trace whose spans are in different files comes out joined.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { writeSubscriptionPayload } from '../../src/stream/subscription.ts';
import { type CliRun, root, runCli } from '../helpers/cli.ts';
import { generateTraces } from '../helpers/span-records.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'xddm-stream-'));

const cli = (args: string[], stdin = ''): Promise<CliRun> => runCli(['stream', ...args], { stdin });

const file = (name: string, content: string | Buffer) => {
  const at = path.join(dir, name);
  writeFileSync(at, content);
  return at;
};
const payload = (messages: readonly string[]) =>
  writeSubscriptionPayload(
    'aws/spans',
    messages.map((message, i) => ({ id: String(i), timestamp: 0, message })),
  );

describe('xray-dd-merge stream', () => {
  const envelope = readFileSync(path.join(root, 'test/fixtures/stream/data-message.json'), 'utf8');

  const forms: Array<[string, () => string[], string]> = [
    ['a raw gzip payload', () => [file('raw.gz', gzipSync(envelope))], ''],
    [
      'a direct subscription event',
      () => [file('ev.json', JSON.stringify({ awslogs: { data: gzipSync(envelope).toString('base64') } }))],
      '',
    ],
    [
      'a Kinesis event',
      () => [
        file(
          'k.json',
          JSON.stringify({ Records: [{ kinesis: { data: gzipSync(envelope).toString('base64') } }] }),
        ),
      ],
      '',
    ],
    ['base64 lines on stdin', () => [], `${gzipSync(envelope).toString('base64')}\n`],
    ['a decoded envelope', () => [file('env.json', envelope)], ''],
  ];
  for (const [name, args, stdin] of forms) {
    it(name, async () => {
      const run = await cli(args(), stdin);
      assert.equal(run.code, 0, run.stderr);
      const spans = run.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      assert.deepEqual(
        spans.map((s) => s.span_id),
        [BigInt('0xdefdfd9912dc5a56').toString(), BigInt('0x53995c3f42cd8ad8').toString()],
      );
      assert.match(run.stderr, /^stream: 1 payload, 2 spans; 0 invocations joined/m);
    });
  }

  it('a hybrid trace split over two files is joined; what is not a payload is named', async () => {
    const [trace] = generateTraces(1, { seed: 12, hybridShare: 1 });
    const records = trace?.records ?? [];
    const metadata = records.filter((r) => r.includes('datadog-metadata'));
    const others = records.filter((r) => !r.includes('datadog-metadata'));
    const run = await cli([
      file('a.gz', payload(others)),
      file('b.ndjson', `${payload(metadata).toString('base64')}\n{"hello":1}\n`),
    ]);
    assert.equal(run.code, 0, run.stderr);
    const spans = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.equal(spans.length, records.length);
    assert.deepEqual(new Set(spans.map((s) => s.trace_id)), new Set([trace?.upstream?.traceId]));
    assert.match(run.stderr, /skipped .*b\.ndjson:2: not a subscription event or payload/);
    assert.match(run.stderr, /1 invocation joined an upstream trace/);
  });
});
