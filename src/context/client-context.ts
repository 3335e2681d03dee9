/**
 * `context.clientContext.custom._datadog`: the text map a caller traced by Datadog puts in the
 * client context of a direct `Invoke`. datadog-lambda-js also reads the headers straight from
 * `custom` (an older form); so does this, so callers that still send it keep working.
 */

import { type Carried, type CarrierSettings, fromTextMap, isRecord, type Note } from './carrier.ts';
import { dig } from './extractors/types.ts';

export function clientContextCarried(
  context: unknown,
  settings: CarrierSettings,
  note: Note,
): Carried | undefined {
  const custom = dig(context, 'clientContext', 'custom');
  if (!isRecord(custom)) return undefined;
  const carrier = custom._datadog !== undefined ? custom._datadog : custom;
  if (!isRecord(carrier)) {
    note('clientContext.custom._datadog is not an object');
    return undefined;
  }
  return fromTextMap(carrier, settings, (p) => note(`clientContext.custom._datadog: ${p}`));
}
