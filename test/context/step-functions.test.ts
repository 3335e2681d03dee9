// Step Functions: the deterministic ids, as vectors and differentially against datadog-lambda-js's
// own StepFunctionContextService on the same fixtures.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import {
  hashedId,
  isStepFunctionsEvent,
  stepFunctionsContext,
} from '../../src/context/extractors/step-functions.ts';
import { fixture } from './fixtures.ts';

const require = createRequire(import.meta.url);

const EXECUTION =
  'arn:aws:states:sa-east-1:123456789012:execution:OrderFlow:aa6c9316-713a-41d4-9c30-61131716744f';

function context(event: Record<string, unknown>) {
  const notes: string[] = [];
  return { found: stepFunctionsContext(event, (p) => notes.push(p)), notes };
}

describe('hashedId', () => {
  it('trace ids come from bytes 8..15 of SHA-256, span ids and tid from bytes 0..7, top bit cleared', () => {
    // sha256("a") = ca978112ca1bbdca fac231b39a23dc4d a786eff8147c4e72 b9807785afee48bb
    assert.equal(hashedId('a', 'span'), String(0xca978112ca1bbdcan & 0x7fffffffffffffffn));
    assert.equal(hashedId('a', 'tid'), String(0xca978112ca1bbdcan & 0x7fffffffffffffffn));
    assert.equal(hashedId('a', 'trace'), String(0xfac231b39a23dc4dn & 0x7fffffffffffffffn));
  });
});

describe('stepFunctionsContext on the fixtures', () => {
  const cases: Array<[string, string, Record<string, unknown>]> = [
    [
      'step-functions',
      'the context as the payload: ids from the execution ARN',
      {
        traceId: '8868809700783268305',
        parentId: '2839091565772340267',
        samplingPriority: 1,
        tid: '4607fe026d007be5',
      },
    ],
    [
      'step-functions-root',
      'JSONata _datadog, v1, RootExecutionId, a retry: ids from the root execution',
      {
        traceId: '6436479538098378362',
        parentId: '4232213786551449578',
        samplingPriority: 1,
        tid: '036fdec488eab8ce',
      },
    ],
    [
      'step-functions-lambda-root',
      'Payload, v1, started by a traced Lambda: its trace id and tid',
      {
        traceId: '8404404404404404401',
        parentId: '6045792714126087319',
        samplingPriority: 1,
        tid: '65f2f4b100000000',
      },
    ],
  ];
  for (const [name, description, expected] of cases) {
    it(`${name}: ${description}`, () => {
      const { found, notes } = context(fixture(name));
      assert.deepEqual(found, expected);
      assert.deepEqual(notes, []);
    });
  }

  it('the parent id is the hash of execution#state#entered-time, with #retry#redrive when not 0', () => {
    const event = fixture('step-functions');
    const plain = context(event).found;
    assert.equal(plain?.parentId, hashedId(`${EXECUTION}#ProcessOrder#2024-03-14T10:00:00.123Z`, 'span'));
    event.Execution.RedriveCount = 2;
    assert.equal(
      context(event).found?.parentId,
      hashedId(`${EXECUTION}#ProcessOrder#2024-03-14T10:00:00.123Z#0#2`, 'span'),
    );
    assert.equal(context(event).found?.traceId, plain?.traceId);
  });

  it('the older lambda-root shape: Execution.Input._datadog carries the trace', () => {
    const event = fixture('step-functions');
    event.Execution.Input._datadog = {
      'x-datadog-trace-id': '123456789',
      'x-datadog-tags': '_dd.p.tid=65f2f4b100000000',
    };
    assert.deepEqual(context(event).found, {
      traceId: '123456789',
      parentId: '2839091565772340267',
      samplingPriority: 1,
      tid: '65f2f4b100000000',
    });
  });

  it('malformed: v1 with neither RootExecutionId nor a trace id -> one note, no context', () => {
    const event = fixture('step-functions-root');
    delete event._datadog.RootExecutionId;
    const { found, notes } = context(event);
    assert.equal(found, undefined);
    assert.equal(notes.length, 1);
  });

  it('malformed: a lambda-root trace id of zero -> one note, no context', () => {
    const event = fixture('step-functions-lambda-root');
    event.Payload['x-datadog-trace-id'] = '0';
    const { found, notes } = context(event);
    assert.equal(found, undefined);
    assert.equal(notes.length, 1);
  });

  it('payloads without a state machine context are not Step Functions events', () => {
    for (const event of [
      {},
      { Execution: { Id: 'x' } },
      { Payload: { State: { Name: 'S' } } },
      fixture('sqs'),
    ])
      assert.equal(isStepFunctionsEvent(event), false);
  });
});

describe('differential: the same ids as datadog-lambda-js', () => {
  // datadog-lambda-js keeps one StepFunctionContextService per process; reset() clears it, so it
  // can be asked about one event after another.
  const { StepFunctionContextService } = require('datadog-lambda-js/dist/trace/step-function-service.js');

  function theirs(event: unknown) {
    StepFunctionContextService.reset();
    const wrapper = StepFunctionContextService.instance(event).spanContext;
    assert.ok(wrapper, 'datadog-lambda-js read a context');
    return {
      traceId: wrapper.toTraceId() as string,
      parentId: wrapper.toSpanId() as string,
      priority: Number(wrapper.sampleMode()),
      tid: wrapper.spanContext._trace.tags['_dd.p.tid'] as string,
    };
  }

  const variants: Array<[string, () => Record<string, any>]> = [
    ['step-functions', () => fixture('step-functions')],
    ['step-functions-root', () => fixture('step-functions-root')],
    ['step-functions-lambda-root', () => fixture('step-functions-lambda-root')],
    [
      'retried and redriven',
      () => {
        const e = fixture('step-functions');
        e.State.RetryCount = 3;
        e.Execution.RedriveCount = 1;
        return e;
      },
    ],
    ['legacy Payload wrapper without serverless-version', () => ({ Payload: fixture('step-functions') })],
    [
      'unicode state name',
      () => {
        const e = fixture('step-functions');
        e.State.Name = 'Bestellung prüfen ✓';
        return e;
      },
    ],
  ];
  for (const [name, make] of variants) {
    it(name, () => {
      const mine = stepFunctionsContext(make(), assert.fail);
      const reference = theirs(make());
      assert.equal(mine?.traceId, reference.traceId);
      assert.equal(mine?.parentId, reference.parentId);
      assert.equal(mine?.samplingPriority, reference.priority);
      if (name === 'step-functions-lambda-root') {
        // Known divergence: datadog-lambda-js parses the hex `_dd.p.tid` from x-datadog-tags as a
        // decimal (`id('65f2f4b100000000', 10)` stops at 'f' -> 65 -> '0000000000000041'); the tid
        // here is the upstream trace's real high half.
        assert.equal(reference.tid, '0000000000000041');
        assert.equal(mine?.tid, '65f2f4b100000000');
      } else {
        assert.equal(mine?.tid, reference.tid);
      }
    });
  }
});
