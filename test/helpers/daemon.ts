/**
 * A loopback stand-in for the X-Ray daemon: a UDP listener that keeps every datagram, byte for
 * byte, and lets a test await them instead of sleeping.
 */

import dgram from 'node:dgram';

export interface Datagram {
  readonly bytes: Buffer;
  /** The sender's port: the same port across sends means the same socket was reused. */
  readonly fromPort: number;
}

export interface DaemonStandIn {
  /** An `AWS_XRAY_DAEMON_ADDRESS` value pointing here (`127.0.0.1:port` or `[::1]:port`). */
  readonly address: string;
  readonly port: number;
  readonly datagrams: Datagram[];
  /** Resolves once `count` datagrams in all have arrived, with all of them. */
  waitFor(count: number): Promise<Datagram[]>;
  close(): Promise<void>;
}

export interface ParsedDatagram {
  /** The first line, without its newline. */
  readonly header: string;
  readonly document: Record<string, unknown> & { name?: string; metadata?: Record<string, any> };
}

export const EXPECTED_HEADER = '{"format":"json","version":1}';

/** Splits a datagram into its header line and its JSON document. */
export function parseDatagram(bytes: Buffer): ParsedDatagram {
  const text = bytes.toString('utf8');
  const newline = text.indexOf('\n');
  if (newline < 0) throw new Error(`no header line in datagram: ${text.slice(0, 80)}`);
  return { header: text.slice(0, newline), document: JSON.parse(text.slice(newline + 1)) };
}

export async function startDaemon(family: 'udp4' | 'udp6' = 'udp4'): Promise<DaemonStandIn> {
  const host = family === 'udp6' ? '::1' : '127.0.0.1';
  const socket = dgram.createSocket(family);
  const datagrams: Datagram[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (bytes, remote) => {
    datagrams.push({ bytes, fromPort: remote.port });
    for (const wake of waiters) wake();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const port = socket.address().port;
  return {
    address: family === 'udp6' ? `[${host}]:${port}` : `${host}:${port}`,
    port,
    datagrams,
    waitFor(count) {
      return new Promise((resolve) => {
        const check = () => {
          if (datagrams.length >= count) {
            waiters.delete(check);
            resolve(datagrams.slice());
          }
        };
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
