/**
 * Functions as a service (`faas.trigger`, `faas.invoked_provider` + `faas.invoked_name`,
 * `faas.name`, `faas.invocation_id`, `faas.coldstart`): `<trigger>.invoke` for the invoked side
 * (`http.invoke`, `pubsub.invoke`, type `serverless`), `<provider>.<name>.invoke` for the caller;
 * tags `functionname`, `request_id`, `cold_start`.
 */

import { firstString } from './otel-span.ts';
import type { NamespaceRule } from './semconv.ts';

export const faas: NamespaceRule = {
  name(attributes, kind) {
    const trigger = firstString(attributes, ['faas.trigger']);
    if (trigger !== undefined && kind === 'server')
      return {
        name: `${trigger}.invoke`,
        resource: firstString(attributes, ['faas.name']) ?? `${trigger}.invoke`,
        type: 'serverless',
      };
    const provider = firstString(attributes, ['faas.invoked_provider']);
    const invoked = firstString(attributes, ['faas.invoked_name']);
    if (provider !== undefined && invoked !== undefined && kind === 'client')
      return { name: `${provider}.${invoked}.invoke`, resource: invoked, type: 'serverless' };
    return undefined;
  },
  tags(attributes, meta) {
    const name = firstString(attributes, ['faas.name']);
    if (name !== undefined) meta.functionname = name;
    const id = firstString(attributes, ['faas.invocation_id', 'faas.execution']);
    if (id !== undefined) meta.request_id = id;
    const cold = attributes['faas.coldstart'];
    if (typeof cold === 'boolean') meta.cold_start = String(cold);
  },
};
