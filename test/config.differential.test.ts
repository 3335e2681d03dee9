// The settings' quick check (config.ts, no zod) against the zod schema built from the same table
// (config-schema.ts), over a seeded corpus of options and environments: the quick check rejects
// exactly the settings zod reports, and where it accepts everything, zod's output is the same
// object resolveConfig returns without zod. zod is the authority; a disagreement fails with the input.
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import fc from 'fast-check';
import {
  type Options,
  rawSettings,
  rejectedSettings,
  resolveConfig,
  SETTINGS,
  settingsSchema,
} from '../src/config.ts';
import { configSchema } from '../src/config-schema.ts';

const schema = configSchema(SETTINGS);
const KEYS = Object.keys(SETTINGS) as Array<keyof typeof SETTINGS>;

/** Values near every edge of every kind: right and wrong types, enum spellings, range ends. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.boolean(),
  fc.constantFrom(
    '',
    ' ',
    'true',
    'x',
    'warn',
    'WARN',
    'off',
    'compat',
    'full128',
    'keep-only',
    'respect',
    '127.0.0.1:2000',
    'module.fn',
  ),
  fc.string(),
  fc.constantFrom(0, -0, 1, -1, 100, 900_000, 900_001, 2 ** 53, -(2 ** 53), 0.5, Number.NaN, Infinity),
  fc.integer({ min: -10, max: 1_000_000 }),
  fc.double(),
  fc.constantFrom(
    undefined,
    null,
    {},
    [],
    () => 'ctx',
    1n,
    Symbol('s'),
    new Boolean(true),
    new String('warn'),
  ),
);

/** What an environment variable can hold for a setting: its valid spellings, padded, and noise. */
const envValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'true',
    ' Yes ',
    '0',
    'maybe',
    'DEBUG',
    ' warn',
    'Full128',
    'keep-only',
    'always',
    '250',
    ' 900000 ',
    '900001',
    '-5',
    '1e3',
    '007',
    'h:1',
    ' ',
    'a.b',
  ),
  fc.string({ maxLength: 12 }),
  fc.nat({ max: 2_000_000 }).map(String),
);

const optionsArb: fc.Arbitrary<Options> = fc.dictionary(
  fc.constantFrom(...KEYS),
  anyValue,
) as fc.Arbitrary<Options>;
const envArb = fc.dictionary(fc.constantFrom(...KEYS.flatMap((key) => [...SETTINGS[key].env])), envValue);

function zodRejected(raw: Record<string, unknown>): string[] {
  const result = schema.safeParse(raw);
  if (result.success) return [];
  return [...new Set(result.error.issues.map((issue) => String(issue.path[0])))].sort();
}

describe('settings: the quick check agrees with the zod schema', () => {
  it('rejects exactly the settings zod rejects, over options and environments', () => {
    fc.assert(
      fc.property(optionsArb, envArb, (options, env) => {
        const { raw } = rawSettings(options, env);
        assert.deepEqual([...rejectedSettings(raw)].sort(), zodRejected(raw));
      }),
      { seed: 8, numRuns: 3000 },
    );
  });

  it('where it accepts, zod outputs the very values resolveConfig uses', () => {
    fc.assert(
      fc.property(optionsArb, envArb, (options, env) => {
        const { raw } = rawSettings(options, env);
        fc.pre(rejectedSettings(raw).length === 0);
        const parsed = schema.safeParse(raw);
        assert.ok(parsed.success);
        assert.deepStrictEqual(parsed.data, raw);
      }),
      { seed: 9, numRuns: 1000 },
    );
  });

  it('agrees on each value of each setting alone', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KEYS), anyValue, (key, value) => {
        const { raw } = rawSettings({}, {});
        raw[key] = value;
        assert.deepEqual(rejectedSettings(raw), zodRejected(raw));
      }),
      { seed: 10, numRuns: 3000 },
    );
  });

  it('resolveConfig gives what zod gives, valid or not (bad values fall back to their defaults)', () => {
    mock.method(console, 'warn', () => {});
    try {
      fc.assert(
        fc.property(optionsArb, envArb, (options, env) => {
          const { raw } = rawSettings(options, env);
          const defaults = rawSettings({}, {}).raw;
          const rejected = zodRejected(raw);
          for (const key of rejected) raw[key] = defaults[key];
          const config = resolveConfig(options, env);
          assert.deepStrictEqual({ ...config }, settingsSchema().parse(raw));
        }),
        { seed: 11, numRuns: 500 },
      );
    } finally {
      mock.restoreAll();
      resolveConfig({}, {});
    }
  });
});
