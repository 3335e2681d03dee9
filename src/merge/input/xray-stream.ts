/**
 * Reads X-Ray segment documents from a byte stream, a piece at a time, in the forms people have at
 * hand, and never holds more than one trace object or one line:
 * - NDJSON: one JSON value per line (a segment document, or any of the forms below), read line by
 *   line; a line that is not JSON is counted with its line number and reason, not fatal;
 * - a `BatchGetTraces` response saved as JSON (`{"Traces":[{"Id","Segments":[{"Id","Document"}]}]}`,
 *   as the AWS CLI prints it), one trace `{"Id","Segments":[…]}`, or a JSON array of either or of
 *   documents, read value by value with a streaming JSON parser (@streamparser/json): each trace
 *   object is let go once it is handed on;
 * - a single document printed over several lines.
 * Which form it is comes from the first bytes: a first line that is a whole JSON value is NDJSON.
 *
 * Input that cannot be read at all is an {@link InputError} whose message is one line: empty input,
 * JSON cut short (with the line and column where it ends), text that is not JSON (with the first
 * line's reason).
 *
 * @example
 * for await (const batch of readXRayDocuments(await openInput('traces.json'), 'traces.json', report)) …
 */

import { StringDecoder } from 'node:string_decoder';
import { JSONParser } from '@streamparser/json';
import { InputError } from './input-error.ts';
import { readStreamHead } from './stream-head.ts';

/** Documents read together: one trace object's, or one line's. */
export interface DocumentBatch {
  /** The X-Ray trace id, when the input says it (a trace's `Id`, a document's `trace_id`). */
  readonly traceId: string | undefined;
  /** Segment documents as found: JSON text (`Document`) or parsed values. */
  readonly documents: unknown[];
  /** All of the trace's documents (a `BatchGetTraces` trace object); else more may follow. */
  readonly whole: boolean;
}

/** A line of NDJSON input that is not JSON. */
export interface NotJsonLine {
  readonly line: number;
  readonly reason: string;
}

/** What the reader saw besides documents; filled in as it reads. */
export interface ReadReport {
  /** The first lines that were not JSON (at most {@link MAX_LISTED_LINES}). */
  readonly notJson: NotJsonLine[];
  notJsonCount: number;
  bytes: number;
}

export const MAX_LISTED_LINES = 20;

export function createReadReport(): ReadReport {
  return { notJson: [], notJsonCount: 0, bytes: 0 };
}

/** How far the reader looks for the end of the first line before taking the input as one JSON text. */
const HEAD_LIMIT = 1024 * 1024;

/** A single document printed over several lines is at most this long (X-Ray's limit is 64 KB). */
const SINGLE_DOCUMENT_LIMIT = 1024 * 1024;

const HINT = 'expected X-Ray segment documents: a BatchGetTraces response (JSON) or NDJSON';

export async function* readXRayDocuments(
  source: AsyncIterable<Buffer | string>,
  name: string,
  report: ReadReport,
): AsyncGenerator<DocumentBatch> {
  // The head: up to the end of the first line that has something on it.
  const sniffed = await readStreamHead(source, (head) => {
    const start = firstNonSpace(head);
    return start >= 0 && (head.indexOf(0x0a, start) >= 0 || head.length >= HEAD_LIMIT);
  });
  const text = sniffed.head;
  const start = firstNonSpace(text);
  if (start < 0) {
    if (sniffed.done) throw new InputError(`${name}: empty input (no segment documents)`);
  }
  const rest = sniffed.rest();
  const first = text[start];
  const newline = text.indexOf(0x0a, start);
  const firstLine = newline >= 0 ? text.subarray(start, newline).toString('utf8') : undefined;
  if (first === 0x5b /* [ */ || (first === 0x7b /* { */ && (firstLine === undefined || !isJson(firstLine)))) {
    yield* readJsonText(rest, name, report, first === 0x5b);
  } else {
    yield* readNdjson(rest, name, report);
  }
}

