/**
 * What the fuzz tests share: a fixed seed and bounded runs (so `npm test` is repeatable and a
 * failure can be replayed), a per-input time bound (so a hang or a runaway regex is a failure, not
 * a stuck test), a check that no prototype gained keys, and the hostile building blocks: big
 * strings, bytes that are not UTF-8, lone surrogates, deep nesting, huge ids, `__proto__` keys.
 */

import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';

/** Replay a failure with the seed and path fast-check prints. */
export const SEED = 20_240_909;

export function params(numRuns: number): fc.Parameters<unknown> {
  return { seed: SEED, numRuns, endOnFailure: true };
}

/** Runs `fn`, failing when one input takes longer than `boundMs` (a generous bound, not a benchmark). */
export function timed<T>(boundMs: number, fn: () => T): T {
  const started = performance.now();
  const result = fn();
  const elapsed = performance.now() - started;
  if (elapsed > boundMs) assert.fail(`one input took ${elapsed.toFixed(0)} ms (bound ${boundMs} ms)`);
  return result;
}

const PROTOTYPES: Array<[string, object]> = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype],
];

/** The own keys of the built-in prototypes now; call the result to assert none was added. */
export function prototypeSnapshot(): () => void {
  const before = PROTOTYPES.map(
    ([name, proto]) => [name, Reflect.ownKeys(proto).map(String).sort()] as const,
  );
  return () => {
    for (const [name, keys] of before) {
      const proto = PROTOTYPES.find(([n]) => n === name)?.[1] as object;
      assert.deepEqual(Reflect.ownKeys(proto).map(String).sort(), keys, `${name} is unchanged`);
    }
    // A polluted prototype shows up on a fresh object too.
    const fresh: Record<string, unknown> = {};
    for (const key of ['polluted', 'isAdmin', 'x-datadog-trace-id', 'traceId', 'Root'])
      assert.equal(fresh[key], undefined, `a fresh object has no inherited ${key}`);
  };
}

/** Keys that break naive object handling. */
export const NASTY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'];

/** JSON text of anything the arbitraries make (bigints become decimal strings). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null';
}

/** An object with an own `__proto__` key, as JSON.parse makes it (an object literal cannot). */
export function withOwnProto(inner: unknown): Record<string, unknown> {
  return JSON.parse(`{"__proto__": ${toJson(inner)}, "polluted": true}`);
}

/** `depth` levels of `{ key: … }`, built without recursion. */
export function deeplyNested(depth: number, key = 'a', leaf: unknown = 'leaf'): unknown {
  let value: unknown = leaf;
  for (let i = 0; i < depth; i += 1) value = { [key]: value };
  return value;
}

/** The same nesting as JSON text, for carriers that hold JSON strings. */
export function deeplyNestedJson(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Strings people and attackers send: big, binary, surrogate halves, numbers at the edges. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }), weight: 4 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 50 }), weight: 4 },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '\u0000',
      '\uD800',
      '\uDFFF',
      'a\uD800b',
      '\uFFFD',
      '__proto__',
      'constructor',
      '0',
      '-1',
      '1e308',
      'NaN',
      'Infinity',
      '18446744073709551615',
      '18446744073709551616',
      '9223372036854775808',
      '99999999999999999999999999999999999999',
      '0x1f',
      ' 42 ',
      '4\u00b2',
      '\u0661\u0662',
    ),
  },
  // Bytes that are not UTF-8, decoded the two ways a runtime might.
  {
    weight: 4,
    arbitrary: fc
      .uint8Array({ minLength: 1, maxLength: 64 })
      .chain((bytes) =>
        fc.constantFrom(Buffer.from(bytes).toString('utf8'), Buffer.from(bytes).toString('latin1')),
      ),
  },
  // 64 KB and more: rarer, as they dominate the run time (but every run still sees many).
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(64 * 1024, 65 * 1024, 256 * 1024)
      .chain((size) => fc.constantFrom('A', '=', ';', '9', '\u00e9', '{').map((c) => c.repeat(size))),
  },
);

/** Lowercase hex of up to `maxLength` digits. */
export function hexString(maxLength: number, minLength = 0): fc.Arbitrary<string> {
  return fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength, maxLength });
}

/** Ids of every shape: valid, huge, negative, hex, padded, not numbers at all. */
export const hostileId: fc.Arbitrary<unknown> = fc.oneof(
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
  hexString(40),
  fc.bigInt({ min: 0n, max: 2n ** 128n }),
  fc.double(),
  fc.integer(),
  hostileString,
  fc.constant(null),
  fc.constant(undefined),
  fc.constantFrom({}, [], ['1'], { toString: () => '1' }),
);

/** Any JSON-ish value with hostile strings and nasty keys, a few levels deep. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileId,
    fc.boolean(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...NASTY_KEYS), fc.string({ maxLength: 10 })), tie('value'), {
      maxKeys: 5,
    }),
  ),
})).value;

/**
 * Replaces values in `base` (a plain JSON object) at random paths with hostile values: a
 * realistic event or document, broken in a few places.
 */
export function mutated(base: unknown): fc.Arbitrary<unknown> {
  const paths: string[][] = [];
  const walk = (value: unknown, path: string[]) => {
    paths.push(path);
    if (value !== null && typeof value === 'object')
      for (const [key, child] of Object.entries(value)) walk(child, [...path, key]);
  };
  walk(base, []);
  const edit = fc.record({
    path: fc.constantFrom(...paths),
    kind: fc.constantFrom('replace', 'delete', 'proto', 'nasty-key'),
    value: hostileValue,
  });
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => {
    let copy: unknown = JSON.parse(toJson(base));
    for (const edit of edits) {
      const { path, kind } = edit;
      // A fresh copy each time: a shared constant inserted twice could close a cycle.
      const value = edit.value === undefined ? undefined : JSON.parse(toJson(edit.value));
      if (path.length === 0) {
        copy = kind === 'proto' ? withOwnProto(copy) : value;
        continue;
      }
      let parent = copy as Record<string, unknown>;
      for (const key of path.slice(0, -1)) {
        const next = parent?.[key];
        if (next === null || typeof next !== 'object') {
          parent = undefined as never;
          break;
        }
        parent = next as Record<string, unknown>;
      }
      if (parent === undefined || parent === null || typeof parent !== 'object') continue;
      const key = path[path.length - 1] as string;
      if (kind === 'replace') parent[key] = value;
      else if (kind === 'delete') delete parent[key];
      else if (kind === 'proto') parent[key] = withOwnProto(parent[key]);
      else
        Object.defineProperty(parent, '__proto__', {
          value,
          enumerable: true,
          configurable: true,
          writable: true,
        });
    }
    return copy;
  });
}
