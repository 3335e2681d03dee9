/**
 * The layer ARNs the constructs attach, as pure functions of region, architecture and version:
 * this project's layer (`xray-dd-merge-<arch>`, published by `npm run layer:publish`) and the
 * Datadog Lambda extension (`Datadog-Extension`, `Datadog-Extension-ARM`, published by Datadog).
 * Region and account may be CDK tokens (`Stack.of(fn).region`): the ARN is then a token too.
 *
 * @example
 * datadogExtensionArn({ partition: 'aws', region: 'eu-west-1', architecture: 'arm64', version: 99 });
 * // 'arn:aws:lambda:eu-west-1:464622532012:layer:Datadog-Extension-ARM:99'
 */

export type LambdaArchitecture = 'x86_64' | 'arm64';

/** Datadog publishes its layers from this account in the commercial partition... */
export const DATADOG_ACCOUNT = '464622532012';
/** ...and from this one in GovCloud. */
export const DATADOG_GOV_ACCOUNT = '002406178527';
/**
 * The extension version attached when none is given: the default of datadog-cdk-constructs
 * (`DatadogDefaultLayerVersions.EXTENSION`) when this was written. Pin your own in production.
 */
export const DEFAULT_EXTENSION_VERSION = 99;

/** The name `npm run layer:publish` gives this project's layer; one layer per architecture. */
export const MERGE_LAYER_NAME = 'xray-dd-merge';

export interface LayerArnParts {
  readonly partition: string;
  readonly region: string;
  readonly architecture: LambdaArchitecture;
  readonly version: number;
}

export function datadogExtensionArn({ partition, region, architecture, version }: LayerArnParts): string {
  const account = partition === 'aws-us-gov' ? DATADOG_GOV_ACCOUNT : DATADOG_ACCOUNT;
  const name = architecture === 'arm64' ? 'Datadog-Extension-ARM' : 'Datadog-Extension';
  return `arn:${partition}:lambda:${region}:${account}:layer:${name}:${version}`;
}

export function mergeLayerArn({
  partition,
  region,
  architecture,
  version,
  account,
  layerName = MERGE_LAYER_NAME,
}: LayerArnParts & { readonly account: string; readonly layerName?: string }): string {
  return `arn:${partition}:lambda:${region}:${account}:layer:${layerName}-${architecture}:${version}`;
}
