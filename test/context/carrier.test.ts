import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type CarrierSettings,
  decodeBase64,
  fromDatadogHeaders,
  fromTextMap,
  fromXRayHeader,
} from '../../src/context/carrier.ts';

const MERGING: CarrierSettings = { mergeXrayTraces: true, traceIdMode: 'compat', sampling: 'keep-only' };
const NOT_MERGING: CarrierSettings = { ...MERGING, mergeXrayTraces: false };

function collect() {
  const notes: string[] = [];
  return { notes, note: (p: string) => notes.push(p) };
}

describe('fromDatadogHeaders', () => {
  const valid: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    [
      'ids, priority, tid and other _dd.p tags',
      {
        'x-datadog-trace-id': '7102102102102102101',
        'x-datadog-parent-id': '7102102102102102102',
        'x-datadog-sampling-priority': '2',
        'x-datadog-tags': '_dd.p.dm=-4,_dd.p.tid=66bcb5eb00000000,not.propagated=x',
      },
      {
        traceId: '7102102102102102101',
        parentId: '7102102102102102102',
        samplingPriority: 2,
        tid: '66bcb5eb00000000',
        tags: '_dd.p.dm=-4',
      },
    ],
    [
      'the largest 64-bit ids',
      { 'x-datadog-trace-id': '18446744073709551615', 'x-datadog-parent-id': '18446744073709551615' },
      { traceId: '18446744073709551615', parentId: '18446744073709551615' },
    ],
    [
      'a negative priority (USER_REJECT) is kept',
      { 'x-datadog-trace-id': '1', 'x-datadog-parent-id': '2', 'x-datadog-sampling-priority': '-1' },
      { traceId: '1', parentId: '2', samplingPriority: -1 },
    ],
    [
      'a priority Datadog does not define (38) is dropped, the ids kept',
      { 'x-datadog-trace-id': '1', 'x-datadog-parent-id': '2', 'x-datadog-sampling-priority': '38' },
      { traceId: '1', parentId: '2' },
    ],
    [
      'a non-numeric priority is dropped, the ids kept',
      { 'x-datadog-trace-id': '1', 'x-datadog-parent-id': '2', 'x-datadog-sampling-priority': 'keep' },
      { traceId: '1', parentId: '2' },
    ],
  ];
  for (const [name, map, expected] of valid) {
    it(name, () => {
      const { notes, note } = collect();
      assert.deepEqual(fromDatadogHeaders(map, note), { form: 'datadog', context: expected });
      assert.deepEqual(notes, []);
    });
  }

  const malformed: Array<[string, Record<string, unknown>]> = [
    ['zero trace id', { 'x-datadog-trace-id': '0', 'x-datadog-parent-id': '2' }],
    ['zero parent id', { 'x-datadog-trace-id': '1', 'x-datadog-parent-id': '0' }],
    ['trace id above 2^64-1', { 'x-datadog-trace-id': '18446744073709551616', 'x-datadog-parent-id': '2' }],
    ['hex trace id', { 'x-datadog-trace-id': 'abc', 'x-datadog-parent-id': '2' }],
    ['negative parent id', { 'x-datadog-trace-id': '1', 'x-datadog-parent-id': '-2' }],
    ['no parent id', { 'x-datadog-trace-id': '1' }],
  ];
  for (const [name, map] of malformed) {
    it(`malformed: ${name} -> no context, one note`, () => {
      const { notes, note } = collect();
      assert.equal(fromDatadogHeaders(map, note), undefined);
      assert.equal(notes.length, 1);
    });
  }

  it('absent: no note', () => {
    const { notes, note } = collect();
    assert.equal(fromDatadogHeaders({ traceparent: 'x' }, note), undefined);
    assert.deepEqual(notes, []);
  });

  it('a bad _dd.p.tid is dropped with a note; tags over 512 characters are all dropped', () => {
    const { notes, note } = collect();
    const bad = fromDatadogHeaders(
      { 'x-datadog-trace-id': '1', 'x-datadog-parent-id': '2', 'x-datadog-tags': '_dd.p.tid=XYZ' },
      note,
    );
    assert.deepEqual(bad?.context, { traceId: '1', parentId: '2' });
    const long = fromDatadogHeaders(
      {
        'x-datadog-trace-id': '1',
        'x-datadog-parent-id': '2',
        'x-datadog-tags': `_dd.p.x=${'a'.repeat(600)}`,
      },
      note,
    );
    assert.deepEqual(long?.context, { traceId: '1', parentId: '2' });
    assert.equal(notes.length, 2);
  });
});

