/**
 * The zod schema of the runtime's settings, built from the settings table in `config.ts`: the
 * authority on which values are valid, and the source of the message a bad value is reported with.
 *
 * `config.ts` loads this module only when a value fails its quick check against the same table, so
 * a cold start with valid settings does not evaluate zod at all (in the bundles, `require` of this
 * module is lazy). test/config.differential.test.ts proves the quick check accepts exactly what
 * this schema accepts.
 *
 * @example
 * configSchema(SETTINGS).safeParse({ ...raw }).success;
 */

import * as z from 'zod/mini';
import type { Setting } from './config.ts';

function valueSchema(setting: Setting): z.ZodMiniType {
  switch (setting.kind) {
    case 'boolean':
      return z.boolean();
    case 'text':
      return z.string().check(z.minLength(1));
    case 'enum':
      return z.enum(setting.values);
    case 'int':
      return z.int().check(z.minimum(setting.min), z.maximum(setting.max));
    case 'extractor':
      return z.union([z.custom((value) => typeof value === 'function'), z.string()]);
  }
}

/** One object schema: a setting without a default is optional. */
export function configSchema(settings: Readonly<Record<string, Setting>>) {
  const shape: Record<string, z.ZodMiniType> = {};
  for (const [key, setting] of Object.entries(settings)) {
    const value = valueSchema(setting);
    shape[key] = 'default' in setting ? value : z.optional(value);
  }
  return z.object(shape);
}
