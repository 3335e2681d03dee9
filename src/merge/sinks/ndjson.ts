/**
 * NDJSON sink: one span per line with the agent's field names; ids as decimal strings, `start`
 * and `duration` as exact integer nanoseconds (see span-json.ts). Writes with backpressure, so a
 * long pull streams through without piling up in memory.
 *
 * @example
 * await writeNdjson(spans, process.stdout);
 */

import type { Writable } from 'node:stream';
import type { DatadogSpan } from '../span.ts';
import { formatSpanJson } from '../span-json.ts';
import type { TraceSink } from './sink.ts';

/** The spans as NDJSON text, one line each, newline-terminated. */
export function formatNdjson(spans: Iterable<DatadogSpan>): string {
  let text = '';
  for (const span of spans) text += `${formatSpanJson(span)}\n`;
  return text;
}

export async function writeNdjson(spans: Iterable<DatadogSpan>, out: Writable): Promise<number> {
  let count = 0;
  for (const span of spans) {
    count += 1;
    if (!out.write(`${formatSpanJson(span)}\n`)) await drained(out);
  }
  return count;
}

/** A streaming NDJSON sink over a writable; `close` does not end the writable (it may be stdout). */
export function createNdjsonSink(out: Writable): TraceSink {
  return {
    async write(trace) {
      await writeNdjson(trace, out);
    },
    async close() {},
  };
}

function drained(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      out.off('error', onError);
      resolve();
    };
    const onError = (error: Error) => {
      out.off('drain', onDrain);
      reject(error);
    };
    out.once('drain', onDrain);
    out.once('error', onError);
  });
}
