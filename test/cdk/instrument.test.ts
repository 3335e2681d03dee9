// XRayDatadogMerge.addLambdaFunctions on one synthesized stack: what each function gets (layer per
// architecture and region, the way in, variables, active tracing, the Datadog extension and key),
// and the synth-time errors that name the function.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { MergeLayer, XRayDatadogMerge } from '../../src/cdk/index.ts';
import { awsSolutionsFindings } from './nag.ts';
import { asList, policyStatements, propertiesOf } from './template-values.ts';

const SECRET = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:dd-api-key-AbCdEf';

function fn(stack: Stack, id: string, props: Partial<lambda.FunctionProps> = {}): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_24_X,
    code: lambda.Code.fromInline('exports.handler = async () => "ok";'),
    handler: 'index.handler',
    ...props,
  });
}

describe('XRayDatadogMerge', () => {
  let stack: Stack;
  let template: Template;

  before(() => {
    stack = new Stack(new App(), 'Instrumented', { env: { account: '111122223333', region: 'us-east-1' } });
    const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Key', SECRET);
    const arm = fn(stack, 'ArmFn', { architecture: lambda.Architecture.ARM_64 });
    const x86 = fn(stack, 'X86Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'src/app.main' });
    const traced = fn(stack, 'TracedFn', { tracing: lambda.Tracing.ACTIVE });
    new XRayDatadogMerge(stack, 'Published', {
      layer: MergeLayer.fromPublished({ account: '444455556666', version: 7 }),
      traceIdMode: 'full128',
    }).addLambdaFunctions([arm, traced]);
    const ownLayer = new lambda.CfnLayerVersion(stack, 'OwnLayer', {
      content: { s3Bucket: 'my-layers', s3Key: 'xray-dd-merge-x86_64.zip' },
    });
    new XRayDatadogMerge(stack, 'Given', {
      layer: MergeLayer.fromLayerVersions({
        x86_64: lambda.LayerVersion.fromLayerVersionArn(stack, 'OwnLayerVersion', ownLayer.ref),
      }),
      entry: 'handler-redirect',
      datadog: { apiKeySecret: secret, site: 'datadoghq.eu', env: 'staging', extensionVersion: 88 },
    }).addLambdaFunctions([x86]);
    template = Template.fromStack(stack);
  });

  const cases = [
    {
      name: 'arm64, published layer, exec wrapper, no extension',
      prefix: 'ArmFn',
      handler: 'index.handler',
      layers: ['arn:aws:lambda:us-east-1:444455556666:layer:xray-dd-merge-arm64:7'],
      variables: {
        AWS_LAMBDA_EXEC_WRAPPER: '/opt/xray-dd-merge',
        DD_MERGE_XRAY_TRACES: 'true',
        DD_XRAY_TRACE_ID_MODE: 'full128',
      },
    },
    {
      name: 'x86_64, given layer, handler redirect, Datadog extension',
      prefix: 'X86Fn',
      handler: '/opt/nodejs/node_modules/xray-dd-merge/handler.handler',
      layers: [{ Ref: 'OwnLayer' }, 'arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:88'],
      variables: {
        DD_LAMBDA_HANDLER: 'src/app.main',
        DD_MERGE_XRAY_TRACES: 'true',
        DD_XRAY_TRACE_ID_MODE: 'compat',
        DD_API_KEY_SECRET_ARN: SECRET,
        DD_SITE: 'datadoghq.eu',
        DD_ENV: 'staging',
      },
    },
  ];
  for (const c of cases) {
    it(`${c.name}: handler, layers, variables, active tracing`, () => {
      const props = propertiesOf(template, 'AWS::Lambda::Function', c.prefix);
      assert.equal(props.Handler, c.handler);
      assert.deepEqual(
        props.Layers.map((l: unknown) =>
          typeof l === 'object' && l !== null && 'Ref' in l
            ? { Ref: String(l.Ref).replace(/[0-9A-F]{8}$/, '') }
            : l,
        ),
        c.layers,
      );
      assert.deepEqual(props.Environment.Variables, c.variables);
      assert.deepEqual(props.TracingConfig, { Mode: 'Active' });
    });
  }

  it('grants the X-Ray write actions in a policy of their own, once per function without tracing', () => {
    const xrayWrites = policyStatements(template).filter(({ statement }) =>
      asList(statement.Action).includes('xray:PutTraceSegments'),
    );
    // ArmFn and X86Fn get the construct's policy; TracedFn had tracing, and CDK's grant, already.
    assert.deepEqual(xrayWrites.map(({ policy }) => policy.replace(/[0-9A-F]{8}$/, '')).sort(), [
      'ArmFnXRayWrite',
      'TracedFnServiceRoleDefaultPolicy',
      'X86FnXRayWrite',
    ]);
    for (const { statement } of xrayWrites) {
      assert.deepEqual(asList(statement.Action).sort(), [
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ]);
    }
  });

  it('lets the function read the API key secret, by its ARN', () => {
    const reads = policyStatements(template).filter(({ statement }) =>
      asList(statement.Action).includes('secretsmanager:GetSecretValue'),
    );
    assert.equal(reads.length, 1);
    assert.equal(reads[0]!.statement.Resource, SECRET);
    assert.match(reads[0]!.policy, /^X86FnServiceRoleDefaultPolicy/);
  });

  it('no statement grants a wildcard action', () => {
    for (const { policy, statement } of policyStatements(template)) {
      for (const action of asList(statement.Action)) assert.doesNotMatch(String(action), /\*/, policy);
    }
  });

  it("cdk-nag AwsSolutions: findings only on what the test's functions chose (CDK's default roles)", () => {
    const basicRole =
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]';
    assert.deepEqual(awsSolutionsFindings(stack).sort(), [
      `${basicRole} @ Instrumented/ArmFn/ServiceRole/Resource`,
      `${basicRole} @ Instrumented/TracedFn/ServiceRole/Resource`,
      `${basicRole} @ Instrumented/X86Fn/ServiceRole/Resource`,
      // TracedFn's own `tracing: ACTIVE` grant, in CDK's default policy, not the construct's.
      'AwsSolutions-IAM5[Resource::*] @ Instrumented/TracedFn/ServiceRole/DefaultPolicy/Resource',
    ]);
  });
});

