// Supply chain: the package publishes with provenance, and its dependency list (SBOM) can be made
// offline from the lockfile. The layer's own SBOM beside each zip, and the layer build being
// byte-for-byte reproducible, are tested with the layer build (test/layer/build.test.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './run-child.ts';

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  publishConfig?: { provenance?: boolean; access?: string };
};

describe('supply chain', () => {
  it('npm publish attaches provenance and publishes publicly', () => {
    assert.equal(pkg.publishConfig?.provenance, true);
    assert.equal(pkg.publishConfig?.access, 'public');
  });

  it('npm sbom (CycloneDX, runtime dependencies) runs offline and lists the runtime dependencies only', () => {
    const run = spawnSync('npm', ['sbom', '--omit', 'dev', '--sbom-format', 'cyclonedx', '--offline'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.status, 0, run.stderr);
    const bom = JSON.parse(run.stdout) as {
      bomFormat: string;
      components: Array<{ name: string; purl?: string }>;
    };
    assert.equal(bom.bomFormat, 'CycloneDX');
    const names = new Set(bom.components.map((c) => c.name));
    for (const name of Object.keys(pkg.dependencies ?? {})) assert.ok(names.has(name), `${name} is listed`);
    const devOnly = Object.keys(pkg.devDependencies ?? {}).filter(
      (name) => !(name in (pkg.dependencies ?? {})),
    );
    for (const name of devOnly) assert.ok(!names.has(name), `${name} (development only) is not listed`);
    for (const component of bom.components) assert.match(component.purl ?? '', /^pkg:npm\//);
  });
});
