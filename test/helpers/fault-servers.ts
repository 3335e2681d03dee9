/**
 * Loopback stand-ins for a Datadog agent (and X-Ray daemon) that misbehave, each one way: nothing
 * listening, accepting and never answering, answering 500, resetting the connection. Each counts
 * what reached it, so a test can prove the fault was actually exercised.
 */

import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';

export interface FaultServer {
  /** `http://127.0.0.1:port`, for `DD_TRACE_AGENT_URL`. */
  readonly url: string;
  readonly port: number;
  /** Requests (or connections, for servers that never read) that reached the server. */
  readonly hits: () => number;
  close(): Promise<void>;
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

function closer(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
}

function tracked(server: net.Server): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return sockets;
}

/**
 * A port on loopback with nothing listening: connections are refused (the agent is down).
 * The port is taken from the OS and released, so nothing else holds it.
 */
export async function refusingPort(): Promise<{ url: string; port: number }> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { url: `http://127.0.0.1:${port}`, port };
}

/** An agent that accepts the connection, reads the request, and never answers (the agent is hung). */
export async function silentAgent(): Promise<FaultServer> {
  let hits = 0;
  const server = http.createServer((req) => {
    hits += 1;
    req.resume();
  });
  // Never time the request out server-side: the client has to give up on its own.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = 0;
  const sockets = tracked(server);
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, port, hits: () => hits, close: closer(server, sockets) };
}

/** An agent that answers every request with `status` (500 by default) and a body that is not JSON. */
export async function failingAgent(status = 500): Promise<FaultServer> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits += 1;
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end('agent exploded');
    });
  });
  const sockets = tracked(server);
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, port, hits: () => hits, close: closer(server, sockets) };
}

/** A TCP server that resets every connection as soon as it is accepted. */
export async function resettingAgent(): Promise<FaultServer> {
  let hits = 0;
  const server = net.createServer((socket) => {
    hits += 1;
    socket.resetAndDestroy();
  });
  const sockets = tracked(server);
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, port, hits: () => hits, close: closer(server, sockets) };
}

/** A UDP port on loopback with nothing bound to it (the X-Ray daemon is not running). */
export async function closedUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** A UDP listener standing in for the X-Ray daemon: collects every datagram it receives. */
export async function udpDaemon(): Promise<{
  readonly address: string;
  readonly datagrams: Buffer[];
  close(): Promise<void>;
}> {
  const datagrams: Buffer[] = [];
  const socket = dgram.createSocket('udp4');
  socket.on('message', (message) => datagrams.push(message));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  return {
    address: `127.0.0.1:${port}`,
    datagrams,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
