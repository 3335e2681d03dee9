/**
 * Where the stream functions' code comes from: the self-contained bundle `dist/stream-lambda`
 * (built by `npm run build`), as an asset. Its exports are `handler` (the consumer) and
 * `repartitionHandler`.
 */

import { existsSync } from 'node:fs';
import path from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { packageRoot } from './merger-code.ts';

export const STREAM_BUNDLE_DIR = 'dist/stream-lambda';

export abstract class StreamCode {
  static fromPackage(): StreamCode {
    return new PackageStreamCode();
  }

  /** Any code with the same two exports (a bundle of your own, `lambda.Code.fromInline` in tests). */
  static fromCode(code: lambda.Code): StreamCode {
    return new (class extends StreamCode {
      bind() {
        return { code };
      }
    })();
  }

  abstract bind(): { readonly code: lambda.Code };
}

class PackageStreamCode extends StreamCode {
  bind() {
    const dir = path.join(packageRoot(), STREAM_BUNDLE_DIR);
    if (!existsSync(path.join(dir, 'index.cjs'))) {
      throw new Error(
        `the stream bundle ${dir}/index.cjs is missing: build the package first (npm run build)`,
      );
    }
    return { code: lambda.Code.fromAsset(dir) };
  }
}
