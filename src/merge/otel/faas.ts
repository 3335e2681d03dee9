/**
 * Functions as a service (`faas.invoked_provider` + `faas.invoked_name`, `faas.trigger`,
 * `faas.name`, `faas.invocation_id`, `faas.coldstart`): `<provider>.<name>.invoke` for the caller
 * (`aws.checkout-fn.invoke`), `<trigger>.invoke` for the invoked function (`http.invoke`,
 * `pubsub.invoke`); tags `functionname` (the called function, else the function itself),
 * `request_id`, `cold_start`.
 */

import { firstString } from './otel-span.ts';
import { type NamespaceRule, normalizeTagValue } from './semconv.ts';

export const faas: NamespaceRule = {
  name(attributes, kind) {
    const provider = firstString(attributes, ['faas.invoked_provider']);
    const invoked = firstString(attributes, ['faas.invoked_name']);
    if (provider !== undefined && invoked !== undefined && kind === 'client')
      return `${normalizeTagValue(provider)}.${normalizeTagValue(invoked)}.invoke`;
    const trigger = firstString(attributes, ['faas.trigger']);
    if (trigger !== undefined && kind === 'server') return `${normalizeTagValue(trigger)}.invoke`;
    return undefined;
  },
  tags(attributes, meta) {
    // The called function on a caller's span (as the X-Ray converter tags a Lambda call), else its own.
    const name = firstString(attributes, ['faas.invoked_name', 'faas.name']);
    if (name !== undefined) meta.functionname = name;
    const id = firstString(attributes, ['faas.invocation_id', 'faas.execution']);
    if (id !== undefined) meta.request_id = id;
    const cold = attributes['faas.coldstart'];
    if (typeof cold === 'boolean') meta.cold_start = String(cold);
  },
};
