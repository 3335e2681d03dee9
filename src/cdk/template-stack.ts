/**
 * The stack the published CloudFormation template (`xray-dd-merge-merger.template.json`) is
 * synthesized from: one `XRayDatadogMerger` whose settings are CloudFormation parameters, and
 * whose code is the `xray-dd-merge-merger` layer (no asset, so the template deploys as it is, like
 * Datadog's Forwarder template). Optional settings are empty-string parameters; the key and topic
 * are added under conditions.
 *
 * @example
 * const app = new App();
 * new MergerTemplateStack(app, 'XRayDdMergeMerger');
 * app.synth(); // cdk.out/XRayDdMergeMerger.template.json
 */

import {
  App,
  CfnCondition,
  CfnParameter,
  DefaultStackSynthesizer,
  Duration,
  Fn,
  Stack,
  type StackProps,
  Token,
  Validations,
} from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { DEFAULT_EXTENSION_VERSION } from './layer-arns.ts';
import { MergerCode } from './merger-code.ts';
import { MERGER_KMS_ACTIONS } from './merger-permissions.ts';
import { MAX_INTERVAL_MINUTES } from './merger-settings.ts';
import { XRayDatadogMerger } from './xray-datadog-merger.ts';

/** The retention periods CloudWatch Logs accepts, in days (the template's allowed values). */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

export class MergerTemplateStack extends Stack {
  readonly merger: XRayDatadogMerger;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    // No bootstrap resources: the template has no asset and must deploy in any account as it is.
    super(scope, id, {
      synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
      ...props,
    });
    this.templateOptions.description =
      'xray-dd-merge merger: pulls X-Ray traces on a schedule, converts them to Datadog spans and sends them through the Datadog extension';

    const text = (
      name: string,
      description: string,
      extra: Partial<ConstructorParameters<typeof CfnParameter>[2]> = {},
    ) => new CfnParameter(this, name, { type: 'String', description, ...extra });

    const apiKeySecretArn = text(
      'DdApiKeySecretArn',
      'ARN of the Secrets Manager secret holding the Datadog API key',
      {
        allowedPattern: '^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$',
      },
    );
    const site = text('DdSite', 'DD_SITE: the Datadog site', { default: 'datadoghq.com' });
    const env = text(
      'DdEnv',
      'DD_ENV: the same env as the instrumented functions and the Datadog AWS integration',
      {
        default: '',
      },
    );
    const mergerLayerArn = text(
      'MergerLayerArn',
      'ARN of the xray-dd-merge-merger layer version (published by the release)',
      {
        allowedPattern: '^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$',
      },
    );
    const extensionVersion = new CfnParameter(this, 'DdExtensionVersion', {
      type: 'Number',
      description: 'Version of the Datadog-Extension-ARM layer',
      default: DEFAULT_EXTENSION_VERSION,
      minValue: 1,
    });
    const intervalMinutes = new CfnParameter(this, 'IntervalMinutes', {
      type: 'Number',
      description: 'DD_MERGER_INTERVAL and the schedule rate, in minutes',
      default: 5,
      minValue: 2, // rate(1 minute) is singular in EventBridge; one minute is too short a window anyway
      maxValue: MAX_INTERVAL_MINUTES,
    });
    const delaySeconds = new CfnParameter(this, 'DelaySeconds', {
      type: 'Number',
      description: 'DD_MERGER_DELAY: how far behind its tick a window ends, in seconds',
      default: 120,
      minValue: 0,
      maxValue: 86_400,
    });
    const filterExpression = text(
      'FilterExpression',
      'DD_MERGER_FILTER_EXPRESSION: an X-Ray filter expression (empty: all traces)',
      {
        default: '',
      },
    );
    const traceIdMode = text('TraceIdMode', "DD_XRAY_TRACE_ID_MODE: must match the instrumented functions'", {
      default: 'compat',
      allowedValues: ['compat', 'full128'],
    });
    const concurrency = new CfnParameter(this, 'Concurrency', {
      type: 'Number',
      description: 'DD_MERGER_CONCURRENCY: BatchGetTraces calls in flight',
      default: 4,
      minValue: 1,
      maxValue: 64,
    });
    const includeMetadata = text(
      'IncludeMetadata',
      'DD_MERGER_INCLUDE_METADATA: copy segment metadata into span tags',
      {
        default: 'false',
        allowedValues: ['false', 'true'],
      },
    );
    const xrayEndpoint = text(
      'XRayEndpoint',
      'DD_MERGER_XRAY_ENDPOINT: an X-Ray API endpoint such as a VPC endpoint (empty: the default)',
      {
        default: '',
      },
    );
    const kmsKeyArn = text(
      'XRayKmsKeyArn',
      'The customer-managed KMS key X-Ray encrypts with (empty: none; kms:Decrypt is granted only on this key)',
      {
        default: '',
      },
    );
    const timeoutSeconds = new CfnParameter(this, 'TimeoutSeconds', {
      type: 'Number',
      description: 'The function timeout; keep it at most the interval',
      default: 300,
      minValue: 30,
      maxValue: 900,
    });
    const memorySize = new CfnParameter(this, 'MemorySize', {
      type: 'Number',
      description: 'The function memory, MiB',
      default: 512,
      minValue: 128,
      maxValue: 10_240,
    });
    const retentionDays = new CfnParameter(this, 'LogRetentionDays', {
      type: 'Number',
      description: "The merger log group's retention, in days",
      default: 30,
      allowedValues: RETENTION_DAYS.map(String),
    });
    const alarmTopicArn = text('AlarmTopicArn', 'An SNS topic the alarms notify (empty: none)', {
      default: '',
    });

