import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { datadogTraceState, parseTraceparent } from '../../src/context/w3c.ts';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT = 'b7ad6b7169203331';
const LOW = '9532127138774266268'; // 0x8448eb211c80319c
const PARENT_DEC = '13235353014750950193'; // 0xb7ad6b7169203331

describe('parseTraceparent: valid', () => {
  const cases: Array<[string, string, string | undefined, Record<string, unknown>]> = [
    [
      'sampled, 128-bit: low half decimal, high half as _dd.p.tid',
      `00-${TRACE}-${PARENT}-01`,
      undefined,
      { traceId: LOW, parentId: PARENT_DEC, samplingPriority: 1, tid: '0af7651916cd43dd' },
    ],
    [
      'not sampled',
      `00-${TRACE}-${PARENT}-00`,
      undefined,
      { traceId: LOW, parentId: PARENT_DEC, samplingPriority: 0, tid: '0af7651916cd43dd' },
    ],
    [
      'a 64-bit id (high half zero) has no tid',
      `00-00000000000000008448eb211c80319c-${PARENT}-01`,
      undefined,
      { traceId: LOW, parentId: PARENT_DEC, samplingPriority: 1 },
    ],
    [
      'only bit 0 of the flags is the sampled flag',
      `00-${TRACE}-${PARENT}-03`,
      undefined,
      { traceId: LOW, parentId: PARENT_DEC, samplingPriority: 1, tid: '0af7651916cd43dd' },
    ],
    [
      'uppercase hex and surrounding space are normalised',
      `  00-${TRACE.toUpperCase()}-${PARENT.toUpperCase()}-01 `,
      undefined,
      { traceId: LOW, parentId: PARENT_DEC, samplingPriority: 1, tid: '0af7651916cd43dd' },
    ],
    [
      'tracestate dd s:2 refines a sampled flag; t.* become _dd.p.* with ~ as =',
      `00-${TRACE}-${PARENT}-01`,
      'foo=bar,dd=s:2;o:rum;p:0123456789abcdef;t.dm:-4;t.usr.id:baz64~~,congo=t61rcWkgMzE',
      {
        traceId: LOW,
        parentId: PARENT_DEC,
        samplingPriority: 2,
        tid: '0af7651916cd43dd',
        tags: '_dd.p.dm=-4,_dd.p.usr.id=baz64==',
      },
    ],
    [
      'tracestate s:2 contradicting an unsampled flag is ignored: the flag wins',
      `00-${TRACE}-${PARENT}-00`,
      'dd=s:2',
      { traceId: LOW, parentId: PARENT_DEC, samplingPriority: 0, tid: '0af7651916cd43dd' },
    ],
    [
      'tracestate s:-1 with an unsampled flag is kept (USER_REJECT)',
      `00-${TRACE}-${PARENT}-00`,
      'dd=s:-1',
      { traceId: LOW, parentId: PARENT_DEC, samplingPriority: -1, tid: '0af7651916cd43dd' },
    ],
    [
      'tracestate t.tid is ignored: traceparent carries the high half',
      `00-${TRACE}-${PARENT}-01`,
      'dd=t.tid:ffffffffffffffff;t.dm:-0',
      {
        traceId: LOW,
        parentId: PARENT_DEC,
        samplingPriority: 1,
        tid: '0af7651916cd43dd',
        tags: '_dd.p.dm=-0',
      },
    ],
  ];
  for (const [name, traceparent, tracestate, expected] of cases) {
    it(name, () => assert.deepEqual(parseTraceparent(traceparent, tracestate), { context: expected }));
  }
});

describe('parseTraceparent: rejected (a problem, no context)', () => {
  const cases: Array<[string, string]> = [
    ['version ff', `ff-${TRACE}-${PARENT}-01`],
    ['version 01 (only 00 is read)', `01-${TRACE}-${PARENT}-01`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${PARENT}-01`],
    ['zero low 64 bits', `00-0af7651916cd43dd0000000000000000-${PARENT}-01`],
    ['all-zero parent id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['short trace id', `00-${TRACE.slice(2)}-${PARENT}-01`],
    ['non-hex', `00-${TRACE.slice(0, 31)}g-${PARENT}-01`],
    ['trailing data on version 00', `00-${TRACE}-${PARENT}-01-extra`],
    ['empty', ''],
  ];
  for (const [name, traceparent] of cases) {
    it(name, () => {
      const result = parseTraceparent(traceparent);
      assert.ok('problem' in result, JSON.stringify(result));
    });
  }
});

describe('datadogTraceState', () => {
  it('no dd member: undefined', () =>
    assert.equal(datadogTraceState('congo=t61rcWkgMzE,rojo=00f067aa'), undefined));
  it('a non-numeric s is ignored', () =>
    assert.deepEqual(datadogTraceState('dd=s:x;t.dm:-4'), { tags: ['_dd.p.dm=-4'] }));
  it('an oversized tracestate is not scanned', () =>
    assert.equal(datadogTraceState(`dd=s:2,${'a=b,'.repeat(2000)}`), undefined));
});
