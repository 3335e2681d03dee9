// The UDP emitter against a loopback daemon stand-in: exact datagram bytes, one lazy reused socket,
// the 65,507-byte limit, and faults that cost one log line and never a throw.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { after, before, describe, it, mock } from 'node:test';
import { setLogLevel } from '../../src/log.ts';
import {
  DATAGRAM_HEADER,
  encodeDatagram,
  MAX_DATAGRAM_BYTES,
  sendToDaemon,
  type XRayDocument,
} from '../../src/xray/emitter.ts';
import { type DaemonStandIn, EXPECTED_HEADER, parseDatagram, startDaemon } from '../helpers/daemon.ts';

// Spy on socket creation from the start, before the emitter has sent anything.
const createSocket = mock.method(dgram, 'createSocket');

/** Records the package's log lines (console.log / console.warn) and lets a test await one. */
function captureLog() {
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const record = (...args: unknown[]) => {
    const line = args.map(String).join(' ');
    lines.push(line);
    for (const waiter of waiters.splice(0)) {
      if (waiter.pattern.test(line)) waiter.resolve(line);
      else waiters.push(waiter);
    }
  };
  mock.method(console, 'log', record);
  mock.method(console, 'warn', record);
  return {
    lines,
    matching: (pattern: RegExp) => lines.filter((l) => pattern.test(l)),
    waitFor: (pattern: RegExp) =>
      new Promise<string>((resolve) => {
        const seen = lines.find((l) => pattern.test(l));
        if (seen) resolve(seen);
        else waiters.push({ pattern, resolve });
      }),
  };
}

const logs = captureLog();
let daemon: DaemonStandIn;
/** Sockets made by the test's own daemon stand-ins, not by the emitter. */
let standInSockets = 0;

before(async () => {
  setLogLevel('debug');
  daemon = await startDaemon();
  standInSockets = createSocket.mock.callCount();
});

/** Sockets the emitter made. */
const emitterSockets = () => createSocket.mock.callCount() - standInSockets;
after(() => daemon.close());

/** Sends a marker document and awaits it: everything sent before it on the same socket has arrived. */
async function control(): Promise<void> {
  const start = daemon.datagrams.length;
  sendToDaemon(daemon.address, { name: 'control' });
  for (let count = start + 1; ; count += 1) {
    const all = await daemon.waitFor(count);
    if (all.slice(start).some((d) => parseDatagram(d.bytes).document.name === 'control')) return;
  }
}

/** A document whose datagram is exactly `bytes` long, padded in `pad`. */
function documentOfSize(bytes: number, extra: Partial<XRayDocument> = {}): XRayDocument {
  const base = { name: 'sized', ...extra, pad: '' };
  const overhead = Buffer.byteLength(DATAGRAM_HEADER + JSON.stringify(base));
  return { ...base, pad: 'p'.repeat(bytes - overhead) } as XRayDocument;
}

