/**
 * Which parent an invocation's `aws.lambda` span gets. The first source that yields a usable
 * context wins, in this order:
 *
 * 1. the user's extractor (`options.traceExtractor`, `DD_TRACE_EXTRACTOR`);
 * 2. the event (request headers, a traced authorizer, message attributes, …; see extractors/), and
 *    for events of no known source, bare request headers or an AppSync request's headers;
 * 3. a Step Functions context in the payload;
 * 4. `context.clientContext.custom._datadog`;
 * 5. this invocation's X-Ray header, when merging is on.
 *
 * A malformed carrier is one debug line and the next source is tried; nothing here throws. When
 * merging is on, the invocation's X-Ray header is carried whoever wins, so the X-Ray side can learn
 * the Datadog context (the `datadog-metadata` subsegment).
 *
 * @example
 * const parent = chooseParent(config, sqsEvent, context);
 * parent.source;  // 'event'
 * parent.links;   // the other messages' contexts
 */

import type { Config } from '../config.ts';
import { describeError, log } from '../log.ts';
import type { DatadogContext } from '../tracer/dd-trace.ts';
import { parseTraceHeader, type TraceHeader } from '../xray/header.ts';
import type { Carried, Note } from './carrier.ts';
import { clientContextCarried } from './client-context.ts';
import {
  detectEventSource,
  detectUntaggedCarrier,
  type EventSource,
  type Extracted,
  type InferredSpanPlan,
} from './extractors/index.ts';
import { stepFunctionsContext } from './extractors/step-functions.ts';
import { invocationTraceHeader } from './trace-header-source.ts';
import { userContext, userExtractor } from './user-extractor.ts';
import { xrayParent } from './xray-parent.ts';

export type ParentSource = 'user-extractor' | 'event' | 'step-functions' | 'client-context' | 'xray' | 'none';

export interface ChosenParent {
  readonly context?: DatadogContext;
  readonly source: ParentSource;
  /** This invocation's X-Ray header, when merging is on and one was found, whichever source won. */
  readonly xray?: TraceHeader;
  /** The other records of a batch event, for span links (never the parent itself). */
  readonly links?: readonly DatadogContext[];
  /** A span the event implies between `context` and `aws.lambda` (a traced authorizer's). */
  readonly inferred?: InferredSpanPlan;
}

const note: Note = (problem) => log.debug(`trace context ignored: ${problem}`);

/** A number per extractor function, so each one's problems are reported once. */
const extractorIds = new WeakMap<object, number>();
let extractorCount = 0;
function extractorId(extractor: object): number {
  let id = extractorIds.get(extractor);
  if (id === undefined) {
    extractorCount += 1;
    id = extractorCount;
    extractorIds.set(extractor, id);
  }
  return id;
}

/** Runs one stage; a fault in it is a debug line and counts as "no context here". */
function guarded<T>(stage: string, run: () => T): T | undefined {
  try {
    return run();
  } catch (error) {
    // Once per stage: a fault here repeats on every invocation.
    log.once(
      'debug',
      `context:${stage}`,
      `reading the trace context from ${stage} failed: ${describeError(error)}`,
    );
    return undefined;
  }
}

function eventContexts(event: unknown, config: Config, detected?: EventSource | null): Extracted | undefined {
  const source = detected === undefined ? detectEventSource(event) : detected;
  // An event of no known source may still carry a context: bare request headers, AppSync's request.
  const reader = source ?? detectUntaggedCarrier(event);
  if (!reader) return undefined;
  return reader.extract(event as Record<string, unknown>, {
    settings: config,
    note: (p) => note(`${reader.name} event: ${p}`),
  });
}

/**
 * An X-Ray-form event carrier (e.g. a request's `X-Amzn-Trace-Id`) naming the same trace as this
 * invocation's own header adds nothing but a less precise parent: the invocation's header points at
 * the function's own segment. Let the X-Ray stage decide then.
 */
function yieldsToInvocationXRay(carried: Carried, invocation: DatadogContext | undefined): boolean {
  return (
    carried.form === 'xray' &&
    invocation !== undefined &&
    invocation.traceId === carried.context.traceId &&
    invocation.tid === carried.context.tid
  );
}

/**
 * `source` is the event's source when the caller has detected it already (null: none), so an
 * invocation detects it once; left out, it is detected here.
 */
export function chooseParent(
  config: Config,
  event: unknown,
  context: unknown,
  source?: EventSource | null,
): ChosenParent {
  let xray: TraceHeader | undefined;
  if (config.mergeXrayTraces) {
    const raw = guarded('the X-Ray header', () => invocationTraceHeader(context));
    if (raw !== undefined) xray = parseTraceHeader(raw.value);
  }
  const xrayContext = xray ? xrayParent(xray, config) : undefined;

  if (config.traceExtractor !== undefined) {
    const fromUser = guarded('the user extractor', () => {
      const extractor = userExtractor(config);
      if (!extractor) return undefined;
      // Once per extractor and problem: a faulty extractor fails the same way on every invocation.
      const id = extractorId(extractor);
      const once: Note = (p) =>
        log.once('debug', `user-extractor:${id}:${p}`, `trace context ignored: user extractor: ${p}`);
      return userContext(extractor, event, context, config, once);
    });
    if (fromUser) return chosen('user-extractor', fromUser, xray, undefined);
  }

  const fromEvent = guarded('the event', () => eventContexts(event, config, source));
  const links = fromEvent?.links.length ? fromEvent.links.map((l) => l.context) : undefined;
  const parent = fromEvent?.parent;
  if (parent && !yieldsToInvocationXRay(parent, xrayContext)) {
    const choice = chosen('event', parent.context, xray, links);
    return fromEvent?.inferred ? { ...choice, inferred: fromEvent.inferred } : choice;
  }

  if (typeof event === 'object' && event !== null) {
    const fromStepFunctions = guarded('the Step Functions context', () =>
      stepFunctionsContext(event as Record<string, unknown>, (p) => note(p)),
    );
    if (fromStepFunctions) return chosen('step-functions', fromStepFunctions, xray, links);
  }

  const fromClient = guarded('the client context', () =>
    clientContextCarried(context, config, (p) => note(p)),
  );
  if (fromClient) return chosen('client-context', fromClient.context, xray, links);

  if (xrayContext) return chosen('xray', xrayContext, xray, links);
  return chosen('none', undefined, xray, links);
}

/** The choice, with only the fields that are there (built directly: this runs on every invocation). */
function chosen(
  source: ParentSource,
  context: DatadogContext | undefined,
  xray: TraceHeader | undefined,
  links: readonly DatadogContext[] | undefined,
): ChosenParent {
  const choice: {
    context?: DatadogContext;
    source: ParentSource;
    xray?: TraceHeader;
    links?: readonly DatadogContext[];
  } = context === undefined ? { source } : { context, source };
  if (xray !== undefined) choice.xray = xray;
  if (links !== undefined) choice.links = links;
  return choice;
}
