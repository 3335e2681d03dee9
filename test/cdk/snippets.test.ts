// The README's Serverless Framework and SAM snippets for attaching the layer, parsed and checked
// against the package's own facts: the layer name for the architecture, a runtime the layer is
// built for, active tracing, a way in that exists (exec wrapper or handler redirect with
// DD_LAMBDA_HANDLER), DD_MERGE_XRAY_TRACES on, and only variables the package (or Lambda) reads.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, type Tags } from 'yaml';
import { WRAPPER_NAME } from '../../layer/build.mjs';
import { EXEC_WRAPPER, LAYER_RUNTIMES, MERGE_LAYER_NAME, REDIRECT_HANDLER } from '../../src/cdk/index.ts';
import { readmeBlock } from './readme-blocks.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** Variables the package reads (config.ts is the one place that reads the environment), and Lambda's own. */
const KNOWN = new Set([
  ...[...readFileSync(path.join(ROOT, 'src/config.ts'), 'utf8').matchAll(/\b(DD_[A-Z0-9_]+)\b/g)].map(
    (m) => m[1]!,
  ),
  'AWS_LAMBDA_EXEC_WRAPPER',
]);

/** CloudFormation's short-form tags, kept as `{ 'Fn::Sub': value }` and so on. */
const CFN_TAGS: Tags = ['Sub', 'Ref', 'GetAtt', 'Join', 'If'].map((name) => ({
  tag: `!${name}`,
  resolve: (value: unknown) => ({ [name === 'Ref' ? 'Ref' : `Fn::${name}`]: value }),
}));

function layerArnFor(arch: string): RegExp {
  return new RegExp(`^arn:aws:lambda:[^:]+:[^:]+:layer:${MERGE_LAYER_NAME}-${arch}:[^:]+$`);
}

function checkWayIn(handler: string, variables: Record<string, string>) {
  if (handler === REDIRECT_HANDLER) {
    assert.ok(variables.DD_LAMBDA_HANDLER, 'the handler redirect needs DD_LAMBDA_HANDLER');
    assert.equal(variables.AWS_LAMBDA_EXEC_WRAPPER, undefined);
  } else {
    assert.equal(variables.AWS_LAMBDA_EXEC_WRAPPER, EXEC_WRAPPER);
  }
  for (const name of Object.keys(variables)) assert.ok(KNOWN.has(name), `${name} is read by the package`);
  assert.equal(variables.DD_MERGE_XRAY_TRACES, 'true');
}

describe('README snippets for the layer', () => {
  it("the exec wrapper and redirect entry they name are the layer's", () => {
    assert.equal(EXEC_WRAPPER, `/opt/${WRAPPER_NAME}`);
    assert.ok(existsSync(path.join(ROOT, 'layer', WRAPPER_NAME)), 'the exec wrapper script');
    assert.equal(REDIRECT_HANDLER, '/opt/nodejs/node_modules/xray-dd-merge/handler.handler');
    assert.ok(existsSync(path.join(ROOT, 'handler.mjs')), 'the redirect entry');
  });

  it('Serverless Framework', () => {
    const doc = parse(readmeBlock(README, '<!-- test/cdk/snippets.test.ts: serverless -->'));
    const { provider, functions } = doc;
    assert.ok(LAYER_RUNTIMES.includes(provider.runtime), provider.runtime);
    assert.equal(provider.tracing.lambda, true);
    const fns = Object.values(functions) as Array<{ handler: string; layers: string[] }>;
    assert.ok(fns.length > 0);
    for (const fn of fns) {
      const arn = fn.layers[0]!.replace(/\$\{aws:region\}/, 'eu-west-1');
      assert.match(arn, layerArnFor(provider.architecture ?? 'x86_64'));
      checkWayIn(fn.handler, provider.environment);
    }
  });

  it('AWS SAM', () => {
    const doc = parse(readmeBlock(README, '<!-- test/cdk/snippets.test.ts: sam -->'), {
      customTags: CFN_TAGS,
    });
    const globals = doc.Globals.Function;
    assert.ok(LAYER_RUNTIMES.includes(globals.Runtime), globals.Runtime);
    assert.equal(globals.Tracing, 'Active');
    const arn = String(globals.Layers[0]['Fn::Sub']).replace(/\$\{AWS::Region\}/, 'eu-west-1');
    assert.match(arn, layerArnFor(globals.Architectures[0]));
    const fns = Object.values(doc.Resources).filter(
      (r: any) => r.Type === 'AWS::Serverless::Function',
    ) as any[];
    assert.ok(fns.length > 0);
    for (const fn of fns) {
      checkWayIn(fn.Properties.Handler, {
        ...globals.Environment.Variables,
        ...fn.Properties.Environment?.Variables,
      });
    }
  });
});
