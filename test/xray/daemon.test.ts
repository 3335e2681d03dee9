// AWS_XRAY_DAEMON_ADDRESS vectors: both documented forms, IPv6 in brackets, and what is refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DaemonEndpoint, parseDaemonAddress } from '../../src/xray/daemon.ts';

const v4 = (host: string, port: number): DaemonEndpoint => ({ host, port, family: 4 });
const v6 = (host: string, port: number): DaemonEndpoint => ({ host, port, family: 6 });

// [value, udp endpoint, tcp endpoint]
const valid: Array<[string, DaemonEndpoint, DaemonEndpoint]> = [
  ['127.0.0.1:2000', v4('127.0.0.1', 2000), v4('127.0.0.1', 2000)],
  ['169.254.79.129:2000', v4('169.254.79.129', 2000), v4('169.254.79.129', 2000)],
  ['xray-daemon:2000', v4('xray-daemon', 2000), v4('xray-daemon', 2000)],
  ['xray_daemon.svc.local:65535', v4('xray_daemon.svc.local', 65535), v4('xray_daemon.svc.local', 65535)],
  ['localhost:1', v4('localhost', 1), v4('localhost', 1)],
  ['  127.0.0.1:2000  ', v4('127.0.0.1', 2000), v4('127.0.0.1', 2000)],
  ['[::1]:2000', v6('::1', 2000), v6('::1', 2000)],
  ['[fd00:ec2::254]:2000', v6('fd00:ec2::254', 2000), v6('fd00:ec2::254', 2000)],
  ['[::ffff:127.0.0.1]:2000', v6('::ffff:127.0.0.1', 2000), v6('::ffff:127.0.0.1', 2000)],
  ['tcp:127.0.0.1:2000 udp:127.0.0.2:2001', v4('127.0.0.2', 2001), v4('127.0.0.1', 2000)],
  ['udp:127.0.0.2:2001 tcp:127.0.0.1:2000', v4('127.0.0.2', 2001), v4('127.0.0.1', 2000)],
  ['udp:[::1]:2001 tcp:127.0.0.1:2000', v6('::1', 2001), v4('127.0.0.1', 2000)],
  ['tcp:daemon:2000   udp:daemon:2000', v4('daemon', 2000), v4('daemon', 2000)],
  ['tcp:a:1\tudp:b:2', v4('b', 2), v4('a', 1)],
];

// [value, a word the reason must contain]
const invalid: Array<[unknown, string]> = [
  ['', 'empty'],
  ['   ', 'empty'],
  [undefined, 'not a string'],
  [2000, 'not a string'],
  ['127.0.0.1', 'no port'],
  ['daemon', 'no port'],
  [':2000', 'no host'],
  ['127.0.0.1:', 'not a number'],
  ['127.0.0.1:abc', 'not a number'],
  ['127.0.0.1:+2000', 'not a number'],
  ['127.0.0.1:2000x', 'not a number'],
  ['127.0.0.1:-1', 'not a number'],
  ['127.0.0.1:123456', 'not a number'],
  ['127.0.0.1:0', 'out of range'],
  ['127.0.0.1:65536', 'out of range'],
  ['127.0.0.1:99999', 'out of range'],
  ['::1:2000', 'too many colons'],
  ['fd00::1:2000', 'too many colons'],
  ['http://127.0.0.1:2000', 'too many colons'],
  ['[::1]', 'no port'],
  ['[::1]2000', 'no port'],
  ['[::1:2000', 'no closing bracket'],
  ['[127.0.0.1]:2000', 'not an IPv6'],
  ['[not-v6]:2000', 'not an IPv6'],
  ['-daemon:2000', 'not a host'],
  ['dae/mon:2000', 'not a host'],
  ['udp:127.0.0.1:2000', 'needs the other'],
  ['tcp:127.0.0.1:2000', 'needs the other'],
  ['UDP:127.0.0.1:2000 TCP:127.0.0.1:2000', 'does not start with'],
  ['tcp:127.0.0.1:2000 tcp:127.0.0.1:2001', 'given twice'],
  ['udp:127.0.0.1:2000 udp:127.0.0.1:2001', 'given twice'],
  ['127.0.0.1:2000 127.0.0.1:2001', 'does not start with'],
  ['foo:127.0.0.1:2000 udp:127.0.0.1:2001', 'does not start with'],
  ['tcp:127.0.0.1:2000 udp:127.0.0.1', 'no port'],
  ['tcp:127.0.0.1:2000 udp:127.0.0.1:0', 'out of range'],
  ['tcp:a:1 udp:b:2 udp:c:3', 'more than two'],
  ['tcp::2000 udp:127.0.0.1:2000', 'no host'],
];

describe('parseDaemonAddress', () => {
  for (const [value, udp, tcp] of valid) {
    it(`accepts ${JSON.stringify(value)}`, () => {
      assert.deepEqual(parseDaemonAddress(value), { ok: true, address: { udp, tcp } });
    });
  }
  for (const [value, reason] of invalid) {
    it(`refuses ${JSON.stringify(value)} (${reason})`, () => {
      const result = parseDaemonAddress(value);
      assert.equal(result.ok, false);
      assert.ok(!result.ok && result.reason.includes(reason), `reason: ${!result.ok && result.reason}`);
    });
  }
});
