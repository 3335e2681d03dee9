import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_DEPTH, MAX_TAGS, MAX_VALUE_LENGTH, payloadTags } from '../../src/handler/payload.ts';

describe('payloadTags', () => {
  const table: Array<[string, unknown, Record<string, string>]> = [
    [
      'flattens objects to dotted keys',
      { headers: { host: 'example.com' }, body: '{"a":1}' },
      { 'function.request.headers.host': 'example.com', 'function.request.body': '{"a":1}' },
    ],
    [
      'arrays by index',
      { Records: [{ id: 1 }, { id: 2 }] },
      { 'function.request.Records.0.id': '1', 'function.request.Records.1.id': '2' },
    ],
    ['a plain string', 'ok', { 'function.request': 'ok' }],
    [
      'numbers, booleans and null',
      { n: 1.5, b: false, z: null },
      { 'function.request.n': '1.5', 'function.request.b': 'false', 'function.request.z': 'null' },
    ],
    ['empty containers', { o: {}, a: [] }, { 'function.request.o': '{}', 'function.request.a': '[]' }],
    ['a bigint', { big: 2n ** 70n }, { 'function.request.big': (2n ** 70n).toString() }],
    ['undefined gives nothing', undefined, {}],
  ];
  for (const [name, value, expected] of table) {
    it(name, () => assert.deepEqual(payloadTags('function.request', value), expected));
  }

  it('bounds depth', () => {
    let deep: Record<string, unknown> = { leaf: 'x' };
    for (let i = 0; i < 50; i += 1) deep = { d: deep };
    const keys = Object.keys(payloadTags('p', deep));
    assert.equal(keys.length, 1);
    assert.equal(keys[0]!.split('.').length - 1, MAX_DEPTH);
  });

  it('bounds the number of tags', () => {
    const wide = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]));
    assert.equal(Object.keys(payloadTags('p', wide)).length, MAX_TAGS);
  });

  it('bounds value length', () => {
    const tags = payloadTags('p', { body: 'x'.repeat(100_000) });
    assert.equal(tags['p.body']!.length, MAX_VALUE_LENGTH + 1);
  });

  it('survives cycles and hostile getters', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    assert.deepEqual(payloadTags('p', cyclic), { 'p.a': '1', 'p.self': '<cycle>' });
    const hostile = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('no');
      },
    });
    assert.deepEqual(payloadTags('p', hostile), { p: '<unreadable>' });
  });
});
