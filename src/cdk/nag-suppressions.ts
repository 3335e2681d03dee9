/**
 * cdk-nag suppressions the constructs carry, each with its reason, without importing cdk-nag:
 * users who never run cdk-nag load nothing for it. Written both ways cdk-nag reads them:
 * `Validations.of(resource).acknowledge` (cdk-nag 3, the CDK's own acknowledgement, per finding as
 * `Rule[Finding]`) and the `cdk_nag.rules_to_suppress` CloudFormation metadata (cdk-nag 2).
 */

import { type CfnResource, Validations } from 'aws-cdk-lib';

export interface NagSuppression {
  /** The rule, e.g. `AwsSolutions-IAM5`. */
  readonly id: string;
  /** Why the finding does not apply. */
  readonly reason: string;
  /** The findings it covers (`Resource::*`); every finding of the rule on the resource when omitted. */
  readonly appliesTo?: readonly string[];
}

export function suppressNag(resource: CfnResource, suppressions: readonly NagSuppression[]): void {
  const existing = (resource.getMetadata('cdk_nag') as { rules_to_suppress?: unknown[] } | undefined) ?? {};
  const rules = [...(existing.rules_to_suppress ?? [])];
  for (const { id, reason, appliesTo } of suppressions) {
    const ids = appliesTo === undefined ? [id] : appliesTo.map((finding) => `${id}[${finding}]`);
    for (const acknowledged of ids) Validations.of(resource).acknowledge({ id: acknowledged, reason });
    rules.push({ id, reason, ...(appliesTo ? { applies_to: [...appliesTo] } : {}) });
  }
  resource.addMetadata('cdk_nag', { ...existing, rules_to_suppress: rules });
}
