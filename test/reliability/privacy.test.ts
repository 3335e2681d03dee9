// Privacy by default: an invocation whose event, headers, query, body, client context and response
// are full of a secret marker leaves no trace of it on the spans the agent receives, in the X-Ray
// datagrams, or in anything printed; and the Datadog API key never appears in the output, even
// with debug logging, dd-trace's startup log and bad settings that make the wrapper talk.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AgentStandIn, startAgent } from '../helpers/agent.ts';
import { udpDaemon } from '../helpers/fault-servers.ts';
import { lambdaEnv, runChild } from './run-child.ts';

const MARKER = 'SECRET-MARKER-7f3a9c';
const API_KEY = 'ddapikey-SECRET-0b9e4d2c71';
const INVOCATIONS = 10;

// An API Gateway request that carries a Datadog context (so the X-Ray metadata subsegment is sent
// too) and the marker everywhere else a request can carry data.
const EVENT = {
  resource: '/items',
  path: '/items',
  httpMethod: 'POST',
  headers: {
    authorization: `Bearer ${MARKER}`,
    cookie: `session=${MARKER}`,
    'x-api-key': MARKER,
    'user-agent': `agent ${MARKER}`,
    'x-datadog-trace-id': '1311768467463790320',
    'x-datadog-parent-id': '8070450532247928832',
    'x-datadog-sampling-priority': '2',
    // Not here: x-datadog-tags. Its `_dd.p.*` tags are trace context the upstream chose to
    // propagate, and dd-trace puts them on the span by design.
  },
  multiValueHeaders: { authorization: [`Bearer ${MARKER}`] },
  queryStringParameters: { token: MARKER },
  multiValueQueryStringParameters: { token: [MARKER] },
  pathParameters: { secret: MARKER },
  stageVariables: { key: MARKER },
  requestContext: {
    accountId: '123456789012',
    apiId: 'abc123',
    stage: 'prod',
    httpMethod: 'POST',
    path: '/prod/items',
    requestId: 'r-1',
    authorizer: { claims: { email: `${MARKER}@example.com` }, principalId: MARKER },
    identity: { apiKey: MARKER, user: MARKER },
  },
  body: JSON.stringify({ password: MARKER, card: MARKER }),
  isBase64Encoded: false,
  secretField: MARKER,
  nested: { deeper: { deepest: [MARKER, { value: MARKER }] } },
};

const RESPONSE = {
  statusCode: 200,
  headers: { 'set-cookie': `session=${MARKER}` },
  body: JSON.stringify({ token: MARKER }),
};

const CONTEXT = {
  clientContext: { custom: { secret: MARKER }, env: { token: MARKER } },
  identity: { cognitoIdentityId: MARKER },
};

let agent: AgentStandIn;
let daemon: Awaited<ReturnType<typeof udpDaemon>>;
before(async () => {
  agent = await startAgent();
  daemon = await udpDaemon();
});
after(async () => {
  await agent.close();
  await daemon.close();
});

const asText = (value: unknown) =>
  JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) ?? '';

describe('privacy by default', () => {
  it('the marker is on no span, in no datagram, and in no printed line', async () => {
    const service = 'privacy-default';
    const run = await runChild(
      { invocations: INVOCATIONS, event: EVENT, response: RESPONSE, context: CONTEXT, handler: 'traced' },
      lambdaEnv(agent.url, {
        DD_SERVICE: service,
        DD_LOG_LEVEL: 'debug',
        AWS_XRAY_DAEMON_ADDRESS: daemon.address,
      }),
    );
    assert.equal(run.result.ok, INVOCATIONS);
    const spans = await agent.waitForSpans(INVOCATIONS, 'aws.lambda', (s) => s.service === service);
    // The test can see what it looks for: the invocations were traced from the event's context.
    assert.ok(spans.every((s) => s.trace_id === 1311768467463790320n));
    assert.ok(daemon.datagrams.length >= INVOCATIONS, 'the X-Ray metadata subsegments were sent');

    const everything = agent.traces.flat().filter((s) => s.trace_id === 1311768467463790320n);
    assert.ok(!asText(everything).includes(MARKER), 'no span carries the marker');
    for (const datagram of daemon.datagrams)
      assert.ok(!datagram.toString('utf8').includes(MARKER), 'no datagram carries the marker');
    assert.deepEqual(
      run.output.filter((line) => line.includes(MARKER)),
      [],
      'no printed line carries the marker',
    );
  });

  it('DD_API_KEY never appears, with debug logging, dd-trace startup logs and bad settings', async () => {
    const run = await runChild(
      { invocations: INVOCATIONS, event: EVENT, extractor: 'throws' },
      lambdaEnv('http://127.0.0.1:9', {
        DD_API_KEY: API_KEY,
        DD_LOG_LEVEL: 'debug',
        DD_TRACE_STARTUP_LOGS: 'true',
        DD_XRAY_TRACE_ID_MODE: 'bogus',
        DD_APM_FLUSH_DEADLINE_MILLISECONDS: '-1',
        AWS_XRAY_DAEMON_ADDRESS: 'not-an-address',
        DD_MERGE_XRAY_TRACES: 'sometimes',
      }),
    );
    assert.equal(run.result.ok, INVOCATIONS);
    assert.ok(run.output.length > 0, 'the scenario does make the wrapper talk');
    const leaks = run.output.filter((line) => line.includes(API_KEY));
    assert.deepEqual(leaks, [], 'the API key is never printed');
  });
});
