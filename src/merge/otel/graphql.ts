/**
 * GraphQL (`graphql.operation.type`, `graphql.operation.name`): `graphql.server.request`, resource
 * `<type> <name>` (`query GetOrder`).
 */

import { firstString } from './otel-span.ts';
import type { NamespaceRule } from './semconv.ts';

export const graphql: NamespaceRule = {
  name(attributes) {
    return firstString(attributes, ['graphql.operation.type']) !== undefined
      ? 'graphql.server.request'
      : undefined;
  },
  resource(attributes) {
    const type = firstString(attributes, ['graphql.operation.type']);
    if (type === undefined) return undefined;
    const name = firstString(attributes, ['graphql.operation.name']);
    return name !== undefined ? `${type} ${name}` : type;
  },
};
