/**
 * The Datadog Lambda extension on a function: its layer (Datadog's, by ARN, for the function's
 * region and architecture), the API key as a Secrets Manager secret the function may read, and the
 * site. dd-trace in the function sends to the extension on 127.0.0.1:8126, as does the merger.
 *
 * @example
 * const datadog: DatadogExtensionProps = { apiKeySecret: secret, site: 'datadoghq.eu' };
 */

import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { DEFAULT_EXTENSION_VERSION, datadogExtensionArn } from './layer-arns.ts';
import { architectureOf } from './merge-layer.ts';

export interface DatadogExtensionProps {
  /** The secret holding the Datadog API key (as a plain string); read at start by the extension. */
  readonly apiKeySecret: secretsmanager.ISecret;
  /** `DD_SITE`. Default `datadoghq.com`. */
  readonly site?: string;
  /** The `Datadog-Extension` layer version. Default {@link DEFAULT_EXTENSION_VERSION}. */
  readonly extensionVersion?: number;
  /** `DD_ENV`: use the same on every function, the merger and the Datadog AWS integration. */
  readonly env?: string;
}

export function addDatadogExtension(fn: lambda.Function, props: DatadogExtensionProps): void {
  const stack = Stack.of(fn);
  const architecture = architectureOf(fn);
  const id = `DatadogExtension-${architecture}`;
  const layer =
    (stack.node.tryFindChild(id) as lambda.ILayerVersion | undefined) ??
    lambda.LayerVersion.fromLayerVersionArn(
      stack,
      id,
      datadogExtensionArn({
        partition: stack.partition,
        region: stack.region,
        architecture,
        version: props.extensionVersion ?? DEFAULT_EXTENSION_VERSION,
      }),
    );
  fn.addLayers(layer);
  fn.addEnvironment('DD_API_KEY_SECRET_ARN', props.apiKeySecret.secretArn);
  fn.addEnvironment('DD_SITE', props.site ?? 'datadoghq.com');
  if (props.env !== undefined) fn.addEnvironment('DD_ENV', props.env);
  props.apiKeySecret.grantRead(fn);
}
