/**
 * Sends documents to the X-Ray daemon over UDP. The only module that uses `node:dgram`.
 *
 * One socket per process (per address family), made on the first send rather than at import so a
 * cold start that sends nothing pays nothing, then reused, and unref'd so it never keeps the
 * process alive. Fire-and-forget: a send never throws, never waits, and a failure costs one debug
 * line. A datagram is `{"format":"json","version":1}` + `\n` + the document, at most 65,507 bytes
 * (larger sends fail with EMSGSIZE): an oversize document loses its largest metadata entries until it
 * fits, or is dropped.
 *
 * @example
 * sendToDaemon(config.daemonAddress, { name: 'datadog-metadata', type: 'subsegment', … });
 */

import type dgram from 'node:dgram';
import { describeError, log } from '../log.ts';
import { type DaemonEndpoint, parseDaemonAddress } from './daemon.ts';

export const DATAGRAM_HEADER = '{"format":"json","version":1}\n';
/** The largest UDP payload over IPv4: 65,535 minus the IP and UDP headers. */
export const MAX_DATAGRAM_BYTES = 65_507;

/**
 * A segment or subsegment document (other fields as X-Ray defines them); `metadata` is
 * `{ namespace: { key: value } }`.
 */
export interface XRayDocument {
  readonly name: string;
  readonly metadata?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

function encode(document: XRayDocument): Buffer {
  return Buffer.from(DATAGRAM_HEADER + JSON.stringify(document), 'utf8');
}

/**
 * The datagram for a document, or undefined when it cannot be made to fit. An oversize document
 * loses whole metadata entries, largest first, until it fits; if it fits only with none left, the
 * metadata was the point of it and it is dropped. Pure apart from one debug line.
 */
export function encodeDatagram(document: XRayDocument): Buffer | undefined {
  const whole = encode(document);
  if (whole.length <= MAX_DATAGRAM_BYTES) return whole;

  const metadata = document.metadata ?? {};
  const entries: Array<{ namespace: string; key: string; size: number }> = [];
  for (const [namespace, values] of Object.entries(metadata)) {
    for (const [key, value] of Object.entries(values)) {
      entries.push({ namespace, key, size: Buffer.byteLength(JSON.stringify(value) ?? '') });
    }
  }
  entries.sort((a, b) => b.size - a.size);
  const kept = new Map(Object.entries(metadata).map(([ns, values]) => [ns, { ...values }]));
  const removed: string[] = [];
  for (const entry of entries.slice(0, -1)) {
    const values = kept.get(entry.namespace);
    if (values) delete values[entry.key];
    removed.push(`${entry.namespace}.${entry.key}`);
    const trimmed = encode({ ...document, metadata: Object.fromEntries(kept) });
    if (trimmed.length <= MAX_DATAGRAM_BYTES) {
      log.debug(
        `X-Ray document of ${whole.length} bytes is over ${MAX_DATAGRAM_BYTES}; sent without metadata ${removed.join(', ')}`,
      );
      return trimmed;
    }
  }
  log.debug(
    `X-Ray document of ${whole.length} bytes is over ${MAX_DATAGRAM_BYTES} and cannot be trimmed to fit; not sent`,
  );
  return undefined;
}

// Process-wide resources, not per-invocation state: the sockets and the parsed address.
const sockets = new Map<4 | 6, dgram.Socket>();
let lastAddress: { readonly value: string; readonly endpoint: DaemonEndpoint | undefined } | undefined;

/**
 * The UDP endpoint for an `AWS_XRAY_DAEMON_ADDRESS` value, parsed once per distinct value. An invalid
 * value gives one warning and undefined: nothing is sent, the function is unaffected.
 */
export function daemonEndpoint(value: string): DaemonEndpoint | undefined {
  if (lastAddress?.value === value) return lastAddress.endpoint;
  const result = parseDaemonAddress(value);
  if (!result.ok) {
    log.once(
      'warn',
      `daemon-address:${value}`,
      `AWS_XRAY_DAEMON_ADDRESS=${JSON.stringify(value)} is not a valid X-Ray daemon address ` +
        `(${result.reason}); nothing is sent to the X-Ray daemon`,
    );
  }
  lastAddress = { value, endpoint: result.ok ? result.address.udp : undefined };
  return lastAddress.endpoint;
}

function socketFor(family: 4 | 6): dgram.Socket {
  const existing = sockets.get(family);
  if (existing) return existing;
  // `node:dgram` is loaded here, on the first send, not at import: most invocations never send
  // (their context came from X-Ray), and loading it costs about 0.8 ms of every cold start.
  const socket = process.getBuiltinModule('node:dgram').createSocket(family === 6 ? 'udp6' : 'udp4');
  socket.on('error', (error) => {
    // A broken socket is replaced on the next send.
    log.once(
      'debug',
      `daemon-socket:${describeError(error)}`,
      `X-Ray daemon socket: ${describeError(error)}`,
    );
    if (sockets.get(family) === socket) sockets.delete(family);
    try {
      socket.close();
    } catch {
      // already closed
    }
  });
  socket.unref();
  sockets.set(family, socket);
  return socket;
}

function onSent(error: Error | null): void {
  if (!error) return;
  const code = (error as NodeJS.ErrnoException).code ?? error.name;
  log.once('debug', `daemon-send:${code}`, `sending to the X-Ray daemon failed: ${describeError(error)}`);
}

/**
 * Sends one document to the daemon at `address` (an `AWS_XRAY_DAEMON_ADDRESS` value). Returns at
 * once; never throws.
 */
export function sendToDaemon(address: string, document: XRayDocument): void {
  try {
    const endpoint = daemonEndpoint(address);
    if (!endpoint) return;
    const datagram = encodeDatagram(document);
    if (!datagram) return;
    socketFor(endpoint.family).send(datagram, endpoint.port, endpoint.host, onSent);
  } catch (error) {
    log.once(
      'debug',
      `daemon-send:${describeError(error)}`,
      `sending to the X-Ray daemon failed: ${describeError(error)}`,
    );
  }
}
