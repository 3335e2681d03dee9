/**
 * cdk-nag suppressions written as the CloudFormation metadata cdk-nag reads
 * (`Metadata.cdk_nag.rules_to_suppress`), so the constructs carry their reasons without importing
 * cdk-nag: users who never run cdk-nag load nothing for it, and those who do see every reason.
 */

import type { CfnResource } from 'aws-cdk-lib';

export interface NagSuppression {
  /** The rule, e.g. `AwsSolutions-IAM5`. */
  readonly id: string;
  /** Why the finding does not apply: cdk-nag requires at least 10 characters. */
  readonly reason: string;
  /** The findings it covers (`Resource::*`); all of the rule's findings on the resource when omitted. */
  readonly appliesTo?: readonly string[];
}

export function suppressNag(resource: CfnResource, suppressions: readonly NagSuppression[]): void {
  const existing = (resource.getMetadata('cdk_nag') as { rules_to_suppress?: unknown[] } | undefined) ?? {};
  const rules = [...(existing.rules_to_suppress ?? [])];
  for (const { id, reason, appliesTo } of suppressions) {
    rules.push({ id, reason, ...(appliesTo ? { applies_to: [...appliesTo] } : {}) });
  }
  resource.addMetadata('cdk_nag', { ...existing, rules_to_suppress: rules });
}
