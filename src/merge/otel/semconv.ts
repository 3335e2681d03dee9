/**
 * What each semantic-convention namespace contributes to a Datadog span: an operation name, a
 * resource, a span type and tags, each from the attributes alone. One small rule per namespace
 * (`http.ts`, `db.ts`, `messaging.ts`, `rpc.ts`, `faas.ts`, `graphql` in `generic.ts`); the first
 * that recognises the span names it, as the Datadog agent's OTLP ingest does (operation name "V2":
 * `http.server.request`, `postgresql.query`, `kafka.receive`, `aws.dynamodb.request`, …).
 */

import type { Attributes, OtelKind } from './otel-span.ts';

export interface Naming {
  readonly name: string;
  readonly resource?: string;
  readonly type?: string;
}

export interface NamespaceRule {
  /** The span's name parts when this namespace describes it; undefined when it does not. */
  name(attributes: Attributes, kind: OtelKind): Naming | undefined;
  /** Datadog's tag names for this namespace's attributes. */
  tags(attributes: Attributes, meta: Record<string, string>): void;
}

export function isClientSide(kind: OtelKind): boolean {
  return kind === 'client' || kind === 'producer';
}
