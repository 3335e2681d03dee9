/**
 * xray-dd-merge/cdk: AWS CDK v2 constructs to deploy this project. `XRayDatadogMerge` instruments
 * Node.js functions with the layer; `XRayDatadogMerger` deploys the scheduled merger;
 * `MergerTemplateStack` is the stack the published CloudFormation template is synthesized from.
 * Needs `aws-cdk-lib` 2 and `constructs` 10 (optional peer dependencies: the runtime entry and the
 * layer never load them).
 *
 * @example
 * import { MergeLayer, XRayDatadogMerge, XRayDatadogMerger } from 'xray-dd-merge/cdk';
 * const datadog = { apiKeySecret: secret, site: 'datadoghq.eu', env: 'prod' };
 * new XRayDatadogMerge(this, 'Merge', { layer: MergeLayer.fromPublished({ account, version: 3 }), datadog })
 *   .addLambdaFunctions([checkout]);
 * new XRayDatadogMerger(this, 'Merger', { datadog });
 */

export { addDatadogExtension, type DatadogExtensionProps } from './datadog-extension.ts';
export {
  DATADOG_ACCOUNT,
  DATADOG_GOV_ACCOUNT,
  DEFAULT_EXTENSION_VERSION,
  datadogExtensionArn,
  type LambdaArchitecture,
  MERGE_LAYER_NAME,
  mergeLayerArn,
} from './layer-arns.ts';
export { MergeLayer, type PublishedMergeLayerProps } from './merge-layer.ts';
export { MergerAlarms, type MergerAlarmsProps } from './merger-alarms.ts';
export { type BoundMergerCode, MERGER_LAYER_ENTRY, MergerCode } from './merger-code.ts';
export {
  MERGER_KMS_ACTIONS,
  MERGER_READ_ACTIONS,
  type MergerReadPath,
  type MergerXRayAction,
  type TransactionSearchAction,
} from './merger-permissions.ts';
export { MAX_INTERVAL_MINUTES, mergerVariables, rateExpression } from './merger-settings.ts';
export { STREAM_BUNDLE_DIR, StreamCode } from './stream-code.ts';
export { XRayDatadogStreamMerger, type XRayDatadogStreamMergerProps } from './stream-merger.ts';
export { MergerTemplateStack, synthesizeMergerTemplate } from './template-stack.ts';
export {
  checkNodeFunction,
  EXEC_WRAPPER,
  LAYER_RUNTIMES,
  REDIRECT_HANDLER,
  type TraceIdMode,
  XRayDatadogMerge,
  type XRayDatadogMergeProps,
} from './xray-datadog-merge.ts';
export { type MergerMode, XRayDatadogMerger, type XRayDatadogMergerProps } from './xray-datadog-merger.ts';
