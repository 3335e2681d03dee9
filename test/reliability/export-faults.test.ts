// Export faults: the Datadog agent and the X-Ray daemon misbehaving in every way we could make them,
// each scenario in its own process (dd-trace initialised from that scenario's environment). The
// handler's result never changes, its latency stays within a bound of a healthy run, every fault is
// reported at most once, nothing is rejected unhandled, and the process still ends on its own.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AgentStandIn, startAgent } from '../helpers/agent.ts';
import {
  closedUdpPort,
  type FaultServer,
  failingAgent,
  refusingPort,
  resettingAgent,
  silentAgent,
  udpDaemon,
} from '../helpers/fault-servers.ts';
import { type ChildRun, lambdaEnv, repeatedLines, runChild, type Scenario } from './run-child.ts';

const INVOCATIONS = 50;
/** Extra wait a fault may add, over a healthy run: a bound, not a benchmark. */
const EXTRA_WAIT_BOUND_MS = 1000;

// An API Gateway request carrying an upstream Datadog context, with a sampled X-Ray header per
// invocation: the span's parent comes from the event, so each invocation also sends the
// datadog-metadata subsegment to the X-Ray daemon. Both export paths are exercised.
const EVENT = {
  resource: '/items',
  path: '/items',
  httpMethod: 'GET',
  headers: {
    'x-datadog-trace-id': '1311768467463790320',
    'x-datadog-parent-id': '8070450532247928832',
    'x-datadog-sampling-priority': '2',
  },
  requestContext: {
    accountId: '123456789012',
    apiId: 'abc123',
    stage: 'prod',
    httpMethod: 'GET',
    path: '/prod/items',
    requestId: 'r-1',
  },
  body: null,
  isBase64Encoded: false,
};

const SCENARIO: Scenario = {
  invocations: INVOCATIONS,
  concurrency: 5,
  handler: 'traced',
  xray: 'unique',
  event: EVENT,
};

let agent: AgentStandIn;
let daemon: Awaited<ReturnType<typeof udpDaemon>>;
let healthy: ChildRun;
const servers: FaultServer[] = [];

before(async () => {
  agent = await startAgent();
  daemon = await udpDaemon();
  healthy = await runChild(SCENARIO, lambdaEnv(agent.url, { AWS_XRAY_DAEMON_ADDRESS: daemon.address }));
});
after(async () => {
  await agent.close();
  await daemon.close();
  for (const server of servers) await server.close();
});

async function server(make: () => Promise<FaultServer>): Promise<FaultServer> {
  const made = await make();
  servers.push(made);
  return made;
}

/** The properties every faulty run must keep, judged against the healthy run. */
function assertUnaffected(run: ChildRun): void {
  const { result } = run;
  console.log(
    `all ${INVOCATIONS} invocations ${result.runMs.toFixed(0)} ms (healthy ${healthy.result.runMs.toFixed(0)} ms), ` +
      `slowest ${result.maxMs.toFixed(1)} ms (healthy ${healthy.result.maxMs.toFixed(1)} ms), ${run.output.length} line(s)`,
  );
  assert.deepEqual(result.wrong, [], 'every invocation returned its own value');
  assert.equal(result.ok, INVOCATIONS);
  assert.deepEqual(result.unhandled, [], 'no unhandled rejections');
  assert.deepEqual(result.uncaught, [], 'no uncaught exceptions');
  assert.equal(run.exitCode, 0);
  assert.ok(
    result.runMs - healthy.result.runMs < EXTRA_WAIT_BOUND_MS,
    `all invocations took ${result.runMs.toFixed(0)} ms against ${healthy.result.runMs.toFixed(0)} ms healthy`,
  );
  assert.ok(
    result.maxMs - healthy.result.maxMs < EXTRA_WAIT_BOUND_MS,
    `the slowest invocation took ${result.maxMs.toFixed(0)} ms against ${healthy.result.maxMs.toFixed(0)} ms healthy`,
  );
  assert.deepEqual(repeatedLines(run.output), [], 'each fault is reported at most once');
}

describe('healthy run (the baseline)', () => {
  it('every invocation is exported to the agent and the daemon, and nothing is logged', async () => {
    assert.equal(healthy.result.ok, INVOCATIONS);
    assert.deepEqual(healthy.output, []);
    const spans = await agent.waitForSpans(INVOCATIONS, 'aws.lambda');
    assert.equal(spans.length, INVOCATIONS);
    assert.equal(daemon.datagrams.length, INVOCATIONS, 'one datadog-metadata subsegment per invocation');
  });
});