describe('fromXRayHeader', () => {
  const padded = 'Root=1-65f2f4b1-000000006a1b2c3d4e5f6071;Parent=5a6b7c8d9e0f1a2b;Sampled=1';
  const plain = 'Root=1-5e272390-8c398be037738dc042009320;Parent=94ae789b969f1cc5;Sampled=1';

  it('dd-trace-java padded form: the Datadog id as it is, read even when merging is off', () => {
    const expected = {
      form: 'datadog-in-xray',
      context: {
        traceId: String(0x6a1b2c3d4e5f6071n),
        parentId: String(0x5a6b7c8d9e0f1a2bn),
        samplingPriority: 2,
      },
    };
    assert.deepEqual(fromXRayHeader(padded, NOT_MERGING, assert.fail), expected);
    assert.deepEqual(fromXRayHeader(padded, MERGING, assert.fail), expected);
  });

  it("X-Ray's own ids: only when merging is on, mapped through xray/ids", () => {
    assert.equal(fromXRayHeader(plain, NOT_MERGING, assert.fail), undefined);
    assert.deepEqual(fromXRayHeader(plain, MERGING, assert.fail), {
      form: 'xray',
      context: { traceId: '3995693151288333088', parentId: '10713633173203262661', samplingPriority: 2 },
    });
  });

  it('a Root without a Parent (what ALB and API Gateway send) is no parent, and no note', () => {
    assert.equal(fromXRayHeader('Root=1-5c536348-3d683b8b04734faae651f476', MERGING, assert.fail), undefined);
  });

  it('a padded Root whose id is zero: a note, no context', () => {
    const { notes, note } = collect();
    const zero = 'Root=1-65f2f4b1-000000000000000000000000;Parent=5a6b7c8d9e0f1a2b;Sampled=1';
    assert.equal(fromXRayHeader(zero, MERGING, note), undefined);
    assert.equal(notes.length, 1);
  });
});

describe('fromTextMap: Datadog, then W3C, then X-Amzn-Trace-Id', () => {
  const dd = { 'x-datadog-trace-id': '11', 'x-datadog-parent-id': '12' };
  const w3c = { traceparent: '00-000000000000000000000000000000aa-00000000000000bb-01' };
  const xray = {
    'x-amzn-trace-id': 'Root=1-65f2f4b1-0000000000000000000000cc;Parent=00000000000000dd;Sampled=1',
  };

  it('Datadog headers win when all are there', () =>
    assert.equal(fromTextMap({ ...xray, ...w3c, ...dd }, MERGING, assert.fail)?.form, 'datadog'));
  it('W3C when there are no Datadog headers', () =>
    assert.deepEqual(fromTextMap({ ...xray, ...w3c }, MERGING, assert.fail)?.context, {
      traceId: '170',
      parentId: '187',
      samplingPriority: 1,
    }));
  it('X-Amzn-Trace-Id last', () =>
    assert.equal(fromTextMap(xray, MERGING, assert.fail)?.context.traceId, '204'));
  it('malformed Datadog headers: one note, then W3C is used', () => {
    const { notes, note } = collect();
    const found = fromTextMap(
      { 'x-datadog-trace-id': '0', 'x-datadog-parent-id': '1', ...w3c },
      MERGING,
      note,
    );
    assert.equal(found?.form, 'w3c');
    assert.equal(notes.length, 1);
  });
  it('nothing there: undefined, no note', () =>
    assert.equal(fromTextMap({ a: 'b' }, MERGING, assert.fail), undefined));
});

describe('decodeBase64 is strict', () => {
  const cases: Array<[string, string | undefined]> = [
    ['eyJhIjoxfQ==', '{"a":1}'],
    ['eyJhIjoxfQ', undefined], // missing padding
    ['eyJh!IjoxfQ==', undefined],
    ['not base64 at all', undefined],
    ['', ''],
  ];
  for (const [input, expected] of cases)
    it(JSON.stringify(input), () => assert.equal(decodeBase64(input), expected));
});
