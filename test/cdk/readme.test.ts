// The README's CDK example, as written there (only its import of 'xray-dd-merge/cdk' pointed at
// src/cdk), synthesized: the instrumented function and the merger are in the template, and cdk-nag's
// AwsSolutions pack finds nothing the constructs did not acknowledge with a reason.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { App, Stack } from 'aws-cdk-lib';
import { Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { awsSolutionsFindings } from './nag.ts';
import { readmeBlock } from './readme-blocks.ts';
import { propertiesOf } from './template-values.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MARKER = '<!-- test/cdk/readme.test.ts synthesizes this block and runs cdk-nag on it -->';

// Inside the repository (gitignored), so aws-cdk-lib resolves from its node_modules.
const dir = path.join(ROOT, 'test-artifacts', `cdk-readme-${process.pid}`);
after(() => rmSync(dir, { recursive: true, force: true }));

describe('README: the CDK example', () => {
  let app: App;
  let stack: Stack;
  let template: Template;

  before(async () => {
    const block = readmeBlock(readFileSync(path.join(ROOT, 'README.md'), 'utf8'), MARKER);
    assert.match(block, /from 'xray-dd-merge\/cdk'/);
    const source = block.replace(
      "from 'xray-dd-merge/cdk'",
      `from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'src/cdk/index.ts')).href)}`,
    );
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'app.ts');
    writeFileSync(file, `${source}\nexport { app, stack };\n`);
    ({ app, stack } = await import(pathToFileURL(file).href));
    template = Template.fromStack(stack);
  });

  it('instruments the function: layer, extension, exec wrapper, active tracing', () => {
    const checkout = propertiesOf(template, 'AWS::Lambda::Function', 'CheckoutFn');
    assert.equal(checkout.Handler, 'src/app.handler');
    assert.deepEqual(checkout.TracingConfig, { Mode: 'Active' });
    assert.deepEqual(checkout.Layers, [
      'arn:aws:lambda:eu-west-1:123456789012:layer:xray-dd-merge-arm64:3',
      'arn:aws:lambda:eu-west-1:464622532012:layer:Datadog-Extension-ARM:99',
    ]);
    assert.deepEqual(checkout.Environment.Variables, {
      AWS_LAMBDA_EXEC_WRAPPER: '/opt/xray-dd-merge',
      DD_MERGE_XRAY_TRACES: 'true',
      DD_XRAY_TRACE_ID_MODE: 'compat',
      DD_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:datadog/api-key-AbCdEf',
      DD_SITE: 'datadoghq.eu',
      DD_ENV: 'prod',
    });
  });

  it('deploys the merger with its schedule', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Environment: {
        Variables: Match.objectLike({ DD_MERGER_FILTER_EXPRESSION: 'service("CheckoutFn")' }),
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
  });

  it("cdk-nag AwsSolutions: no finding but on the example's own function role", () => {
    // The example's own function gets CDK's default role with AWSLambdaBasicExecutionRole: that is
    // the user's choice, not this package's; acknowledged here, in the test, with the reason.
    const checkout = stack.node.findChild('CheckoutFn') as lambda.Function;
    Validations.of(checkout).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "The README example's own function keeps CDK's default execution role",
    });
    assert.deepEqual(awsSolutionsFindings(stack), []);
    assert.ok(app.synth().getStackByName(stack.stackName).template);
  });
});
