/**
 * Where the merger function's code comes from. `fromPackage()` (the default) is the self-contained
 * bundle this package ships in `dist/merger-lambda/` (the merger and the AWS SDK X-Ray client, no
 * other dependency), deployed as a CDK asset; `fromLayer()` is the same bundle published as the
 * `xray-dd-merge-merger` layer, loaded by a two-line inline handler: no asset, which is what the
 * CloudFormation template uses.
 *
 * @example
 * new XRayDatadogMerger(this, 'Merger', { code: MergerCode.fromLayer(mergerLayer), ... });
 */

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** The bundle's folder in the package, and its file inside a layer zip (`/opt/...`). */
export const MERGER_BUNDLE_DIR = 'dist/merger-lambda';
export const MERGER_LAYER_ENTRY = '/opt/nodejs/xray-dd-merge-merger/index.cjs';

export interface BoundMergerCode {
  readonly code: lambda.Code;
  readonly handler: string;
  readonly layers: readonly lambda.ILayerVersion[];
}

export abstract class MergerCode {
  /** The bundle in this package's `dist/merger-lambda`, as an asset. */
  static fromPackage(): MergerCode {
    return new PackageMergerCode();
  }

  /** The bundle from the `xray-dd-merge-merger` layer, with an inline handler that loads it. */
  static fromLayer(layer: lambda.ILayerVersion): MergerCode {
    return new LayerMergerCode(layer);
  }

  abstract bind(): BoundMergerCode;
}

class PackageMergerCode extends MergerCode {
  bind(): BoundMergerCode {
    const dir = path.join(packageRoot(), MERGER_BUNDLE_DIR);
    if (!existsSync(path.join(dir, 'index.cjs'))) {
      throw new Error(
        `the merger bundle ${dir}/index.cjs is missing: build the package first (npm run build)`,
      );
    }
    return { code: lambda.Code.fromAsset(dir), handler: 'index.handler', layers: [] };
  }
}

class LayerMergerCode extends MergerCode {
  private readonly layer: lambda.ILayerVersion;

  constructor(layer: lambda.ILayerVersion) {
    super();
    this.layer = layer;
  }

  bind(): BoundMergerCode {
    return {
      code: lambda.Code.fromInline(
        `exports.handler = require(${JSON.stringify(MERGER_LAYER_ENTRY)}).handler;\n`,
      ),
      handler: 'index.handler',
      layers: [this.layer],
    };
  }
}

/** This package's root, from src/cdk (tests) or dist (the built entry). */
export function packageRoot(): string {
  let dir = typeof __dirname === 'string' ? __dirname : path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'xray-dd-merge')
      return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('xray-dd-merge/cdk: cannot find the package root of xray-dd-merge');
    dir = parent;
  }
}
