// Fuzz: choosing the parent (event extractors, user extractor, client context, X-Ray header) and
// reading the trigger tags, over random events, real event fixtures broken in random places, and
// carriers full of hostile ids, in every place an event can carry one. Never throws, never takes
// long, never touches a prototype, and any context it does return has valid Datadog ids.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type Config, resolveConfig } from '../../src/config.ts';
import { chooseParent } from '../../src/context/parent.ts';
import { eventTrigger } from '../../src/context/trigger.ts';
import type { DatadogContext } from '../../src/tracer/dd-trace.ts';
import { isDatadogId } from '../../src/xray/ids.ts';
import {
  deeplyNested,
  deeplyNestedJson,
  hexString,
  hostileId,
  hostileString,
  hostileValue,
  mutated,
  NASTY_KEYS,
  params,
  prototypeSnapshot,
  timed,
  toJson,
  withOwnProto,
} from './hostile.ts';

const PER_INPUT_MS = 500;
const FIXTURES = new URL('../fixtures/events/', import.meta.url);
const fixtures: Record<string, unknown> = Object.fromEntries(
  readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(new URL(f, FIXTURES), 'utf8'))]),
);
const fixture = (name: string): any => structuredClone(fixtures[name]);
const REAL = new URL('real/', FIXTURES);
const realFixtures: Record<string, unknown> = Object.fromEntries(
  readdirSync(REAL)
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(new URL(f, REAL), 'utf8'))]),
);
const realFixture = (name: string): any => structuredClone(realFixtures[name]);

const SOURCES = new Set(['user-extractor', 'event', 'step-functions', 'client-context', 'xray', 'none']);

const traceparent = fc.oneof(
  fc
    .tuple(hexString(2, 2), hexString(32, 32), hexString(16, 16), hexString(2, 2))
    .map(([v, t, p, f]) => `${v}-${t}-${p}-${f}`),
  hostileString,
);

/** A text map as a client or a broken upstream might send it. */
const carrier: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.record(
      {
        'x-datadog-trace-id': hostileId,
        'x-datadog-parent-id': hostileId,
        'x-datadog-sampling-priority': hostileId,
        'x-datadog-tags': hostileString,
        'x-datadog-origin': hostileString,
        traceparent,
        tracestate: hostileString,
        'x-amzn-trace-id': hostileString,
        'X-Amzn-Trace-Id': hostileString,
      },
      { requiredKeys: [] },
    ),
    fc.dictionary(fc.constantFrom(...NASTY_KEYS), hostileValue, { maxKeys: 2 }),
    fc.boolean(),
  )
  .map(([known, nasty, ownProto]) => {
    const map: Record<string, unknown> = { ...known };
    for (const [k, v] of Object.entries(nasty)) Object.defineProperty(map, k, { value: v, enumerable: true });
    return ownProto ? { ...withOwnProto({ 'x-datadog-trace-id': '1' }), ...map } : map;
  });

/** How the carrier is written into the event: as is, as JSON text, base64 JSON, or broken JSON. */
const encoding = fc.constantFrom('object', 'json', 'base64', 'truncated-json', 'deep-json');
function encode(map: Record<string, unknown>, how: string): unknown {
  const json = toJson(map);
  if (how === 'object') return map;
  if (how === 'json') return json;
  if (how === 'base64') return Buffer.from(json).toString('base64');
  if (how === 'truncated-json') return json.slice(0, Math.max(1, json.length - 3));
  return deeplyNestedJson(100_000);
}

/** Real events with the carrier wherever that source carries one. */
const carrierEvents: fc.Arbitrary<unknown> = fc
  .tuple(
    carrier,
    encoding,
    fc.constantFrom(
      'api',
      'http',
      'alb',
      'url',
      'sqs',
      'sqs-binary',
      'sns',
      'sns-sqs',
      'eventbridge',
      'kinesis',
      'step',
      'authorizer',
      'authorizer-http-api',
      'headers-only',
      'appsync',
      'step-in-sqs',
    ),
  )
  .map(([map, how, shape]) => {
    const value = encode(map, how);
    const text = typeof value === 'string' ? value : toJson(value);
    switch (shape) {
      case 'api':
        return { ...fixture('api-gateway-rest'), headers: value };
      case 'http':
        return { ...fixture('api-gateway-http'), headers: value };
      case 'alb':
        return { ...fixture('alb-multi-value'), multiValueHeaders: { 'x-datadog-trace-id': [value, value] } };
      case 'url':
        return { ...fixture('function-url'), headers: value };
      case 'sqs': {
        const event = fixture('sqs');
        event.Records[0].messageAttributes._datadog.stringValue = text;
        return event;
      }
      case 'sqs-binary': {
        const event = fixture('sqs');
        event.Records[0].messageAttributes._datadog = { dataType: 'Binary', binaryValue: text };
        return event;
      }
      case 'sns': {
        const event = fixture('sns');
        event.Records[0].Sns.MessageAttributes = { _datadog: { Type: 'Binary', Value: text } };
        return event;
      }
      case 'sns-sqs': {
        const event = fixture('sns-sqs');
        event.Records[0].body = toJson({
          Type: 'Notification',
          MessageAttributes: { _datadog: { Type: 'String', Value: text } },
        });
        return event;
      }
      case 'eventbridge': {
        const event = fixture('eventbridge');
        event.detail = { _datadog: value };
        return event;
      }
      case 'kinesis': {
        const event = fixture('kinesis');
        event.Records[0].kinesis.data = Buffer.from(toJson({ _datadog: value })).toString('base64');
        return event;
      }
      case 'authorizer': {
        const event = realFixture('api-gateway-traced-authorizer-request-v1');
        event.requestContext.authorizer._datadog =
          how === 'object' ? value : Buffer.from(text).toString('base64');
        return event;
      }
      case 'authorizer-http-api': {
        const event = realFixture('api-gateway-traced-authorizer-request-v2');
        event.requestContext.authorizer.lambda._datadog = value;
        return event;
      }
      case 'headers-only':
        return how === 'object'
          ? { headers: value }
          : { multiValueHeaders: { 'X-Datadog-Trace-Id': [value] } };
      case 'appsync': {
        const event = realFixture('rum-appsync');
        event.request = how === 'object' ? { headers: value } : value;
        return event;
      }
      case 'step-in-sqs': {
        // A state machine context whose fields are the hostile carrier's values.
        const event = realFixture('step-functions-in-sqs');
        const inner = JSON.parse(event.Records[0].messageAttributes._datadog.stringValue);
        inner.State.Name = map['x-datadog-trace-id'];
        inner.State.RetryCount = map['x-datadog-parent-id'];
        inner.RootExecutionId = map['x-datadog-tags'];
        inner['x-datadog-trace-id'] = map['x-datadog-trace-id'];
        event.Records[0].messageAttributes._datadog.stringValue = toJson(inner);
        return event;
      }
      default: {
        const event = fixture('step-functions');
        event._datadog = value;
        return event;
      }
    }
  });