/** The bytes already read, then the rest of the source. */
function firstNonSpace(bytes: Buffer): number {
  for (let i = 0; i < bytes.length; i += 1) {
    const byte = bytes[i] as number;
    // JSON whitespace, and a UTF-8 byte order mark.
    if (
      byte !== 0x20 &&
      byte !== 0x0a &&
      byte !== 0x0d &&
      byte !== 0x09 &&
      byte !== 0xef &&
      byte !== 0xbb &&
      byte !== 0xbf
    )
      return i;
  }
  return -1;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

async function* readNdjson(
  bytes: AsyncIterable<Buffer>,
  name: string,
  report: ReadReport,
): AsyncGenerator<DocumentBatch> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let line = 0;
  let documents = 0;
  let firstBad: NotJsonLine | undefined;
  const take = function* (text: string, last: boolean): Generator<DocumentBatch> {
    line += 1;
    const trimmed = text.trim();
    if (trimmed.length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      const at = /at position (\d+)/.exec((error as Error).message)?.[1];
      const truncated =
        last &&
        (/end of (JSON )?input|Unterminated/i.test((error as Error).message) || Number(at) >= trimmed.length);
      const bad = { line, reason: truncated ? 'JSON cut short at the end of the input' : jsonReason(error) };
      firstBad ??= bad;
      report.notJsonCount += 1;
      if (report.notJson.length < MAX_LISTED_LINES) report.notJson.push(bad);
      return;
    }
    if (isPlainDocument(value)) {
      // The line's own text: the converter's fast path takes documents as JSON text (it checks a
      // value it parsed itself in place, where a parsed one from elsewhere goes through the schema).
      documents += 1;
      yield { traceId: traceIdOf(value), documents: [trimmed], whole: false };
      return;
    }
    for (const batch of batchesOf(value, undefined)) {
      documents += batch.documents.length;
      yield batch;
    }
  };
  for await (const chunk of bytes) {
    report.bytes += chunk.length;
    pending += decoder.write(chunk);
    let newline = pending.indexOf('\n');
    let from = 0;
    while (newline >= 0) {
      yield* take(pending.slice(from, newline), false);
      from = newline + 1;
      newline = pending.indexOf('\n', from);
    }
    pending = pending.slice(from);
  }
  pending += decoder.end();
  if (pending.length > 0) yield* take(pending, true);
  if (documents === 0 && firstBad !== undefined) {
    throw new InputError(`${name}: not JSON: line ${firstBad.line}: ${firstBad.reason} (${HINT})`);
  }
}

/** `JSON.parse`'s message, without the echo of the input it adds on newer V8s. */
function jsonReason(error: unknown): string {
  const message = (error as Error).message;
  return message
    .replace(/, "[\s\S]*" is not valid JSON$/, '')
    .replace(/^Unexpected token '(.)'.*/, "unexpected '$1'")
    .replace(/ in JSON at position \d+ \(line \d+ column (\d+)\)$/, ' at column $1');
}

/**
 * Streams one JSON text (or several in a row) with a streaming parser that hands over each trace
 * (`$.Traces.*`), each document of a top-level trace (`$.Segments.*`, with `$.Id` as its trace id),
 * or each element of a top-level array, and keeps nothing it has handed over.
 */
async function* readJsonText(
  bytes: AsyncIterable<Buffer>,
  name: string,
  report: ReadReport,
  array: boolean,
): AsyncGenerator<DocumentBatch> {
  const parser = new JSONParser({
    paths: array ? ['$.*'] : ['$.Traces.*', '$.Segments.*', '$.Id'],
    keepStack: false,
    separator: '',
  });
  const queue: DocumentBatch[] = [];
  let rootTraceId: string | undefined;
  let emitted = 0;
  let failure: Error | undefined;
  parser.onValue = ({ value, key, stack }) => {
    emitted += 1;
    const parentKey = stack.length >= 2 ? stack[stack.length - 1]?.key : undefined;
    if (!array && stack.length === 1 && key === 'Id') {
      rootTraceId = typeof value === 'string' ? value : undefined;
      return;
    }
    if (!array && parentKey === 'Segments') {
      const segment = value as Record<string, unknown> | null;
      const document =
        typeof segment === 'object' && segment !== null && 'Document' in segment ? segment.Document : segment;
      queue.push({ traceId: rootTraceId, documents: [document], whole: false });
      return;
    }
    for (const batch of batchesOf(value, undefined)) queue.push(batch);
  };
  parser.onError = (error) => {
    failure ??= error;
  };
  // The offset of the last token, for errors the token parser reports without one (an unexpected
  // `]`): the tokenizer's `onToken` is wrapped to see it. Internal to the library, hence the cast;
  // input-stream.test.ts covers it.
  let lastTokenOffset = -1;
  const tokenizer = (parser as unknown as { tokenizer?: { onToken: (token: { offset: number }) => void } })
    .tokenizer;
  if (tokenizer !== undefined) {
    const forward = tokenizer.onToken;
    tokenizer.onToken = (token) => {
      lastTokenOffset = token.offset;
      forward(token);
    };
  }
  // Where the input is, for messages: lines and the bytes since the last newline, before `chunk`.
  const position = new Position();
  // The first bytes, kept in case the whole input is one document printed over several lines.
  const kept: Buffer[] = [];
  let keptBytes = 0;
  for await (const chunk of bytes) {
    report.bytes += chunk.length;
    if (keptBytes <= SINGLE_DOCUMENT_LIMIT) {
      kept.push(chunk);
      keptBytes += chunk.length;
    }
    try {
      parser.write(chunk);
    } catch (error) {
      failure ??= error as Error;
    }
    if (failure !== undefined) throw parseFailure(name, failure, position, chunk, emitted, lastTokenOffset);
    position.advance(chunk);
    yield* queue.splice(0);
  }
  try {
    parser.end();
  } catch (error) {
    failure ??= error as Error;
  }
  if (failure !== undefined) throw parseFailure(name, failure, position, undefined, emitted);
  yield* queue.splice(0);
  if (!array && emitted === 0 && keptBytes <= SINGLE_DOCUMENT_LIMIT) {
    // No trace and no `Segments`: one document (or several in a row) printed over several lines.
    const text = Buffer.concat(kept).toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // Several values in a row: each a document.
      value = undefined;
    }
    if (value !== undefined) yield* batchesOf(value, undefined);
  }
}

