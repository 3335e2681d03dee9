/**
 * Replay: subscription payloads saved from anywhere, read back as one Kinesis batch in one tumbling
 * window, so `xray-dd-merge stream` converts and joins them with the handler's own code. A file may
 * hold:
 * - a raw payload (gzip bytes, as in a Kinesis record's data or an S3 export of one);
 * - a Lambda event: `{"awslogs":{"data"}}` or `{"Records":[{"kinesis":{"data"}}]}`, or a JSON array
 *   of such events;
 * - lines, each a Lambda event or a base64 payload (one record per line, as `aws kinesis
 *   get-records --query 'Records[].Data' --output text` prints them, one per line);
 * - decoded envelopes (`{"messageType":"DATA_MESSAGE",…}`), gzipped again here.
 * Pure: bytes in, payload records out; what is not recognised is reported with its place.
 */

import { gzipSync } from 'node:zlib';

export interface ReplayRecords {
  /** Base64 payloads, in input order. */
  readonly payloads: string[];
  readonly unrecognised: string[];
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function readReplayInput(
  bytes: Uint8Array,
  name: string,
  into: ReplayRecords = { payloads: [], unrecognised: [] },
): ReplayRecords {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    into.payloads.push(Buffer.from(bytes).toString('base64'));
    return into;
  }
  const text = Buffer.from(bytes).toString('utf8').trim();
  if (text === '') return into;
  try {
    collect(JSON.parse(text), `${name}`, into);
    return into;
  } catch {
    // Not one JSON value: read it line by line.
  }
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const where = `${name}:${index + 1}`;
    if (BASE64.test(line) && line.length % 4 === 0) {
      into.payloads.push(line);
      return;
    }
    try {
      collect(JSON.parse(line), where, into);
    } catch {
      into.unrecognised.push(`${where}: neither JSON nor base64`);
    }
  });
  return into;
}

function collect(value: unknown, where: string, into: ReplayRecords): void {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) collect(item, `${where}[${i}]`, into);
    return;
  }
  const event = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const awslogs = event.awslogs as { data?: unknown } | undefined;
  if (typeof awslogs?.data === 'string') {
    into.payloads.push(awslogs.data);
  } else if (Array.isArray(event.Records)) {
    event.Records.forEach((record, i) => {
      const data = (record as { kinesis?: { data?: unknown } } | null)?.kinesis?.data;
      if (typeof data === 'string') into.payloads.push(data);
      else into.unrecognised.push(`${where}: Records[${i}] has no kinesis.data`);
    });
  } else if (event.messageType === 'DATA_MESSAGE' || event.messageType === 'CONTROL_MESSAGE') {
    into.payloads.push(gzipSync(JSON.stringify(event)).toString('base64'));
  } else into.unrecognised.push(`${where}: not a subscription event or payload`);
}

/** The replay as the handler's input: one batch, then the window's final invocation. */
export function replayEvents(payloads: readonly string[]): [unknown, (state: unknown) => unknown] {
  const window = { start: '1970-01-01T00:00:00Z', end: '1970-01-01T00:15:00Z' };
  return [
    {
      Records: payloads.map((data, i) => ({ kinesis: { data, sequenceNumber: String(i + 1) } })),
      window,
      state: {},
    },
    (state) => ({ Records: [], window, state, isFinalInvokeForWindow: true }),
  ];
}
