// The CloudFormation template and the merger's layer zip as the release writes them
// (layer/merger-artifacts.mjs, from the built package): the file parsed and checked for its
// parameters, resources, IAM and wiring; the template's stack under cdk-nag; and the template's own
// function code (its inline handler and the layer's bundle, unpacked where no node_modules can
// help it) run once against the X-Ray API and agent stand-ins, configured by the template's
// variables at their parameter defaults.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { buildMergerArtifacts, MERGER_LAYER_FILE } from '../../layer/merger-artifacts.mjs';
import { readZip } from '../../layer/zip.mjs';
import { MERGER_LAYER_ENTRY, MergerTemplateStack } from '../../src/cdk/index.ts';
import { type AgentStandIn, startAgent } from '../helpers/agent.ts';
import { startXRayApi, type XRayApiStandIn } from '../helpers/xray-api.ts';
import { awsSolutionsFindings } from './nag.ts';
import { asList, plain } from './template-values.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'xddm-cfn-'));
after(() => rmSync(dir, { recursive: true, force: true }));

type Resource = { Type: string; Properties: Record<string, any>; Condition?: string };
let template: { Parameters: Record<string, any>; Resources: Record<string, Resource>; Conditions: any };
let zipPath: string;

before(() => {
  const built = buildMergerArtifacts({ outDir: dir });
  zipPath = built.zipPath;
  template = JSON.parse(readFileSync(built.templatePath, 'utf8'));
});

const ofType = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
const one = (type: string): Resource => {
  const found = ofType(type);
  assert.equal(found.length, 1, type);
  return found[0]![1];
};

describe('CloudFormation template (layer/out/xray-dd-merge-merger.template.json)', () => {
  it('parameters for every setting, with their defaults', () => {
    const defaults = Object.fromEntries(
      Object.entries(template.Parameters).map(([name, p]) => [name, p.Default ?? '(required)']),
    );
    assert.deepEqual(defaults, {
      DdApiKeySecretArn: '(required)',
      DdSite: 'datadoghq.com',
      DdEnv: '',
      MergerLayerArn: '(required)',
      DdExtensionVersion: 99,
      IntervalMinutes: 5,
      DelaySeconds: 120,
      FilterExpression: '',
      TraceIdMode: 'compat',
      Concurrency: 4,
      IncludeMetadata: 'false',
      XRayEndpoint: '',
      XRayKmsKeyArn: '',
      TimeoutSeconds: 300,
      MemorySize: 512,
      LogRetentionDays: 30,
      AlarmTopicArn: '',
    });
  });

  it('deploys as it is: no asset, no bootstrap version check', () => {
    const text = JSON.stringify(template);
    assert.doesNotMatch(text, /cdk-hnb659fds|AssetParameters|BootstrapVersion|S3Key/);
    assert.equal((template as Record<string, unknown>).Rules, undefined);
  });

  it('the resources of the merger', () => {
    const counts: Record<string, number> = {};
    for (const r of Object.values(template.Resources)) counts[r.Type] = (counts[r.Type] ?? 0) + 1;
    assert.deepEqual(counts, {
      'AWS::Logs::LogGroup': 1,
      'AWS::SQS::Queue': 1,
      'AWS::SQS::QueuePolicy': 1,
      'AWS::IAM::Role': 1,
      'AWS::IAM::Policy': 3,
      'AWS::Lambda::Function': 1,
      'AWS::Lambda::EventInvokeConfig': 1,
      'AWS::Events::Rule': 1,
      'AWS::Lambda::Permission': 1,
      'AWS::CloudWatch::Alarm': 3,
    });
  });

  it('the function: inline handler loading the merger layer, the extension, the settings from the parameters', () => {
    const fn = one('AWS::Lambda::Function').Properties;
    assert.equal(
      fn.Code.ZipFile,
      `exports.handler = require(${JSON.stringify(MERGER_LAYER_ENTRY)}).handler;\n`,
    );
    assert.equal(MERGER_LAYER_ENTRY, `/opt/${MERGER_LAYER_FILE}`);
    assert.deepEqual(plain(fn.Layers), [
      { Ref: 'MergerLayerArn' },
      {
        'Fn::Join': [
          '',
          [
            'arn:',
            'aws',
            ':lambda:',
            { Ref: 'AWS::Region' },
            ':464622532012:layer:Datadog-Extension-ARM:',
            { Ref: 'DdExtensionVersion' },
          ],
        ],
      },
    ]);
    assert.deepEqual(plain(fn.Environment.Variables, {}), {
      DD_MERGER_INTERVAL: { 'Fn::Join': ['', [{ Ref: 'IntervalMinutes' }, 'm']] },
      DD_MERGER_DELAY: { 'Fn::Join': ['', [{ Ref: 'DelaySeconds' }, 's']] },
      DD_MERGER_SINK: 'agent',
      DD_MERGER_CONCURRENCY: { Ref: 'Concurrency' },
      DD_MERGER_INCLUDE_METADATA: { Ref: 'IncludeMetadata' },
      DD_XRAY_TRACE_ID_MODE: { Ref: 'TraceIdMode' },
      DD_MERGER_FILTER_EXPRESSION: { Ref: 'FilterExpression' },
      DD_MERGER_XRAY_ENDPOINT: { Ref: 'XRayEndpoint' },
      DD_SERVICE: 'xray-dd-merge',
      DD_TRACE_AGENT_URL: 'http://127.0.0.1:8126',
      DD_API_KEY_SECRET_ARN: { Ref: 'DdApiKeySecretArn' },
      DD_SITE: { Ref: 'DdSite' },
      DD_ENV: { Ref: 'DdEnv' },
    });
    assert.deepEqual(
      [fn.Timeout, fn.MemorySize, fn.Runtime],
      [{ Ref: 'TimeoutSeconds' }, { Ref: 'MemorySize' }, 'nodejs24.x'],
    );
    const rule = one('AWS::Events::Rule').Properties;
    assert.deepEqual(rule.ScheduleExpression, {
      'Fn::Join': ['', ['rate(', { Ref: 'IntervalMinutes' }, ' minutes)']],
    });
  });

  it('IAM: no wildcard action; * only for the X-Ray reads; kms:Decrypt only under its condition, on the key', () => {
    const statements = ofType('AWS::IAM::Policy').flatMap(([id, r]) =>
      (r.Properties.PolicyDocument.Statement as Record<string, any>[]).map((s) => ({
        id,
        condition: r.Condition,
        s,
      })),
    );
    for (const { id, s } of statements) {
      for (const action of asList(s.Action)) assert.doesNotMatch(String(action), /\*/, id);
      if (asList(s.Resource).includes('*')) {
        assert.deepEqual(
          asList(s.Action).sort(),
          [
            'xray:BatchGetTraces',
            'xray:GetIndexingRules',
            'xray:GetTraceSegmentDestination',
            'xray:GetTraceSummaries',
          ],
          id,
        );
      }
    }
    const kms = statements.filter(({ s }) => asList(s.Action).includes('kms:Decrypt'));
    assert.equal(kms.length, 1);
    assert.equal(kms[0]!.condition, 'HasXRayKmsKey');
    assert.deepEqual(kms[0]!.s.Resource, { Ref: 'XRayKmsKeyArn' });
    assert.deepEqual(template.Conditions.HasXRayKmsKey, {
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'XRayKmsKeyArn' }, ''] }],
    });
  });

  it('the alarms notify the topic only when one is given', () => {
    for (const [, alarm] of ofType('AWS::CloudWatch::Alarm')) {
      assert.deepEqual(alarm.Properties.AlarmActions, {
        'Fn::If': ['HasAlarmTopic', [{ Ref: 'AlarmTopicArn' }], { Ref: 'AWS::NoValue' }],
      });
    }
  });

  it('cdk-nag AwsSolutions on its stack: no unacknowledged finding', () => {
    const stack = new MergerTemplateStack(new App(), 'XRayDdMergeMerger');
    assert.deepEqual(awsSolutionsFindings(stack), []);
  });
});