describe('UDP emitter', () => {
  it('creates no socket at import: the first send makes it', () => {
    assert.equal(emitterSockets(), 0);
  });

  it('sends the header line and the JSON document, byte for byte', async () => {
    const document = {
      id: '70de5b6f19ff9a0a',
      trace_id: '1-5e272390-8c398be037738dc042009320',
      parent_id: '94ae789b969f1cc5',
      name: 'datadog-metadata',
      start_time: 1712345678.125,
      end_time: 1712345678.125,
      type: 'subsegment',
    };
    sendToDaemon(daemon.address, document);
    const [datagram] = await daemon.waitFor(1);
    assert.ok(datagram);
    assert.equal(
      datagram.bytes.toString('utf8'),
      '{"format":"json","version":1}\n' +
        '{"id":"70de5b6f19ff9a0a","trace_id":"1-5e272390-8c398be037738dc042009320",' +
        '"parent_id":"94ae789b969f1cc5","name":"datadog-metadata","start_time":1712345678.125,' +
        '"end_time":1712345678.125,"type":"subsegment"}',
    );
    assert.equal(emitterSockets(), 1);
    assert.deepEqual(createSocket.mock.calls[standInSockets]?.arguments, ['udp4']);
  });

  it('reuses that one socket for every later send', async () => {
    const start = daemon.datagrams.length;
    for (let i = 0; i < 5; i += 1) sendToDaemon(daemon.address, { name: `n${i}` });
    const got = (await daemon.waitFor(start + 5)).slice(start);
    assert.deepEqual(
      got.map((d) => parseDatagram(d.bytes).document.name),
      ['n0', 'n1', 'n2', 'n3', 'n4'],
    );
    const ports = new Set(daemon.datagrams.map((d) => d.fromPort));
    assert.equal(ports.size, 1, 'every datagram came from the same source port');
    assert.equal(emitterSockets(), 1);
  });

  it('a datagram of exactly 65,507 bytes is sent whole', async () => {
    const document = documentOfSize(MAX_DATAGRAM_BYTES);
    const start = daemon.datagrams.length;
    sendToDaemon(daemon.address, document);
    const got = (await daemon.waitFor(start + 1))[start];
    assert.ok(got);
    assert.equal(got.bytes.length, MAX_DATAGRAM_BYTES);
    assert.equal(got.bytes.toString('utf8'), DATAGRAM_HEADER + JSON.stringify(document));
  });

  it('an oversize document loses its largest metadata entries until it fits', async () => {
    const trace = { 'trace-id': '1234', 'parent-id': '5678', 'sampling-priority': '2' };
    const document: XRayDocument = {
      name: 'datadog-metadata',
      metadata: {
        datadog: {
          trace,
          lambda_function_tags: { 'http.url': `https://example.com/${'a'.repeat(70_000)}` },
        },
        other: { big: 'b'.repeat(1_000) },
      },
    };
    const start = daemon.datagrams.length;
    sendToDaemon(daemon.address, document);
    const got = (await daemon.waitFor(start + 1))[start];
    assert.ok(got);
    assert.ok(got.bytes.length <= MAX_DATAGRAM_BYTES);
    assert.equal(
      got.bytes.toString('utf8'),
      `{"format":"json","version":1}\n{"name":"datadog-metadata","metadata":{"datadog":{"trace":` +
        `{"trace-id":"1234","parent-id":"5678","sampling-priority":"2"}},"other":{"big":"${'b'.repeat(1_000)}"}}}`,
    );
    assert.equal(logs.matching(/sent without metadata datadog\.lambda_function_tags$/).length, 1);
  });

  it('one byte over with nothing to trim: dropped with one debug line', async () => {
    const document = documentOfSize(MAX_DATAGRAM_BYTES + 1, { name: 'too-big' });
    const before = logs.matching(/cannot be trimmed to fit/).length;
    assert.equal(encodeDatagram(document), undefined);
    sendToDaemon(daemon.address, document);
    await control();
    assert.ok(!daemon.datagrams.some((d) => parseDatagram(d.bytes).document.name === 'too-big'));
    assert.equal(logs.matching(/cannot be trimmed to fit/).length, before + 2); // encode above + send
  });

  it('metadata that must all go for the rest to fit: dropped, not sent empty', async () => {
    const document: XRayDocument = {
      name: 'all-metadata',
      metadata: {
        datadog: { trace: { 'trace-id': '1' }, lambda_function_tags: { pad: 'x'.repeat(70_000) } },
      },
      ...{ pad: 'y'.repeat(65_450) },
    } as XRayDocument;
    sendToDaemon(daemon.address, document);
    await control();
    assert.ok(!daemon.datagrams.some((d) => parseDatagram(d.bytes).document.name === 'all-metadata'));
  });

  it('an invalid AWS_XRAY_DAEMON_ADDRESS: one warning naming it and the value, nothing sent, no throw', () => {
    const sockets = createSocket.mock.callCount();
    assert.doesNotThrow(() => sendToDaemon('127.0.0.1', { name: 'lost' }));
    assert.doesNotThrow(() => sendToDaemon('127.0.0.1', { name: 'lost' }));
    const warnings = logs.matching(/AWS_XRAY_DAEMON_ADDRESS/);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /WARN AWS_XRAY_DAEMON_ADDRESS="127\.0\.0\.1" is not a valid .*no port/);
    assert.equal(createSocket.mock.callCount(), sockets);
  });

  it('a send the kernel refuses costs one debug line, however often it happens', async () => {
    // Broadcast without SO_BROADCAST fails in the send callback (EACCES) on loopback-only machines too.
    assert.doesNotThrow(() => sendToDaemon('255.255.255.255:2000', { name: 'refused' }));
    const line = await logs.waitFor(/sending to the X-Ray daemon failed/);
    assert.match(line, /DEBUG/);
    sendToDaemon('255.255.255.255:2000', { name: 'refused' });
    sendToDaemon(daemon.address, { name: 'after' });
    await control();
    assert.equal(logs.matching(/sending to the X-Ray daemon failed/).length, 1);
  });

  it('a document JSON cannot encode is caught, not thrown', async () => {
    assert.doesNotThrow(() => sendToDaemon(daemon.address, { name: 'bigint', value: 1n } as XRayDocument));
    await logs.waitFor(/BigInt/);
    await control();
  });

  it('an IPv6 daemon in brackets gets its datagram from a udp6 socket', async () => {
    const six = await startDaemon('udp6');
    try {
      sendToDaemon(six.address, { name: 'v6' });
      const [got] = await six.waitFor(1);
      assert.ok(got);
      assert.equal(parseDatagram(got.bytes).header, EXPECTED_HEADER);
      assert.equal(parseDatagram(got.bytes).document.name, 'v6');
      assert.ok(createSocket.mock.calls.some((c) => (c.arguments[0] as unknown) === 'udp6'));
    } finally {
      await six.close();
    }
  });

  it('the socket never keeps a process alive', { timeout: 30_000 }, async () => {
    // A child sends one datagram and has nothing else to do: it exits only if the socket is unref'd.
    const start = daemon.datagrams.length;
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { sendToDaemon } = await import(${JSON.stringify(new URL('../../src/xray/emitter.ts', import.meta.url).href)});
         sendToDaemon(${JSON.stringify(daemon.address)}, { name: 'from-child' });`,
      ],
      { stdio: 'inherit' },
    );
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0);
    // The datagram left before the exit.
    const got = (await daemon.waitFor(start + 1))[start];
    assert.ok(got);
    assert.equal(parseDatagram(got.bytes).document.name, 'from-child');
  });
});
