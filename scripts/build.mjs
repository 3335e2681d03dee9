// Builds the package: esbuild bundles (ESM + CJS) of the runtime, the merger, the CLI and the layer's
// redirect entry, and tsc declarations. dd-trace (peer) and the AWS SDK stay external; zod is bundled.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { root } from './toolchain.mjs';

const dist = path.join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  external: ['dd-trace', '@aws-sdk/*', 'aws-xray-sdk-core', 'aws-xray-sdk'],
  legalComments: 'none',
  logLevel: 'warning',
  logOverride: { 'empty-import-meta': 'silent' },
  absWorkingDir: root,
};

/**
 * src/config-schema.ts (the settings' zod schema, and with it zod) is loaded lazily by config.ts,
 * so esbuild wraps it in an init function that a cold start with valid settings never calls. V8
 * still has to scan its text when the bundle loads: minified, that part is about 30 KB instead of
 * 50 KB, about 0.8 ms less per cold start on the bench machine. Only this module is minified, and
 * only in the runtime bundles (the merger and the CLI use zod everywhere, so it stays shared there);
 * the package's own code stays readable.
 */
const minifiedSchema = {
  name: 'minified-config-schema',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]config-schema\.ts$/ }, async (args) => {
      const result = await esbuild.build({
        ...common,
        entryPoints: [args.path],
        format: 'esm',
        minify: true,
        write: false,
      });
      return { contents: result.outputFiles[0].text, loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

const entries = [
  { name: 'index', entry: 'src/index.ts', formats: ['esm', 'cjs'], runtime: true },
  { name: 'merge', entry: 'src/merge/index.ts', formats: ['esm', 'cjs'], optional: true },
  { name: 'handler', entry: 'src/handler/redirect.ts', formats: ['cjs'], optional: true, runtime: true },
  // The layer's ESM redirect entry (top-level await), re-exported by the package root's handler.mjs.
  { name: 'handler', entry: 'src/handler/redirect-esm.ts', formats: ['esm'], optional: true, runtime: true },
  { name: 'cli', entry: 'src/cli.ts', formats: ['esm'], optional: true, banner: '#!/usr/bin/env node' },
];

const { existsSync } = await import('node:fs');
for (const { name, entry, formats, optional, banner, runtime } of entries) {
  if (optional && !existsSync(path.join(root, entry))) continue;
  for (const format of formats) {
    await esbuild.build({
      ...common,
      entryPoints: [entry],
      ...(runtime ? { plugins: [minifiedSchema] } : {}),
      format,
      outfile: path.join(dist, `${name}.${format === 'esm' ? 'js' : 'cjs'}`),
      ...(banner ? { banner: { js: banner } } : {}),
      ...(format === 'esm'
        ? {
            // Bundled CJS dependencies may call require(); give ESM output one.
            banner: {
              js: `${banner ? `${banner}\n` : ''}import { createRequire as __xddmCreateRequire } from 'node:module'; const require = __xddmCreateRequire(import.meta.url);`,
            },
          }
        : {}),
    });
  }
}

// Declarations: tsc writes them under dist/types; thin entry files point the exports there.
execFileSync(
  process.execPath,
  [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
  { cwd: root, stdio: 'inherit' },
);
for (const [name, types] of [
  ['index', 'index'],
  ['merge', 'merge/index'],
]) {
  if (!existsSync(path.join(dist, 'types', `${types}.d.ts`))) continue;
  for (const ext of ['d.ts', 'd.cts']) {
    writeFileSync(path.join(dist, `${name}.${ext}`), `export * from './types/${types}.js';\n`);
  }
}
