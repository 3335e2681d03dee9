/**
 * Settings of the merger outside the function: the scheduled handler's window and sink, and the
 * defaults the CLI takes from the environment. Read from `mergerEnvironment()` (config.ts reads
 * the environment; this file only validates). A bad value gets one warning naming the variable
 * and the default used instead, as the runtime's config does.
 *
 * | setting           | variable                      | default                  |
 * |-------------------|-------------------------------|--------------------------|
 * | agentUrl          | DD_TRACE_AGENT_URL, or DD_AGENT_HOST + DD_TRACE_AGENT_PORT | http://127.0.0.1:8126 |
 * | traceIdMode       | DD_XRAY_TRACE_ID_MODE         | compat                   |
 * | intervalMs        | DD_MERGER_INTERVAL            | 5m                       |
 * | delayMs           | DD_MERGER_DELAY               | 2m                       |
 * | filterExpression  | DD_MERGER_FILTER_EXPRESSION   | none                     |
 * | sink              | DD_MERGER_SINK                | agent                    |
 * | xrayEndpoint      | DD_MERGER_XRAY_ENDPOINT       | the SDK's                |
 * | concurrency       | DD_MERGER_CONCURRENCY         | 4                        |
 * | includeMetadata   | DD_MERGER_INCLUDE_METADATA    | false                    |
 * | env               | DD_ENV                        | the Datadog spans' env   |
 *
 * @example
 * const settings = resolveMergerSettings(mergerEnvironment());
 */

import * as z from 'zod/mini';
import { type MergerEnvironment, parseBoolean } from '../config.ts';
import { log } from '../log.ts';
import type { TraceIdMode } from '../xray/ids.ts';
import { parseDuration } from './window.ts';

export interface MergerSettings {
  readonly agentUrl: string;
  readonly traceIdMode: TraceIdMode;
  readonly intervalMs: number;
  readonly delayMs: number;
  readonly filterExpression?: string;
  readonly sink: 'agent' | 'ndjson';
  readonly xrayEndpoint?: string;
  readonly concurrency: number;
  readonly includeMetadata: boolean;
  /** `env` for every span converted from X-Ray (else the one the trace's Datadog spans agree on). */
  readonly env?: string;
}

export const MERGER_DEFAULTS: MergerSettings = {
  agentUrl: 'http://127.0.0.1:8126',
  traceIdMode: 'compat',
  intervalMs: 5 * 60_000,
  delayMs: 2 * 60_000,
  sink: 'agent',
  concurrency: 4,
  includeMetadata: false,
};

const url = z.string().check(
  z.refine((value) => {
    try {
      const parsed = new URL(value);
      return parsed.protocol === 'http:' || parsed.protocol === 'https:';
    } catch {
      return false;
    }
  }),
);

/** Validates the merger's environment; options given in code win over it. */
export function resolveMergerSettings(
  env: MergerEnvironment,
  options: Partial<MergerSettings> = {},
): MergerSettings {
  const pick = <T>(
    variable: string,
    raw: string | undefined,
    read: (value: string) => T | undefined,
    fallback: T,
  ) => {
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = read(raw.trim());
    if (value !== undefined) return value;
    const message = `${variable}=${JSON.stringify(raw)} is not valid; using ${JSON.stringify(fallback) ?? 'no value'}`;
    log.once('warn', `merger:${variable}:${raw}`, message);
    return fallback;
  };
  const check =
    <T>(schema: z.ZodMiniType<T>) =>
    (value: unknown): T | undefined => {
      const result = schema.safeParse(value);
      return result.success ? result.data : undefined;
    };

  const agentFromHost =
    env.agentHost !== undefined && env.agentHost !== ''
      ? `http://${env.agentHost.includes(':') ? `[${env.agentHost}]` : env.agentHost}:${env.agentPort || '8126'}`
      : undefined;
  const settings: MergerSettings = {
    agentUrl: pick('DD_TRACE_AGENT_URL', env.agentUrl ?? agentFromHost, check(url), MERGER_DEFAULTS.agentUrl),
    traceIdMode: pick(
      'DD_XRAY_TRACE_ID_MODE',
      env.traceIdMode,
      (v) => check(z.enum(['compat', 'full128']))(v.toLowerCase()),
      MERGER_DEFAULTS.traceIdMode,
    ),
    intervalMs: pick('DD_MERGER_INTERVAL', env.interval, parseDuration, MERGER_DEFAULTS.intervalMs),
    delayMs: pick(
      'DD_MERGER_DELAY',
      env.delay,
      (v) => (v === '0' ? 0 : parseDuration(v)),
      MERGER_DEFAULTS.delayMs,
    ),
    sink: pick(
      'DD_MERGER_SINK',
      env.sink,
      (v) => check(z.enum(['agent', 'ndjson']))(v.toLowerCase()),
      'agent',
    ),
    concurrency: pick(
      'DD_MERGER_CONCURRENCY',
      env.concurrency,
      (v) => (/^[0-9]+$/.test(v) ? check(z.int().check(z.minimum(1), z.maximum(64)))(Number(v)) : undefined),
      MERGER_DEFAULTS.concurrency,
    ),
    includeMetadata: pick('DD_MERGER_INCLUDE_METADATA', env.includeMetadata, parseBoolean, false),
    ...(env.filterExpression?.trim() ? { filterExpression: env.filterExpression.trim() } : {}),
    ...(env.env?.trim() ? { env: env.env.trim() } : {}),
    ...(env.xrayEndpoint?.trim()
      ? {
          xrayEndpoint: pick<string | undefined>(
            'DD_MERGER_XRAY_ENDPOINT',
            env.xrayEndpoint,
            check(url),
            undefined,
          ),
        }
      : {}),
  };
  const merged = { ...settings, ...definedOnly(options) };
  if (merged.xrayEndpoint === undefined) delete (merged as { xrayEndpoint?: string }).xrayEndpoint;
  return Object.freeze(merged);
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