    this.merger = new XRayDatadogMerger(this, 'Merger', {
      datadog: {
        apiKeySecret: secretsmanager.Secret.fromSecretCompleteArn(
          this,
          'ApiKeySecret',
          apiKeySecretArn.valueAsString,
        ),
        site: site.valueAsString,
        env: env.valueAsString,
        extensionVersion: extensionVersion.valueAsNumber,
      },
      code: MergerCode.fromLayer(
        lambda.LayerVersion.fromLayerVersionArn(this, 'MergerLayer', mergerLayerArn.valueAsString),
      ),
      interval: Duration.minutes(intervalMinutes.valueAsNumber),
      delay: Duration.seconds(delaySeconds.valueAsNumber),
      filterExpression: filterExpression.valueAsString,
      concurrency: concurrency.valueAsNumber,
      xrayEndpoint: xrayEndpoint.valueAsString,
      timeout: Duration.seconds(timeoutSeconds.valueAsNumber),
      memorySize: memorySize.valueAsNumber,
      logRetention: retentionDays.valueAsNumber as logs.RetentionDays,
    });
    // Two settings whose typed props are not strings, set from their parameters as they are.
    this.merger.function.addEnvironment('DD_XRAY_TRACE_ID_MODE', traceIdMode.valueAsString);
    this.merger.function.addEnvironment('DD_MERGER_INCLUDE_METADATA', includeMetadata.valueAsString);

    const hasKey = new CfnCondition(this, 'HasXRayKmsKey', {
      expression: Fn.conditionNot(Fn.conditionEquals(kmsKeyArn.valueAsString, '')),
    });
    const keyPolicy = new iam.Policy(this, 'XRayKmsDecrypt', {
      statements: [
        new iam.PolicyStatement({ actions: [...MERGER_KMS_ACTIONS], resources: [kmsKeyArn.valueAsString] }),
      ],
    });
    keyPolicy.attachToRole(this.merger.role);
    (keyPolicy.node.defaultChild as iam.CfnPolicy).cfnOptions.condition = hasKey;

    const hasTopic = new CfnCondition(this, 'HasAlarmTopic', {
      expression: Fn.conditionNot(Fn.conditionEquals(alarmTopicArn.valueAsString, '')),
    });
    const { errors, windowsMissed, runsBehind } = this.merger.alarms;
    for (const alarm of [errors, windowsMissed, runsBehind]) {
      const cfnAlarm = alarm.node.defaultChild as cloudwatch.CfnAlarm;
      cfnAlarm.alarmActions = Token.asList(
        Fn.conditionIf(hasTopic.logicalId, [alarmTopicArn.valueAsString], Fn.ref('AWS::NoValue')),
      );
      // aws-cdk-lib's synth-time template validation reads the empty default into the list.
      Validations.of(cfnAlarm).acknowledge({
        id: 'CloudFormation-Validate::W1030',
        reason:
          'AlarmActions holds AlarmTopicArn only under HasAlarmTopic, which is false for the empty default',
      });
    }
    Validations.of(this).acknowledge({
      id: 'CloudFormation-Validate::W2509',
      reason: 'DdApiKeySecretArn is the ARN of the secret, not the key: nothing to hide',
    });
  }
}

/** The template as CloudFormation JSON: what the build writes and the release publishes. */
export function synthesizeMergerTemplate(): Record<string, unknown> {
  const app = new App();
  const stack = new MergerTemplateStack(app, 'XRayDdMergeMerger');
  return app.synth().getStackByName(stack.stackName).template as Record<string, unknown>;
}
