/**
 * The one interface every event source implements. A source recognises its event by shape (cheap
 * property checks, no parsing), reads the trace context(s) its event carries, and names itself for
 * the `function_trigger.*` span tags.
 */

import type { Carried, CarrierSettings, Note } from '../carrier.ts';

/** `function_trigger.event_source` values, as datadog-lambda-js spells them. */
export type EventSourceName =
  | 'api-gateway'
  | 'application-load-balancer'
  | 'lambda-function-url'
  | 'sqs'
  | 'sns'
  | 'eventbridge'
  | 'cloudwatch-events'
  | 'kinesis'
  | 'dynamodb'
  | 's3'
  | 'states';

/** An event as the extractors see it: a plain object (anything else matches no source). */
export type EventRecord = Readonly<Record<string, unknown>>;

/**
 * A span for a managed service in front of the function, worked out from the event alone: made (by
 * the handler, through tracer/) between the parent and `aws.lambda` when DD_TRACE_MANAGED_SERVICES
 * is on. Times in epoch milliseconds.
 */
export interface InferredSpanPlan {
  readonly name: string;
  readonly service: string;
  readonly resource: string;
  readonly type: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly tags: Readonly<Record<string, string | number>>;
}

/** What an event carries: the parent (from the first record of a batch) and the other records' contexts. */
export interface Extracted {
  readonly parent?: Carried;
  readonly links: readonly Carried[];
  /** A span between the parent and `aws.lambda` (a traced authorizer's), when the event implies one. */
  readonly inferred?: InferredSpanPlan;
}

/** The settings an event source reads: the carrier's, and whether a traced authorizer's context counts. */
export interface ExtractionSettings extends CarrierSettings {
  /** DD_DECODE_AUTHORIZER_CONTEXT */
  readonly decodeAuthorizerContext: boolean;
}

export interface ExtractionInput {
  readonly settings: ExtractionSettings;
  /** One line per malformed carrier (the caller logs it at debug level). */
  readonly note: Note;
}

/** The parts of the invocation a source needs to name its ARN. */
export interface InvocationFacts {
  readonly region?: string;
  readonly accountId?: string;
}

/** Tags for the `aws.lambda` span. Never payloads or headers. */
export type TriggerTags = Readonly<Record<string, string>>;

export interface EventSource {
  readonly name: EventSourceName;
  /** Whether the event has this source's shape. Property checks only. */
  matches(event: EventRecord): boolean;
  /** The contexts the event carries; sources that carry none (DynamoDB, S3) return undefined. */
  extract(event: EventRecord, input: ExtractionInput): Extracted | undefined;
  /** `function_trigger.event_source_arn` and, for HTTP sources, `http.*` request tags. */
  tags(event: EventRecord, facts: InvocationFacts): TriggerTags;
  /** HTTP sources get `http.status_code` from the handler's response. */
  readonly http?: boolean;
}

/**
 * A carrier an event can hold without being from an AWS source this package names (a custom
 * caller's `headers`, an AppSync resolver's request): it gives a parent, never trigger tags.
 */
export interface UntaggedCarrier {
  readonly name: string;
  /** Whether the event has this carrier's shape. Property checks only. */
  matches(event: EventRecord): boolean;
  extract(event: EventRecord, input: ExtractionInput): Extracted | undefined;
}

/** Reads `object.a.b.c` without throwing; undefined when any step is not an object. */
export function dig(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** A string field, or undefined. */
export function stringAt(value: unknown, ...path: string[]): string | undefined {
  const found = dig(value, ...path);
  return typeof found === 'string' ? found : undefined;
}

/** The first record of a `Records` batch, if the event is one. */
export function firstRecord(event: EventRecord): unknown {
  const records = event.Records;
  return Array.isArray(records) && records.length > 0 ? records[0] : undefined;
}

/** `{ function_trigger.event_source_arn }` when the ARN is a non-empty string, else no tag. */
export function arnTag(arn: unknown): TriggerTags {
  return typeof arn === 'string' && arn.length > 0 ? { 'function_trigger.event_source_arn': arn } : {};
}
