/**
 * `XRayDatadogMerge`: instruments your Node.js functions with this project's layer, the way
 * `datadog-cdk-constructs-v2` adds Datadog's layers: one call per set of functions.
 *
 * For each function it adds the layer for the function's architecture, the way in (the exec
 * wrapper, or the handler redirect with `DD_LAMBDA_HANDLER`), `DD_MERGE_XRAY_TRACES=true`, the id
 * mode, X-Ray active tracing with the X-Ray write permissions, and, when `datadog` is given, the
 * Datadog extension layer with the API key secret. Anything but a Node.js 22+ function is a
 * synth-time error naming the function.
 *
 * @example
 * const merge = new XRayDatadogMerge(this, 'Merge', {
 *   layer: MergeLayer.fromPublished({ account: '123456789012', version: 3 }),
 *   datadog: { apiKeySecret: secret, site: 'datadoghq.eu', env: 'prod' },
 * });
 * merge.addLambdaFunctions([checkout, payments]);
 */

import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { addDatadogExtension, type DatadogExtensionProps } from './datadog-extension.ts';
import { architectureOf, type MergeLayer } from './merge-layer.ts';
import { suppressNag } from './nag-suppressions.ts';

/** The layer's exec wrapper, at the zip's root. */
export const EXEC_WRAPPER = '/opt/xray-dd-merge';
/** The layer's handler for the handler redirect. */
export const REDIRECT_HANDLER = '/opt/nodejs/node_modules/xray-dd-merge/handler.handler';
/** The oldest Node.js the layer runs on (dd-trace 6 needs 22). */
export const MIN_NODE_MAJOR = 22;
/** The runtimes the layer is built and tested for (its published compatible runtimes). */
export const LAYER_RUNTIMES: readonly string[] = ['nodejs22.x', 'nodejs24.x'];

export type TraceIdMode = 'compat' | 'full128';

export interface XRayDatadogMergeProps {
  /** This project's layer. */
  readonly layer: MergeLayer;
  /**
   * How the layer gets in: `exec-wrapper` (`AWS_LAMBDA_EXEC_WRAPPER`; the handler setting stays)
   * or `handler-redirect` (the handler becomes the layer's, yours goes to `DD_LAMBDA_HANDLER`).
   * Default `exec-wrapper`.
   */
  readonly entry?: 'exec-wrapper' | 'handler-redirect';
  /** `DD_XRAY_TRACE_ID_MODE`; must match the merger's. Default `compat`. */
  readonly traceIdMode?: TraceIdMode;
  /** The Datadog extension and API key. Without it, dd-trace writes traces to the log (the Forwarder's way). */
  readonly datadog?: DatadogExtensionProps;
}

export class XRayDatadogMerge extends Construct {
  private readonly props: XRayDatadogMergeProps;

  constructor(scope: Construct, id: string, props: XRayDatadogMergeProps) {
    super(scope, id);
    this.props = props;
  }

  /** Instruments each function; throws naming the first function that is not Node.js 22 or later. */
  addLambdaFunctions(functions: readonly lambda.Function[]): void {
    for (const fn of functions) checkNodeFunction(fn);
    for (const fn of functions) this.instrument(fn);
  }

  private instrument(fn: lambda.Function): void {
    const cfn = fn.node.defaultChild as lambda.CfnFunction;
    fn.addLayers(this.props.layer.layerFor(fn, architectureOf(fn), fn.node.path));
    if ((this.props.entry ?? 'exec-wrapper') === 'exec-wrapper') {
      fn.addEnvironment('AWS_LAMBDA_EXEC_WRAPPER', EXEC_WRAPPER);
    } else if (cfn.handler !== undefined && cfn.handler !== REDIRECT_HANDLER) {
      fn.addEnvironment('DD_LAMBDA_HANDLER', cfn.handler);
      cfn.handler = REDIRECT_HANDLER;
    }
    fn.addEnvironment('DD_MERGE_XRAY_TRACES', 'true');
    fn.addEnvironment('DD_XRAY_TRACE_ID_MODE', this.props.traceIdMode ?? 'compat');
    if (this.props.datadog !== undefined) addDatadogExtension(fn, this.props.datadog);
    activateTracing(fn, cfn);
    if (LAYER_RUNTIMES.includes(fn.runtime.name)) {
      suppressNag(cfn, [
        {
          id: 'AwsSolutions-L1',
          reason: `The xray-dd-merge layer is built and tested for ${LAYER_RUNTIMES.join(' and ')}`,
        },
      ]);
    }
  }
}

/** Throws unless `fn` runs Node.js 22 or later: the layer carries dd-trace 6, which needs it. */
export function checkNodeFunction(fn: lambda.Function): void {
  const runtime = fn.runtime;
  if (runtime.family !== lambda.RuntimeFamily.NODEJS) {
    throw new Error(
      `${fn.node.path}: XRayDatadogMerge instruments Node.js functions only; this one runs ${runtime.name}`,
    );
  }
  const major = /^nodejs(\d+)/.exec(runtime.name)?.[1];
  if (major !== undefined && Number(major) < MIN_NODE_MAJOR) {
    throw new Error(
      `${fn.node.path}: the xray-dd-merge layer needs Node.js ${MIN_NODE_MAJOR} or later; this function runs ${runtime.name}`,
    );
  }
}

/**
 * Active tracing, as `tracing: Tracing.ACTIVE` would set it, for a function made without it: the
 * mode on the resource and the X-Ray write actions in a policy of their own (so the one wildcard
 * suppression covers those actions only).
 */
function activateTracing(fn: lambda.Function, cfn: lambda.CfnFunction): void {
  const mode = (cfn.tracingConfig as lambda.CfnFunction.TracingConfigProperty | undefined)?.mode;
  if (mode === 'Active') return; // the function's own props granted the permissions already
  cfn.tracingConfig = { mode: 'Active' };
  if (fn.role === undefined) return;
  const policy = new iam.Policy(fn, 'XRayWrite', {
    statements: [
      new iam.PolicyStatement({
        actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        resources: ['*'],
      }),
    ],
  });
  policy.attachToRole(fn.role);
  // The function resource only (the role is one of fn's children too).
  cfn.node.addDependency(policy);
  suppressNag(policy.node.defaultChild as iam.CfnPolicy, [
    {
      id: 'AwsSolutions-IAM5',
      reason:
        'xray:PutTraceSegments and xray:PutTelemetryRecords have no resource types (Service Authorization Reference); active tracing needs them on *',
      appliesTo: ['Resource::*'],
    },
  ]);
}
