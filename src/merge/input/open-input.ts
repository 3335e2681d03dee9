/**
 * Opens an input file as a byte stream, with the reasons it cannot be read as one line each (the
 * path, and what is wrong with it) instead of Node's error codes.
 *
 * @example
 * const bytes = await openInput('traces.json'); // AsyncIterable<Buffer>
 */

import { open } from 'node:fs/promises';
import { InputError } from './input-error.ts';

/** Reads in pieces of this size: the reader never holds more than a piece and one document. */
const CHUNK_BYTES = 256 * 1024;

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  ENOTDIR: 'no such file (a part of the path is not a directory)',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory, not a file',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the path is too long',
};

/** One line for a file system error on `path`. */
export function describeFileError(path: string, error: unknown): InputError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = (code !== undefined ? REASONS[code] : undefined) ?? (error as Error).message;
  return new InputError(`${path}: ${reason}`, { cause: error });
}

export async function openInput(path: string): Promise<AsyncIterable<Buffer>> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw describeFileError(path, error);
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (error) {
    await handle.close();
    throw describeFileError(path, error);
  }
  return readChunks(handle, path);
}

async function* readChunks(handle: Awaited<ReturnType<typeof open>>, path: string): AsyncGenerator<Buffer> {
  try {
    for (;;) {
      const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, null));
      } catch (error) {
        throw describeFileError(path, error);
      }
      if (bytesRead === 0) return;
      yield bytesRead === CHUNK_BYTES ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** A whole text file, with the same one-line reasons as {@link openInput}. */
export async function readTextInput(path: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await openInput(path)) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
