// The managed-service spans' guard: made only when asked for and when the event implies one, and a
// tracer that fails making them leaves aws.lambda under the event's parent (a tracing fault is never the
// function's). The span itself, on the wire against datadog-lambda-js: test/context/peer.differential.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../src/config.ts';
import { detectEventSource } from '../../src/context/extractors/index.ts';
import { chooseParent } from '../../src/context/parent.ts';
import { startManagedSpans } from '../../src/handler/inferred-span.ts';
import type { Tracer } from '../../src/tracer/dd-trace.ts';

const event = JSON.parse(
  readFileSync(
    new URL('../fixtures/events/real/api-gateway-traced-authorizer-request-v1.json', import.meta.url),
    'utf8',
  ),
);

/** A tracer that fails on every use, counting the uses: the guard must absorb the failure. */
let uses = 0;
const failing = new Proxy(
  {},
  {
    get() {
      uses += 1;
      throw new Error('tracer broken');
    },
  },
) as Tracer;

describe('startManagedSpans', () => {
  // [case, options, event, whether the tracer is used]
  const cases: Array<[string, Record<string, unknown>, unknown, boolean]> = [
    ['DD_TRACE_MANAGED_SERVICES=false: not attempted', { traceManagedServices: false }, event, false],
    [
      'an event that implies no span: not attempted',
      {},
      { headers: { 'x-datadog-trace-id': '1', 'x-datadog-parent-id': '2' } },
      false,
    ],
    ['a tracer that throws: no spans, aws.lambda under the parent', {}, event, true],
    [
      'an SQS event with a tracer that throws: no spans',
      {},
      { Records: [{ eventSource: 'aws:sqs', attributes: { SentTimestamp: '1' }, eventSourceARN: 'arn:q' }] },
      true,
    ],
  ];
  for (const [name, options, input, used] of cases) {
    it(name, () => {
      const config = resolveConfig({ logLevel: 'off', ...options }, {});
      const parent = chooseParent(config, input, {});
      uses = 0;
      const source = detectEventSource(input) ?? null;
      const result = startManagedSpans(failing, config, parent, input, source, { requestId: 'req-1' });
      assert.equal(result, undefined);
      assert.equal(uses > 0, used);
    });
  }

  it('the plan is there when the event implies the span', () => {
    const parent = chooseParent(resolveConfig({ logLevel: 'off' }, {}), event, {});
    assert.equal(parent.inferred?.name, 'aws.apigateway.authorizer');
  });
});
