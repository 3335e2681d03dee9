// Custom distribution metrics: the DogStatsD line (table), and what crosses the wire to a loopback
// UDP listener standing in for the Datadog extension; without the extension, one warning and nothing sent.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it, mock } from 'node:test';
import { setLogLevel } from '../../src/log.ts';
import { sendDistribution } from '../../src/metrics/distribution.ts';
import { distributionLine } from '../../src/metrics/dogstatsd.ts';

describe('distributionLine', () => {
  const cases: Array<[string, string, number, string[], number | undefined, string]> = [
    ['no tags, no time', 'orders.placed', 1, [], undefined, 'orders.placed:1|d'],
    [
      'tags and time (seconds, floored)',
      'order_value',
      12.45,
      ['product:latte', 'order:online'],
      1700000000.9,
      'order_value:12.45|d|#product:latte,order:online|T1700000000',
    ],
    [
      'characters DogStatsD does not take become _',
      'm',
      2,
      ['team:check out', 'a|b', 'ok/x.y-z'],
      undefined,
      'm:2|d|#team:check_out,a_b,ok/x.y-z',
    ],
  ];
  for (const [label, name, value, tags, time, line] of cases) {
    it(label, () => assert.equal(distributionLine(name, value, tags, time), line));
  }
});

describe('sendDistribution', () => {
  let listener: dgram.Socket;
  const received: string[] = [];
  let waiting: (() => void) | undefined;
  before(async () => {
    listener = dgram.createSocket('udp4');
    listener.on('message', (message) => {
      received.push(message.toString());
      waiting?.();
    });
    await new Promise<void>((resolve) => listener.bind(0, '127.0.0.1', resolve));
  });
  after(() => listener.close());
  let warnings: string[] = [];
  before(() => setLogLevel('warn'));
  afterEach(() => mock.restoreAll());

  it('with the extension: one datagram per point', async () => {
    const port = (listener.address() as AddressInfo).port;
    const arrived = new Promise<void>((resolve) => {
      waiting = resolve;
    });
    const time = new Date();
    assert.equal(
      sendDistribution({ extensionPresent: true, host: '127.0.0.1', port }, 'coffee.sold', 3, time, [
        'size:large',
      ]),
      true,
    );
    await arrived;
    assert.deepEqual(received, [`coffee.sold:3|d|#size:large|T${Math.floor(time.getTime() / 1000)}`]);
  });

  it('without the extension: nothing sent, one warning naming it however often it is called', () => {
    warnings = [];
    mock.method(console, 'warn', (line: string) => warnings.push(String(line)));
    const target = { extensionPresent: false, host: '127.0.0.1', port: 9 };
    assert.equal(sendDistribution(target, 'a', 1, new Date(), []), false);
    assert.equal(sendDistribution(target, 'b', 2, new Date(), []), false);
    assert.equal(
      warnings.filter((w) => w.includes('/opt/extensions/datadog-agent')).length,
      1,
      warnings.join('\n'),
    );
  });

  it('a point older than 4 hours: not sent, a warning', () => {
    warnings = [];
    mock.method(console, 'warn', (line: string) => warnings.push(String(line)));
    const old = new Date(Date.now() - 5 * 60 * 60 * 1000);
    assert.equal(
      sendDistribution({ extensionPresent: true, host: '127.0.0.1', port: 9 }, 'late', 1, old, []),
      false,
    );
    assert.match(warnings.join('\n'), /older than 4 hours/);
  });

  it('bad names and values are dropped, never thrown', () => {
    const target = { extensionPresent: true, host: '127.0.0.1', port: 9 };
    assert.equal(sendDistribution(target, '', 1, undefined, []), false);
    assert.equal(sendDistribution(target, 'x', Number.NaN, undefined, []), false);
    assert.equal(sendDistribution(target, 'x', 'one' as unknown as number, undefined, []), false);
  });
});