describe("the template's function code, run as Lambda would load it", () => {
  let api: XRayApiStandIn;
  let agent: AgentStandIn;
  const tick = '2020-01-21T05:35:00Z';

  before(async () => {
    const checkout = JSON.parse(
      readFileSync(path.join(ROOT, 'test/fixtures/segments/checkout-trace.json'), 'utf8'),
    ) as { Traces: Array<{ Id: string; Segments: Array<{ Document: string }> }> };
    const trace = checkout.Traces[0]!;
    api = await startXRayApi({
      traces: [
        {
          id: trace.Id,
          startTime: Date.parse('2020-01-21T05:27:04Z') / 1000,
          documents: trace.Segments.map((s) => JSON.parse(s.Document) as Record<string, unknown>),
        },
      ],
    });
    agent = await startAgent();
  });
  after(async () => {
    await api.close();
    await agent.close();
  });

  it("merges its tick's window with the settings at their defaults", async () => {
    // The layer unpacked in a temporary directory standing in for /opt, with no node_modules above it.
    const opt = path.join(dir, 'opt');
    for (const entry of readZip(readFileSync(zipPath))) {
      if (entry.name.endsWith('/')) continue;
      mkdirSync(path.dirname(path.join(opt, entry.name)), { recursive: true });
      writeFileSync(path.join(opt, entry.name), entry.data);
    }
    const task = path.join(dir, 'task');
    mkdirSync(task, { recursive: true });
    const fn = one('AWS::Lambda::Function').Properties;
    writeFileSync(
      path.join(task, 'index.js'),
      String(fn.Code.ZipFile).replace('"/opt/', `${JSON.stringify(opt).slice(0, -1)}/`),
    );

    // The template's variables with each parameter at its default, the agent and X-Ray endpoint
    // pointed at the stand-ins.
    const defaults = Object.fromEntries(
      Object.entries(template.Parameters).map(([k, p]) => [k, String(p.Default ?? '')]),
    );
    const variables = plain(fn.Environment.Variables, defaults) as Record<string, string>;
    const env = {
      PATH: process.env.PATH ?? '',
      ...variables,
      DD_MERGER_XRAY_ENDPOINT: api.url,
      DD_TRACE_AGENT_URL: agent.url,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    assert.equal(variables.DD_MERGER_INTERVAL, '5m');
    assert.equal(variables.DD_MERGER_DELAY, '120s');
    const invoke = `require('./index.js').handler({ time: ${JSON.stringify(tick)} }).then((s) => console.log(JSON.stringify(s)))`;
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['-e', invoke], { cwd: task, env }, (error, out, err) =>
        error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
      ),
    );
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!);
    assert.deepEqual(summary.window, { start: '2020-01-21T05:25:00.000Z', end: '2020-01-21T05:30:00.000Z' });
    assert.equal(summary.traces, 1);
    const spans = await agent.waitForSpans(summary.spans);
    assert.ok(spans.every((s) => s.trace_id === 3995693151288333088n));
  });
});
