// cdk-nag 3's AwsSolutions pack run directly on a construct tree, its findings as
// `rule @ construct path` lines: an empty list is a clean stack.
import { Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

export function awsSolutionsFindings(scope: IConstruct): string[] {
  // The rules resolve values against their stack, as at synth: prepare the stack's template first.
  Stack.of(scope).resolve(Stack.of(scope).node.path);
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => `${violation.ruleName} @ ${resource.constructPath}`),
  );
}
