/**
 * `env` and `version` on the spans converted from X-Ray, so Datadog draws them in the same flame
 * graph as the services around them ("all services must have the same `env` tag").
 *
 * - An explicit `env` (`--env`, `DD_ENV` for the CLI and the scheduled merger) tags every X-Ray span.
 * - Otherwise a trace whose Datadog spans all agree on one `env` lends it to its X-Ray spans; so
 *   does `version`, on X-Ray spans that have none of their own (X-Ray's `service.version`).
 * - Datadog spans are never changed.
 *
 * Pure: changed spans are new objects.
 *
 * @example
 * tagEnvironment(trace, { env: 'prod' }); // every X-Ray span of the trace gets env:prod
 */

import { type DatadogSpan, spanOrigin } from './span.ts';

export interface EnvironmentOptions {
  /** Tags every X-Ray span `env:<env>`, whatever the Datadog spans say. */
  readonly env?: string;
}

/** One trace's spans with `env`/`version` set on its X-Ray spans as described above. */
export function tagEnvironment(
  trace: readonly DatadogSpan[],
  options: EnvironmentOptions = {},
): DatadogSpan[] {
  let hasXray = false;
  const envs = new Set<string>();
  const versions = new Set<string>();
  for (const span of trace) {
    if (spanOrigin(span) === 'xray') {
      hasXray = true;
      continue;
    }
    const env = span.meta['env'];
    if (env !== undefined && env !== '') envs.add(env);
    const version = span.meta['version'];
    if (version !== undefined && version !== '') versions.add(version);
  }
  const env = options.env ?? (envs.size === 1 ? ([...envs][0] as string) : undefined);
  const version = versions.size === 1 ? ([...versions][0] as string) : undefined;
  if (!hasXray || (env === undefined && version === undefined)) return trace.slice();
  return trace.map((span) => {
    if (spanOrigin(span) !== 'xray') return span;
    const setEnv =
      env !== undefined &&
      span.meta['env'] !== env &&
      (options.env !== undefined || span.meta['env'] === undefined);
    const setVersion = version !== undefined && span.meta['version'] === undefined;
    if (!setEnv && !setVersion) return span;
    const meta = { ...span.meta };
    if (setEnv) meta['env'] = env as string;
    if (setVersion) meta['version'] = version;
    return { ...span, meta };
  });
}