function parseFailure(
  name: string,
  error: Error,
  position: Position,
  chunk: Buffer | undefined,
  emitted: number,
  lastTokenOffset = -1,
): InputError {
  const read = `after ${emitted} value${emitted === 1 ? '' : 's'}`;
  if (chunk === undefined || /ended in mid-parsing|Unexpected end/i.test(error.message)) {
    return new InputError(
      `${name}: JSON cut short: the input ends inside a value at ${position.here()} (${read})`,
      {
        cause: error,
      },
    );
  }
  // The tokenizer says where (`absolute position "15"`); the token parser names the token only.
  const absolute =
    /absolute position "(\d+)"/.exec(error.message)?.[1] ??
    (lastTokenOffset >= 0 ? lastTokenOffset : undefined);
  const unexpected = /Unexpected "(.+?)"|Unexpected \w+ \("(.+?)"\)/.exec(error.message);
  const token = unexpected?.[1] ?? unexpected?.[2];
  const where = absolute !== undefined ? position.at(Number(absolute), chunk) : position.here();
  return new InputError(
    `${name}: not JSON at ${where}${token !== undefined ? `: unexpected '${token}'` : ''} (${read}; ${HINT})`,
    { cause: error },
  );
}

/** Line and column (1-based, columns in bytes) of byte offsets, tracked chunk by chunk. */
class Position {
  /** Bytes before the current chunk. */
  private offset = 0;
  /** Newlines before the current chunk. */
  private lines = 0;
  /** Bytes after the last newline before the current chunk. */
  private column = 0;

  advance(chunk: Buffer): void {
    this.offset += chunk.length;
    const last = chunk.lastIndexOf(0x0a);
    if (last < 0) this.column += chunk.length;
    else {
      this.lines += count(chunk, chunk.length);
      this.column = chunk.length - last - 1;
    }
  }

  /** Where the byte at `absolute` is, within `chunk` (the chunk being written). */
  at(absolute: number, chunk: Buffer): string {
    const within = Math.min(Math.max(absolute - this.offset, 0), chunk.length);
    const before = chunk.subarray(0, within);
    const last = before.lastIndexOf(0x0a);
    const line = this.lines + count(chunk, within) + 1;
    const column = last < 0 ? this.column + within + 1 : within - last;
    return `line ${line}, column ${column} (byte ${absolute})`;
  }

  /** Where the input read so far ends. */
  here(): string {
    return `line ${this.lines + 1}, column ${this.column + 1} (byte ${this.offset})`;
  }
}

function count(chunk: Buffer, end: number): number {
  let lines = 0;
  for (let i = chunk.indexOf(0x0a); i >= 0 && i < end; i = chunk.indexOf(0x0a, i + 1)) lines += 1;
  return lines;
}

/** A single segment document (not a trace, a `BatchGetTraces` response or an array). */
function isPlainDocument(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !Array.isArray((value as Record<string, unknown>).Traces) &&
    !Array.isArray((value as Record<string, unknown>).Segments)
  );
}

function traceIdOf(document: Record<string, unknown>): string | undefined {
  return typeof document.trace_id === 'string' ? document.trace_id.toLowerCase() : undefined;
}

/** The documents in one parsed value, a batch per trace object, per document, per array element. */
function* batchesOf(value: unknown, traceId: string | undefined): Generator<DocumentBatch> {
  if (Array.isArray(value)) {
    for (const item of value) yield* batchesOf(item, traceId);
    return;
  }
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    if (Array.isArray(record.Traces)) {
      for (const trace of record.Traces) yield* batchesOf(trace, undefined);
      return;
    }
    if (Array.isArray(record.Segments)) {
      const id = typeof record.Id === 'string' ? record.Id : undefined;
      const documents = record.Segments.map((segment) => {
        const document = (segment as Record<string, unknown> | null)?.Document;
        return document ?? segment;
      });
      yield { traceId: id, documents, whole: true };
      return;
    }
    yield { traceId: traceIdOf(record) ?? traceId, documents: [value], whole: false };
    return;
  }
  yield { traceId, documents: [value], whole: false };
}
