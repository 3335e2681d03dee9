/**
 * What each semantic-convention namespace contributes to a Datadog span: an operation name, a
 * resource and tags, each from the attributes alone (span attributes first, then the resource's).
 * One small rule per namespace (`http.ts`, `db.ts`, `messaging.ts`, `rpc.ts`, `faas.ts`,
 * `graphql.ts`); to-datadog.ts asks them in the orders the Datadog agent's OTLP ingest uses
 * (`pkg/trace/traceutil/otel_util.go`: operation name "V2", resource "V2"): names http, db,
 * messaging, rpc, faas, graphql; resources http, messaging, rpc, graphql, db.
 */

import type { Attributes, OtelKind } from './otel-span.ts';

export interface NamespaceRule {
  /** The operation name when this namespace describes the span, else undefined. */
  name?(attributes: Attributes, kind: OtelKind): string | undefined;
  /** The resource when this namespace gives one, else undefined. */
  resource?(attributes: Attributes, kind: OtelKind): string | undefined;
  /** Datadog's tag names for this namespace's attributes. */
  tags?(attributes: Attributes, meta: Record<string, string>): void;
}

/** Datadog's tag-value normalisation, as far as names use it: lower case, odd characters to `_`. */
export function normalizeTagValue(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9_.:/-]+/g, '_');
}