const mutatedFixtures: fc.Arbitrary<unknown> = fc.oneof(
  ...[...Object.values(fixtures), ...Object.values(realFixtures)].map((f) => mutated(f)),
);

const deepEvents: fc.Arbitrary<unknown> = fc.constantFrom(
  deeplyNested(10_000),
  { Records: [deeplyNested(10_000, 'Records')] },
  { headers: deeplyNested(5_000, 'x-datadog-trace-id') },
  { detail: deeplyNested(10_000, '_datadog') },
  Array.from({ length: 100_000 }, (_, i) => i),
  { Records: Array.from({ length: 10_000 }, () => fixture('sqs').Records[0]) },
);

const contexts: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(undefined),
  fc.record(
    {
      xRayTraceId: fc.oneof(
        hostileString,
        fc.constant('Root=1-5e272390-8c398be037738dc042009320;Parent=94ae789b969f1cc5;Sampled=1'),
      ),
      clientContext: fc.oneof(
        hostileValue,
        carrier.map((c) => ({ custom: { _datadog: c } })),
      ),
      awsRequestId: hostileString,
      invokedFunctionArn: hostileString,
    },
    { requiredKeys: [] },
  ),
  hostileValue,
);

function assertValidContext(context: DatadogContext | undefined): void {
  if (context === undefined) return;
  assert.ok(isDatadogId(context.traceId), `trace id ${context.traceId}`);
  assert.ok(isDatadogId(context.parentId), `parent id ${context.parentId}`);
  if (context.samplingPriority !== undefined) assert.ok([-1, 0, 1, 2].includes(context.samplingPriority));
  if (context.tid !== undefined) assert.match(context.tid, /^[0-9a-f]{16}$/);
}

/** How often each source won, so a run that never reaches the extractors shows up as a failure. */
const won = new Map<string, number>();

function check(config: Config, event: unknown, context: unknown): void {
  const chosen = timed(PER_INPUT_MS, () => chooseParent(config, event, context));
  won.set(chosen.source, (won.get(chosen.source) ?? 0) + 1);
  assert.ok(SOURCES.has(chosen.source), chosen.source);
  assertValidContext(chosen.context);
  for (const link of chosen.links ?? []) assertValidContext(link);
  const trigger = timed(PER_INPUT_MS, () => eventTrigger(event, context));
  for (const [key, value] of Object.entries(trigger.tags))
    assert.ok(
      ['string', 'number', 'boolean'].includes(typeof value),
      `trigger tag ${key} is ${typeof value}`,
    );
}

describe('fuzz: chooseParent and eventTrigger', () => {
  const merging = resolveConfig({ mergeXrayTraces: true, logLevel: 'off' }, {});
  const full128 = resolveConfig(
    { mergeXrayTraces: true, traceIdMode: 'full128', sampling: 'respect', logLevel: 'off' },
    {},
  );
  const inputs: Array<[string, fc.Arbitrary<unknown>, number]> = [
    ['random values', hostileValue, 800],
    ['real events broken in random places', mutatedFixtures, 1500],
    ['hostile carriers in every event shape', carrierEvents, 1500],
    ['deep and huge events', deepEvents, 12],
  ];
  for (const [name, events, runs] of inputs) {
    it(`${name}: never throws, valid ids only, no prototype touched`, () => {
      const unchanged = prototypeSnapshot();
      won.clear();
      fc.assert(
        fc.property(events, contexts, fc.boolean(), (event, context, wide) => {
          check(wide ? full128 : merging, event, context);
        }),
        params(runs),
      );
      unchanged();
      console.log(`${name}: parent sources ${JSON.stringify(Object.fromEntries(won))}`);
      if (name.startsWith('hostile carriers'))
        assert.ok((won.get('event') ?? 0) > runs / 50, 'some carriers are valid enough to become the parent');
    });
  }

  it('a user extractor returning anything at all', () => {
    const unchanged = prototypeSnapshot();
    fc.assert(
      fc.property(fc.oneof(hostileValue, carrier), carrierEvents, (returned, event) => {
        const config = resolveConfig(
          { mergeXrayTraces: true, logLevel: 'off', traceExtractor: () => returned },
          {},
        );
        check(config, event, undefined);
      }),
      params(500),
    );
    unchanged();
  });
});
