// Builds the package: esbuild bundles (ESM + CJS) of the runtime, the merger, the CLI and the layer's
// redirect entry, and tsc declarations. dd-trace (peer) and the AWS SDK stay external; zod is bundled.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
 * src/config-schema.ts (the settings' zod schema, and with it zod) is needed only when a setting is
 * invalid. In the runtime bundles it is not bundled at all: it is its own minified file,
 * dist/config-schema.cjs, which config.ts requires on first use. A cold start with valid settings
 * then neither evaluates nor even scans zod (about 30 KB minified, about 1 ms of V8 parsing on the
 * bench machine). The merger and the CLI use zod everywhere, so there it stays bundled.
 */
const SCHEMA_FILE = 'config-schema.cjs';
const separateSchema = {
  name: 'separate-config-schema',
  setup(build) {
    build.onResolve({ filter: /^\.\/config-schema\.ts$/ }, () => ({
      path: `./${SCHEMA_FILE}`,
      external: true,
    }));
  },
};

/**
 * The flame graph page's style and script are real files (src/merge/flamegraph/page.css, page.js)
 * that page-assets.ts reads at run time from the source tree; in the bundles that module becomes
 * their text, so dist/ needs no files beside it.
 */
const inlinePageAssets = {
  name: 'inline-page-assets',
  setup(build) {
    build.onLoad({ filter: /[\\/]flamegraph[\\/]page-assets\.ts$/ }, (args) => {
      const dir = path.dirname(args.path);
      const text = (file) => JSON.stringify(readFileSync(path.join(dir, file), 'utf8'));
      return {
        contents: `export const STYLE = ${text('page.css')};\nexport const CLIENT_SCRIPT = ${text('page.js')};\n`,
        loader: 'js',
      };
    });
  },
};

const entries = [
  { name: 'index', entry: 'src/index.ts', formats: ['esm', 'cjs'], runtime: true },
  { name: 'merge', entry: 'src/merge/index.ts', formats: ['esm', 'cjs'], optional: true },
  // The layer's redirect, one CommonJS bundle that the package root's handler.mjs and handler.cjs call.
  { name: 'handler', entry: 'src/handler/redirect.ts', formats: ['cjs'], optional: true, runtime: true },
  // The aws/spans stream handler (issue 24): its own entry, never loaded by the runtime.
  { name: 'stream', entry: 'src/stream/index.ts', formats: ['esm', 'cjs'], optional: true },
  { name: 'cli', entry: 'src/cli.ts', formats: ['esm'], optional: true, banner: '#!/usr/bin/env node' },
  // The CDK constructs: aws-cdk-lib and constructs are the user's (optional peers), never bundled.
  { name: 'cdk', entry: 'src/cdk/index.ts', formats: ['esm', 'cjs'], optional: true, cdk: true },
];

/** Only the CDK entry may reference these; every other bundle keeps them out. */
const CDK_PACKAGES = ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'cdk-nag'];

await esbuild.build({
  ...common,
  entryPoints: ['src/config-schema.ts'],
  format: 'cjs',
  minify: true,
  outfile: path.join(dist, SCHEMA_FILE),
});

const { existsSync } = await import('node:fs');
for (const { name, entry, formats, optional, banner, runtime, cdk } of entries) {
  if (optional && !existsSync(path.join(root, entry))) continue;
  for (const format of formats) {
    await esbuild.build({
      ...common,
      ...(cdk ? { external: [...common.external, ...CDK_PACKAGES] } : {}),
      entryPoints: [entry],
      // The runtime bundles are loaded on every cold start: fully minified, a third less text for V8
      // to scan and compile (87 KB -> 60 KB for dist/handler.cjs). This package's log lines name
      // errors by their name and message, never by a stack, so the short names cost no reader.
      ...(runtime ? { plugins: [separateSchema], minify: true } : { plugins: [inlinePageAssets] }),
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

// The merger as a Lambda function: one self-contained CommonJS file (the AWS SDK X-Ray client inside,
// so the code does not depend on the SDK version the Lambda runtime ships). The CDK construct deploys
// this folder as an asset; the `xray-dd-merge-merger` layer carries the same file.
if (existsSync(path.join(root, 'src/merge/lambda.ts'))) {
  await esbuild.build({
    ...common,
    external: [],
    entryPoints: ['src/merge/lambda.ts'],
    format: 'cjs',
    minifyWhitespace: true,
    minifySyntax: true,
    outfile: path.join(dist, 'merger-lambda', 'index.cjs'),
  });
}

// The stream handler as a Lambda function, self-contained like the merger's (the Kinesis client
// inside): the CDK construct's stream mode deploys this folder.
if (existsSync(path.join(root, 'src/stream/index.ts'))) {
  await esbuild.build({
    ...common,
    external: [],
    entryPoints: ['src/stream/index.ts'],
    format: 'cjs',
    minifyWhitespace: true,
    minifySyntax: true,
    outfile: path.join(dist, 'stream-lambda', 'index.cjs'),
  });
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
  ['cdk', 'cdk/index'],
  ['stream', 'stream/index'],
]) {
  if (!existsSync(path.join(dist, 'types', `${types}.d.ts`))) continue;
  for (const ext of ['d.ts', 'd.cts']) {
    writeFileSync(path.join(dist, `${name}.${ext}`), `export * from './types/${types}.js';\n`);
  }
}
