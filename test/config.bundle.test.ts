// The runtime bundles (the package's entries and the layer's redirect entries) must not evaluate zod
// on a cold start with valid settings, nor even hold its text for V8 to scan: the schema is its own
// file (dist/config-schema.cjs), required by config.ts on first use. zod marks its global config on
// globalThis when it is evaluated, which is what each child reports.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = existsSync(path.join(root, 'dist/index.cjs'));

// The layer's entries load the user's handler from the task root.
const taskRoot = mkdtempSync(path.join(os.tmpdir(), 'xddm-bundle-'));
writeFileSync(path.join(taskRoot, 'index.js'), 'exports.handler = async () => "ok";\n');
after(() => rmSync(taskRoot, { recursive: true, force: true }));

const CHILD = `
import { createRequire } from 'node:module';
const file = process.env.ENTRY;
const m = file.endsWith('.cjs') ? createRequire(file)(file) : await import(file);
m.resolveConfig?.();
process.stdout.write(String(globalThis.__zod_globalConfig !== undefined));
`;

/** Loads `entry` in a fresh Node with `env` (and resolves the settings): was zod evaluated? */
function zodEvaluated(entry: string, env: Record<string, string>): boolean {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', CHILD], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      ENTRY: path.join(root, entry),
      LAMBDA_TASK_ROOT: taskRoot,
      DD_LAMBDA_HANDLER: 'index.handler',
      // No dd-trace needed to read the settings.
      DD_TRACE_ENABLED: 'false',
      ...env,
    },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return out === 'true';
}

describe('runtime bundles: zod only when a setting is bad', { skip: !built && 'dist/ is not built' }, () => {
  for (const entry of ['dist/index.cjs', 'dist/index.js', 'dist/handler.cjs']) {
    it(`${entry}: holds no zod; the schema file does`, () => {
      assert.doesNotMatch(readFileSync(path.join(root, entry), 'utf8'), /\$Zod|_zod/);
      assert.match(readFileSync(path.join(root, 'dist/config-schema.cjs'), 'utf8'), /\$Zod/);
    });
  }
  // The layer's two entries (over dist/handler.cjs) resolve the settings as they load.
  for (const entry of ['dist/index.cjs', 'dist/index.js', 'handler.cjs', 'handler.mjs']) {
    it(`${entry}: valid settings do not evaluate zod; a bad one does`, () => {
      assert.equal(zodEvaluated(entry, { DD_XRAY_SAMPLING: 'respect' }), false);
      assert.equal(zodEvaluated(entry, { DD_XRAY_SAMPLING: 'sometimes', DD_LOG_LEVEL: 'off' }), true);
    });
  }
});
