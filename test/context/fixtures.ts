/** The event fixtures (test/fixtures/events), each read fresh so a test may change its copy. */

import { readFileSync } from 'node:fs';

export function fixture(name: string): Record<string, any> {
  return JSON.parse(readFileSync(new URL(`../fixtures/events/${name}.json`, import.meta.url), 'utf8'));
}

/** A real event sample written by others (test/fixtures/events/real, sources in its SOURCE.md). */
export function realFixture(name: string): Record<string, any> {
  return JSON.parse(readFileSync(new URL(`../fixtures/events/real/${name}.json`, import.meta.url), 'utf8'));
}

export function base64Json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64');
}

/** A Datadog text map as dd-trace injects it. */
export function ddCarrier(traceId: string, parentId: string, priority?: string): Record<string, string> {
  return {
    'x-datadog-trace-id': traceId,
    'x-datadog-parent-id': parentId,
    ...(priority !== undefined ? { 'x-datadog-sampling-priority': priority } : {}),
  };
}
