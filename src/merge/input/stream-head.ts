/**
 * The head of a byte stream, read before deciding how to read the rest: chunks are taken until
 * `enough(head)` says so or the stream ends, and `rest()` then yields the head followed by the
 * chunks not yet read, so the reader chosen sees the whole input once. Strings become UTF-8 bytes.
 *
 * @example
 * const { head, rest } = await readStreamHead(source, (head) => head.length >= 64 * 1024);
 * for await (const chunk of rest()) …
 */

export interface StreamHead {
  /** The chunks read so far, joined. */
  readonly head: Buffer;
  /** Whether the stream ended within the head. */
  readonly done: boolean;
  /** The whole input: the head, then the rest of the stream. Call it once. */
  rest(): AsyncGenerator<Buffer>;
}

export async function readStreamHead(
  source: AsyncIterable<Buffer | string>,
  enough: (head: Buffer) => boolean,
): Promise<StreamHead> {
  const iterator = source[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let head = Buffer.alloc(0);
  let done = false;
  for (;;) {
    const next = await iterator.next();
    if (next.done === true) {
      done = true;
      break;
    }
    chunks.push(bytesOf(next.value));
    head = Buffer.concat(chunks);
    if (enough(head)) break;
  }
  return {
    head,
    done,
    async *rest() {
      if (head.length > 0) yield head;
      if (done) return;
      for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
        yield bytesOf(next.value);
      }
    },
  };
}

function bytesOf(chunk: Buffer | string): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}
