/**
 * Where this project's layer comes from: the published layer versions (one per architecture,
 * by ARN in the function's own region), or `LayerVersion`s the user built or imported.
 *
 * @example
 * MergeLayer.fromPublished({ account: '123456789012', version: 3 });
 * MergeLayer.fromLayerVersions({ arm64: myArmLayer });
 */

import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { type LambdaArchitecture, MERGE_LAYER_NAME, mergeLayerArn } from './layer-arns.ts';

export interface PublishedMergeLayerProps {
  /** The account that published the layer (`npm run layer:publish`). */
  readonly account: string;
  /** The layer version, the same in every region the release published to. */
  readonly version: number;
  /** Default `xray-dd-merge` (the layer is `<name>-x86_64` / `<name>-arm64`). */
  readonly layerName?: string;
}

export abstract class MergeLayer {
  /** The published layer, by ARN in the function's region, for the function's architecture. */
  static fromPublished(props: PublishedMergeLayerProps): MergeLayer {
    return new PublishedMergeLayer(props);
  }

  /** Layer versions you pass, one per architecture you use. */
  static fromLayerVersions(layers: {
    readonly x86_64?: lambda.ILayerVersion;
    readonly arm64?: lambda.ILayerVersion;
  }): MergeLayer {
    return new GivenMergeLayer(layers);
  }

  /** The layer version for a function of `architecture` in `scope`'s stack; throws naming `owner`. */
  abstract layerFor(scope: Construct, architecture: LambdaArchitecture, owner: string): lambda.ILayerVersion;
}

class PublishedMergeLayer extends MergeLayer {
  private readonly props: PublishedMergeLayerProps;

  constructor(props: PublishedMergeLayerProps) {
    super();
    this.props = props;
  }

  layerFor(scope: Construct, architecture: LambdaArchitecture): lambda.ILayerVersion {
    const stack = Stack.of(scope);
    const arn = mergeLayerArn({
      partition: stack.partition,
      region: stack.region,
      architecture,
      version: this.props.version,
      account: this.props.account,
      layerName: this.props.layerName ?? MERGE_LAYER_NAME,
    });
    const id = `XRayDdMergeLayer-${architecture}`;
    return (
      (stack.node.tryFindChild(id) as lambda.ILayerVersion | undefined) ??
      lambda.LayerVersion.fromLayerVersionArn(stack, id, arn)
    );
  }
}

class GivenMergeLayer extends MergeLayer {
  private readonly layers: { readonly x86_64?: lambda.ILayerVersion; readonly arm64?: lambda.ILayerVersion };

  constructor(layers: { readonly x86_64?: lambda.ILayerVersion; readonly arm64?: lambda.ILayerVersion }) {
    super();
    this.layers = layers;
  }

  layerFor(_scope: Construct, architecture: LambdaArchitecture, owner: string): lambda.ILayerVersion {
    const layer = this.layers[architecture];
    if (layer === undefined) {
      throw new Error(
        `${owner} runs on ${architecture}, but no ${architecture} layer was given to MergeLayer.fromLayerVersions`,
      );
    }
    return layer;
  }
}

/** The architecture of a function as a layer name suffix; throws for anything Lambda does not run. */
export function architectureOf(fn: lambda.Function): LambdaArchitecture {
  const name = fn.architecture.name;
  if (name === 'x86_64' || name === 'arm64') return name;
  throw new Error(`${fn.node.path}: architecture ${name} is not one Lambda runs (x86_64 or arm64)`);
}