describe('XRayDatadogMerge: synth-time errors name the function', () => {
  const cases: Array<{
    name: string;
    props: Partial<lambda.FunctionProps>;
    layer?: MergeLayer;
    error: RegExp;
  }> = [
    {
      name: 'a Python function',
      props: { runtime: lambda.Runtime.PYTHON_3_13 },
      error:
        /^Error: Stack\/Target: XRayDatadogMerge instruments Node\.js functions only; this one runs python3\.13$/,
    },
    {
      name: 'Node.js 20',
      props: { runtime: lambda.Runtime.NODEJS_20_X },
      error:
        /^Error: Stack\/Target: the xray-dd-merge layer needs Node\.js 22 or later; this function runs nodejs20\.x$/,
    },
    {
      name: 'an arm64 function without an arm64 layer',
      props: { architecture: lambda.Architecture.ARM_64 },
      layer: MergeLayer.fromLayerVersions({}),
      error: /^Error: Stack\/Target runs on arm64, but no arm64 layer was given/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const stack = new Stack(new App(), 'Stack');
      const target = fn(stack, 'Target', c.props);
      const merge = new XRayDatadogMerge(stack, 'Merge', {
        layer: c.layer ?? MergeLayer.fromPublished({ account: '444455556666', version: 1 }),
      });
      assert.throws(
        () => merge.addLambdaFunctions([target]),
        (e: Error) => c.error.test(String(e)),
      );
    });
  }

  it('checks every function before changing any', () => {
    const stack = new Stack(new App(), 'Stack');
    const good = fn(stack, 'Good');
    const bad = fn(stack, 'Bad', { runtime: lambda.Runtime.PYTHON_3_13 });
    const merge = new XRayDatadogMerge(stack, 'Merge', {
      layer: MergeLayer.fromPublished({ account: '444455556666', version: 1 }),
    });
    assert.throws(() => merge.addLambdaFunctions([good, bad]), /Stack\/Bad/);
    const props = propertiesOf(Template.fromStack(stack), 'AWS::Lambda::Function', 'Good');
    assert.equal(props.Layers, undefined);
  });
});
