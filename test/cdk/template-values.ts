// Reads synthesized CloudFormation values as plain strings where they are fixed at deploy time
// only by the partition (`Fn::Join` with `Ref: AWS::Partition`), so tests compare whole ARNs.
import type { Template } from 'aws-cdk-lib/assertions';

export function plain(value: unknown, refs: Record<string, string> = { 'AWS::Partition': 'aws' }): unknown {
  if (Array.isArray(value)) return value.map((v) => plain(v, refs));
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  if (typeof object.Ref === 'string' && object.Ref in refs) return refs[object.Ref];
  const join = object['Fn::Join'] as [string, unknown[]] | undefined;
  if (join !== undefined) {
    const parts = join[1].map((part) => plain(part, refs));
    if (parts.every((part) => typeof part === 'string')) return parts.join(join[0]);
    return { 'Fn::Join': [join[0], parts] };
  }
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, plain(v, refs)]));
}

/** The properties of the one resource of `type` whose logical id starts with `prefix`. */
export function propertiesOf(template: Template, type: string, prefix: string): Record<string, any> {
  const found = Object.entries(template.findResources(type)).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1) throw new Error(`${found.length} ${type} resources start with ${prefix}`);
  return plain(found[0]![1].Properties) as Record<string, any>;
}

/** Every IAM policy statement in the template, with the policy's logical id. */
export function policyStatements(
  template: Template,
): Array<{ policy: string; statement: Record<string, any> }> {
  return Object.entries(template.findResources('AWS::IAM::Policy')).flatMap(([policy, resource]) =>
    (resource.Properties.PolicyDocument.Statement as Record<string, any>[]).map((statement) => ({
      policy,
      statement: plain(statement) as Record<string, any>,
    })),
  );
}

export const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