describe('the Datadog agent misbehaves', () => {
  const daemonEnv = () => ({ AWS_XRAY_DAEMON_ADDRESS: daemon.address });

  it('down: nothing listens on its port', async () => {
    const { url } = await refusingPort();
    assertUnaffected(await runChild(SCENARIO, lambdaEnv(url, daemonEnv())));
  });

  it('hung: accepts the connection and never answers', async () => {
    const silent = await server(silentAgent);
    // dd-trace gives up on a request after 2 s; stay long enough for that to play out, so a
    // rejection or a warning from it would be seen.
    const run = await runChild({ ...SCENARIO, lingerMs: 2500 }, lambdaEnv(silent.url, daemonEnv()));
    assertUnaffected(run);
    assert.ok(silent.hits() > 0, 'the exporter reached the hung agent');
  });

  it('answers 500 to everything', async () => {
    const failing = await server(() => failingAgent(500));
    assertUnaffected(await runChild(SCENARIO, lambdaEnv(failing.url, daemonEnv())));
    assert.ok(failing.hits() > 0, 'the exporter reached the failing agent');
  });

  it('resets every connection', async () => {
    const resetting = await server(resettingAgent);
    assertUnaffected(await runChild(SCENARIO, lambdaEnv(resetting.url, daemonEnv())));
    assert.ok(resetting.hits() > 0, 'the exporter reached the resetting agent');
  });

  it('its host name does not resolve', async () => {
    assertUnaffected(await runChild(SCENARIO, lambdaEnv('http://no-such-host.invalid:8126', daemonEnv())));
  });
});

describe('the X-Ray daemon address misbehaves', () => {
  it('nothing listens on the UDP port', async () => {
    const port = await closedUdpPort();
    assertUnaffected(
      await runChild(SCENARIO, lambdaEnv(agent.url, { AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${port}` })),
    );
  });

  it('the host name does not resolve', async () => {
    assertUnaffected(
      await runChild(
        SCENARIO,
        lambdaEnv(agent.url, { AWS_XRAY_DAEMON_ADDRESS: 'no-such-host.invalid:2000' }),
      ),
    );
  });

  for (const invalid of ['not-an-address', 'tcp:127.0.0.1:2000', '127.0.0.1:99999', 'udp:[::1:2000']) {
    it(`invalid (${invalid}): one warning naming the variable, then silence`, async () => {
      const run = await runChild(SCENARIO, lambdaEnv(agent.url, { AWS_XRAY_DAEMON_ADDRESS: invalid }));
      assertUnaffected(run);
      assert.equal(run.output.length, 1, `one line, got:\n${run.output.join('\n')}`);
      assert.match(run.output[0] ?? '', /AWS_XRAY_DAEMON_ADDRESS/);
    });
  }
});

describe('everything down at once', () => {
  it('agent refusing and daemon host unresolvable', async () => {
    const { url } = await refusingPort();
    assertUnaffected(
      await runChild(SCENARIO, lambdaEnv(url, { AWS_XRAY_DAEMON_ADDRESS: 'no-such-host.invalid:2000' })),
    );
  });
});

describe('no unbounded queue behind a hung agent', () => {
  // 2,000 invocations, 50 at a time, against an agent that never answers. dd-trace sends one request
  // per trace in Lambda over a single socket and gives each 2 s, so its queue of pending requests
  // grows with the invocations (about 7 KB of heap each, capped by dd-trace at 64 MB of payload);
  // the wrapper adds nothing to it. Measured here: about 13 MB of heap, 35 MB of RSS.
  const HEAP_BOUND = 40 * 1024 * 1024;
  const RSS_BOUND = 96 * 1024 * 1024;

  it(`heap grows less than ${HEAP_BOUND / 2 ** 20} MB and RSS less than ${RSS_BOUND / 2 ** 20} MB`, async () => {
    const silent = await server(silentAgent);
    const run = await runChild(
      { ...SCENARIO, invocations: 2000, concurrency: 50, warmup: 200, lingerMs: 0 },
      lambdaEnv(silent.url, { AWS_XRAY_DAEMON_ADDRESS: daemon.address }),
      { nodeArgs: ['--expose-gc'], timeoutMs: 120_000 },
    );
    assert.equal(run.result.ok, 2000);
    assert.deepEqual(run.result.unhandled, []);
    const { afterWarmup, end } = run.result.memory;
    assert.ok(afterWarmup);
    const heap = end.heapUsed - afterWarmup.heapUsed;
    const rss = end.rss - afterWarmup.rss;
    console.log(
      `2,000 invocations against a hung agent: heap +${(heap / 2 ** 20).toFixed(1)} MB, RSS +${(rss / 2 ** 20).toFixed(1)} MB`,
    );
    assert.ok(heap < HEAP_BOUND, `heap grew ${(heap / 2 ** 20).toFixed(1)} MB`);
    assert.ok(rss < RSS_BOUND, `RSS grew ${(rss / 2 ** 20).toFixed(1)} MB`);
  });
});
