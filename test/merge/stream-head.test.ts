// The head of a byte stream: read until the caller has enough or the stream ends, then the whole
// input once through rest(), whatever the chunks were.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readStreamHead } from '../../src/merge/input/stream-head.ts';

async function* from(chunks: readonly (Buffer | string)[], pulled: { count: number }) {
  for (const chunk of chunks) {
    pulled.count += 1;
    yield chunk;
  }
}

async function collect(chunks: AsyncGenerator<Buffer>): Promise<string> {
  const seen: Buffer[] = [];
  for await (const chunk of chunks) seen.push(chunk);
  return Buffer.concat(seen).toString('utf8');
}

describe('readStreamHead', () => {
  const cases: {
    name: string;
    chunks: (Buffer | string)[];
    enough: (head: Buffer) => boolean;
    head: string;
    done: boolean;
    pulled: number;
  }[] = [
    {
      name: 'stops at the first chunk that is enough',
      chunks: ['ab', 'cd', 'ef', 'gh'],
      enough: (head) => head.length >= 3,
      head: 'abcd',
      done: false,
      pulled: 2,
    },
    {
      name: 'stops on content (a newline), not only on size',
      chunks: [Buffer.from('{"a":'), Buffer.from('1}\n{"b"'), Buffer.from(':2}\n')],
      enough: (head) => head.includes(0x0a),
      head: '{"a":1}\n{"b"',
      done: false,
      pulled: 2,
    },
    {
      name: 'a stream shorter than enough is read whole and done',
      chunks: ['é', 'x'],
      enough: (head) => head.length >= 64 * 1024,
      head: 'éx',
      done: true,
      pulled: 2,
    },
    {
      name: 'an empty stream',
      chunks: [],
      enough: () => true,
      head: '',
      done: true,
      pulled: 0,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const pulled = { count: 0 };
      const sniffed = await readStreamHead(from(c.chunks, pulled), c.enough);
      assert.equal(sniffed.head.toString('utf8'), c.head);
      assert.equal(sniffed.done, c.done);
      assert.equal(pulled.count, c.pulled, 'chunks taken before rest() is read');
      assert.equal(await collect(sniffed.rest()), c.chunks.join(''));
    });
  }
});
