// The merger's release artifacts, written beside the layer zips: the merger bundle as a layer
// (`xray-dd-merge-merger.zip`: `nodejs/xray-dd-merge-merger/index.cjs`, plain JavaScript, any
// architecture) and the CloudFormation template synthesized from the CDK construct
// (`xray-dd-merge-merger.template.json`, MergerTemplateStack), whose function loads that layer.
//
//   node layer/merger-artifacts.mjs [--out=layer/out]   # after `npm run build`; layer:build runs it
//
// Needs the built package (dist/merger-lambda, dist/cdk.js) and aws-cdk-lib (a devDependency); the
// template is synthesized offline, in a child Node 22 (the package's own engine), no `cdk` CLI.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { nodeBinary } from '../scripts/toolchain.mjs';
import { withDirectories, writeZip } from './zip.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const MERGER_LAYER_NAME = 'xray-dd-merge-merger';
/** Where the inline handler of the template's function finds the bundle (MERGER_LAYER_ENTRY). */
export const MERGER_LAYER_FILE = `nodejs/${MERGER_LAYER_NAME}/index.cjs`;

/**
 * @param {{ root?: string, outDir?: string }} [options]
 * @returns {{ zipPath: string, templatePath: string, size: number, sha256: string, parameters: string[] }}
 */
export function buildMergerArtifacts(options = {}) {
  const root = options.root ?? ROOT;
  const outDir = options.outDir ?? path.join(root, 'layer', 'out');
  const bundle = path.join(root, 'dist', 'merger-lambda', 'index.cjs');
  const cdkEntry = path.join(root, 'dist', 'cdk.js');
  for (const file of [bundle, cdkEntry]) {
    if (!existsSync(file))
      throw new Error(`${path.relative(root, file)} is missing: run npm run build first`);
  }
  mkdirSync(outDir, { recursive: true });

  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const manifest = { name: MERGER_LAYER_NAME, version: pkg.version, license: pkg.license, main: 'index.cjs' };
  const zip = writeZip(
    withDirectories([
      { name: MERGER_LAYER_FILE, data: readFileSync(bundle) },
      {
        name: `nodejs/${MERGER_LAYER_NAME}/package.json`,
        data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`),
      },
      { name: `nodejs/${MERGER_LAYER_NAME}/LICENSE`, data: readFileSync(path.join(root, 'LICENSE')) },
    ]),
  );
  const zipPath = path.join(outDir, `${MERGER_LAYER_NAME}.zip`);
  writeFileSync(zipPath, zip);

  const synth = `import { synthesizeMergerTemplate } from ${JSON.stringify(pathToFileURL(cdkEntry).href)};
process.stdout.write(JSON.stringify(synthesizeMergerTemplate(), null, 2) + '\\n');`;
  const template = execFileSync(nodeBinary('22'), ['--input-type=module', '-e', synth], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  const templatePath = path.join(outDir, `${MERGER_LAYER_NAME}.template.json`);
  writeFileSync(templatePath, template);
  return {
    zipPath,
    templatePath,
    size: zip.length,
    sha256: createHash('sha256').update(zip).digest('hex'),
    parameters: Object.keys(JSON.parse(template).Parameters ?? {}),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv.slice(2).find((arg) => arg.startsWith('--out='));
  const result = buildMergerArtifacts(out ? { outDir: path.resolve(out.slice('--out='.length)) } : {});
  console.log(
    `${path.relative(process.cwd(), result.zipPath)}  ${(result.size / 1024).toFixed(0)} KiB zipped`,
  );
  console.log(`  sha256 ${result.sha256}`);
  console.log(
    `${path.relative(process.cwd(), result.templatePath)}  parameters: ${result.parameters.join(', ')}`,
  );
}
