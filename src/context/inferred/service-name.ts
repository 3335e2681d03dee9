/**
 * The service an inferred span is named after, as datadog-lambda-js decides it: a DD_SERVICE_MAPPING
 * entry for the resource (`orders-queue:orders`) or for the trigger kind (`lambda_sqs:queues`) first;
 * then DD_SERVICE when DD_TRACE_REMOVE_INTEGRATION_SERVICE_NAMES_ENABLED is on; then the resource's
 * own name (queue, topic, API domain, …) unless DD_TRACE_AWS_SERVICE_REPRESENTATION_ENABLED is off,
 * when the generic name (`sqs`, `sns`, …) is used. Pure.
 *
 * @example
 * serviceName(naming, 'orders', 'lambda_sqs', 'orders', 'sqs'); // 'orders'
 */

import type { ServiceNaming } from './types.ts';

let lastMapping: { readonly text: string; readonly map: ReadonlyMap<string, string> } | undefined;

/**
 * `a:b,c:d` as a map; entries that are not exactly two non-empty, different parts are skipped, as
 * datadog-lambda-js skips them. One setting per process: the last parse is kept.
 */
export function parseServiceMapping(text: string | undefined): ReadonlyMap<string, string> {
  const source = text ?? '';
  if (lastMapping?.text === source) return lastMapping.map;
  const map = new Map<string, string>();
  for (const entry of source.split(',')) {
    const parts = entry.split(':').map((part) => part.trim());
    if (parts.length === 2 && parts[0] && parts[1] && parts[0] !== parts[1]) map.set(parts[0], parts[1]);
  }
  lastMapping = { text: source, map };
  return map;
}

export function serviceName(
  naming: ServiceNaming,
  specificKey: string,
  genericKey: string,
  extracted: string | undefined,
  fallback: string,
): string {
  const mapped = naming.mapping.get(specificKey) ?? naming.mapping.get(genericKey);
  if (mapped) return mapped;
  const own = naming.service?.trim();
  if (naming.removeIntegrationNames && own) return own;
  if (!naming.representation) return fallback;
  return extracted?.trim() ? extracted : fallback;
}
