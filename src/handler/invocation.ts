/**
 * One invocation's tracing: which parent it gets, its `aws.lambda` span, the timeout guard, and
 * finishing it exactly once. All of its state lives in the object made per invocation, so
 * invocations running at once in one process never share anything.
 */

import type { Config } from '../config.ts';
import { durableExecutionStatus, durableFunctionTags } from '../context/durable-function.ts';
import { detectEventSource, type EventSource } from '../context/extractors/index.ts';
import { type ChosenParent, chooseParent } from '../context/parent.ts';
import { type SpanPointer, spanPointers } from '../context/span-pointers.ts';
import { eventTrigger, httpStatusCode } from '../context/trigger.ts';
import { xrayParent } from '../context/xray-parent.ts';
import { describeError, log } from '../log.ts';
import {
  addSpanPointers,
  finishOpenSpans,
  injectedHeaders,
  runInSpan,
  type Span,
  spanStartMs,
  spanView,
  startInvocationSpan,
  type Tracer,
  tagError,
} from '../tracer/dd-trace.ts';
import { takeModuleLoads } from '../tracer/module-loads.ts';
import { sendToDaemon } from '../xray/emitter.ts';
import { parseTraceHeader } from '../xray/header.ts';
import { metadataHeader, metadataSubsegment } from '../xray/metadata-subsegment.ts';
import { encodeAuthorizerContext, isAuthorizerResponse } from './authorizer-response.ts';
import { coldStartPlans, makeColdStartSpans } from './cold-start.ts';
import { cancelDeadline, type Deadline, watchDeadline } from './deadlines.ts';
import { finishManagedSpans, type ManagedSpans, startManagedSpans } from './inferred-span.ts';
import { payloadTags } from './payload.ts';

/** What the wrapper knows once per process, made when the handler is wrapped. */
export interface WrapperRuntime {
  readonly config: Config;
  readonly tracer: Tracer;
}

/** The Lambda context fields the wrapper reads; everything is optional because users call handlers by hand. */
export interface LambdaContextLike {
  functionName?: string;
  functionVersion?: string;
  invokedFunctionArn?: string;
  awsRequestId?: string;
  xRayTraceId?: string;
  getRemainingTimeInMillis?: () => number;
}

let coldStart = true;

/** The last ARN seen, unqualified: a process sees one (or one per alias), so it is worked out once. */
let lastArn: { readonly arn: string; readonly unqualified: string } | undefined;

/** `arn:aws:lambda:region:account:function:name[:qualifier]`, lowercased, without the qualifier. */
export function unqualifiedFunctionArn(arn: string): string {
  if (lastArn?.arn === arn) return lastArn.unqualified;
  const unqualified = arn.split(':').slice(0, 7).join(':').toLowerCase();
  lastArn = { arn, unqualified };
  return unqualified;
}

/** The last function name seen, lowercased (the `functionname` tag): one per process. */
let lastName: { readonly name: string; readonly lower: string } | undefined;

function lowercaseName(name: string): string {
  if (lastName?.name !== name) lastName = { name, lower: name.toLowerCase() };
  return lastName.lower;
}

/** The event's source, or null; a hostile event (a throwing getter, a Proxy) has none. */
function eventSourceOf(event: unknown): EventSource | null {
  try {
    return detectEventSource(event) ?? null;
  } catch (error) {
    log.once(
      'debug',
      'context:the event source',
      `reading the event's source failed: ${describeError(error)}`,
    );
    return null;
  }
}

/** A pure step over the event; a hostile event (throwing getters) gives nothing, once logged. */
function guardedStep<T>(what: string, step: () => T): T | undefined {
  try {
    return step();
  } catch (error) {
    log.once('debug', `step:${what}`, `${what} failed: ${describeError(error)}`);
    return undefined;
  }
}

/** `requestContext.requestId` of an API Gateway request (an authorizer's event). */
function apiRequestId(event: unknown): string | undefined {
  try {
    const id = (event as { requestContext?: { requestId?: unknown } } | null | undefined)?.requestContext
      ?.requestId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined; // a hostile event: no request id, never a fault
  }
}

/** The last function ARN seen and its region: one per process, read on every invocation. */
let lastRegion: { readonly arn: string; readonly region: string | undefined } | undefined;

function regionOf(arn: string | undefined): string | undefined {
  if (!arn) return undefined;
  if (lastRegion?.arn !== arn) lastRegion = { arn, region: arn.split(':')[3] || undefined };
  return lastRegion.region;
}

/** The request id and the region (from the function's ARN) the inferred spans are tagged with. */
function factsOf(context: LambdaContextLike): { requestId?: string; region?: string } {
  const facts: { requestId?: string; region?: string } = {};
  if (context.awsRequestId) facts.requestId = context.awsRequestId;
  const region = regionOf(context.invokedFunctionArn);
  if (region) facts.region = region;
  return facts;
}

/** A fault in one step of finishing: one debug line per step per process, never thrown. */
function stepFailed(what: string, fault: unknown): void {
  log.once('debug', `finish:${what}`, `${what} failed: ${describeError(fault)}`);
}

export class Invocation {
  readonly span: Span;
  readonly parent: ChosenParent;
  readonly #tracer: Tracer;
  readonly #config: Config;
  #deadline: Deadline | undefined;
  #finished = false;
  #timedOut = false;
  /** HTTP triggers get `http.status_code` from the response. */
  readonly #httpTrigger: boolean;
  /** The managed-service spans in front of `aws.lambda`, when DD_TRACE_MANAGED_SERVICES made some. */
  readonly #managed: ManagedSpans | undefined;
  readonly #startMs: number;
  /** The API Gateway request this invocation answers, for an authorizer's response. */
  readonly #requestId: string | undefined;
  /** Span pointers to the S3 or DynamoDB write that triggered it. */
  readonly #pointers: readonly SpanPointer[] | undefined;
  /** A durable function's event: its result's `Status` is tagged. */
  readonly #durableEvent: unknown;
  /** The cold start's first invocation: it gets the cold-start spans. */
  readonly #cold: boolean;
  readonly #functionName: string;

  constructor(runtime: WrapperRuntime, event: unknown, context: LambdaContextLike) {
    const { config, tracer } = runtime;
    this.#tracer = tracer;
    this.#config = config;
    // Detected once: both the parent and the trigger tags depend on it.
    const source = eventSourceOf(event);
    const parent = chooseParent(config, event, context, source);
    this.parent = parent;
    const facts = factsOf(context);
    this.#managed = startManagedSpans(tracer, config, parent, event, source, facts);
    this.#requestId = config.encodeAuthorizerContext ? apiRequestId(event) : undefined;
    this.#pointers =
      config.addSpanPointers && source !== null && (source.name === 's3' || source.name === 'dynamodb')
        ? guardedStep('span pointers', () => spanPointers(source.name, event as Record<string, unknown>))
        : undefined;
    let durable: Record<string, string> | undefined;
    try {
      durable = durableFunctionTags(event);
    } catch (error) {
      stepFailed('durable function tags', error);
    }
    this.#durableEvent = durable ? event : undefined;
    const functionName = context.functionName ?? '';
    const tags: Record<string, string | number | boolean> = {
      cold_start: coldStart ? 'true' : 'false',
      functionname: lowercaseName(functionName),
    };
    this.#cold = coldStart;
    this.#functionName = functionName;
    coldStart = false;
    if (context.invokedFunctionArn) tags.function_arn = unqualifiedFunctionArn(context.invokedFunctionArn);
    if (context.functionVersion) tags.function_version = context.functionVersion;
    if (context.awsRequestId) tags.request_id = context.awsRequestId;
    if (parent.source !== 'none') tags['_dd.parent_source'] = parent.source;
    // From a Datadog span to its X-Ray trace, whichever context parents the span; the merger's
    // hybrid join finds this invocation's aws.lambda span by it.
    const xrayRoot = parent.xray?.root;
    if (xrayRoot !== undefined) tags['aws.xray.trace_id'] = xrayRoot;
    const trigger = eventTrigger(event, context, source);
    if (source !== null) Object.assign(tags, trigger.tags);
    if (durable) Object.assign(tags, durable);
    // Only when asked for: payloads hold private data.
    if (config.captureLambdaPayload) Object.assign(tags, payloadTags('function.request', event));
    this.#httpTrigger = trigger.http;
    this.#startMs = Date.now();
    this.span = startInvocationSpan(tracer, {
      ...(this.#managed ? { parentSpan: this.#managed.lambdaParent } : {}),
      parent: parent.context,
      links: parent.links,
      resource: functionName || 'handler',
      service: config.service ?? (functionName || 'aws.lambda'),
      tags,
    });
    this.#armTimeout(config.flushDeadlineMs, context);
  }

  /** Runs the user's code with this invocation's span active. */
  run<T>(fn: () => T): T {
    return runInSpan(this.#tracer, this.span, fn);
  }

  /**
   * Finishes the span once; later calls (double completion, the timeout) do nothing. `response`
   * holds what the handler returned, when it returned something (not for streaming or timeouts).
   */
  finish(
    error?: unknown,
    failed = error !== undefined && error !== null,
    response?: { readonly value: unknown },
  ): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#deadline) cancelDeadline(this.#deadline);
    // Each step on its own: a fault in one (a hostile thrown value or response, a broken tracer)
    // must not keep the span from being finished, and so its trace from being exported.
    if (failed) {
      try {
        tagError(this.span, error);
      } catch (fault) {
        stepFailed('tagging the error', fault);
      }
    }
    let statusCode: string | undefined;
    if (this.#httpTrigger) {
      try {
        statusCode = httpStatusCode({ failed, response });
        this.span.setTag('http.status_code', statusCode);
        // A 5xx answer behind an inferred request span fails the invocation, as datadog-lambda-js marks it.
        if (this.#managed?.trigger && statusCode.startsWith('5')) this.span.setTag('error', 1);
      } catch (fault) {
        stepFailed('tagging the status code', fault);
      }
    }
    if (this.#config.captureLambdaPayload && response !== undefined) {
      try {
        this.span.addTags(payloadTags('function.response', response.value));
      } catch (fault) {
        stepFailed('tagging the response', fault);
      }
    }
    if (this.#durableEvent !== undefined && response !== undefined) {
      try {
        const status = durableExecutionStatus(this.#durableEvent, response.value);
        if (status) this.span.setTag('aws.durable.execution_status', status);
      } catch (fault) {
        stepFailed('tagging the durable execution status', fault);
      }
    }
    if (this.#pointers !== undefined && this.#pointers.length > 0) {
      try {
        // On the trigger's span when there is one, as datadog-lambda-js puts them, else on aws.lambda.
        addSpanPointers(this.#managed?.trigger?.span ?? this.span, this.#pointers);
      } catch (fault) {
        stepFailed('adding span pointers', fault);
      }
    }
    if (this.#cold && this.#config.coldStartTracing) this.#traceColdStart();
    // Before finish: the span's tags (trigger, status code) are final and still readable.
    this.#sendXRayMetadata();
    // Work the timed-out handler left open would otherwise hold the whole trace back from export.
    if (this.#timedOut) finishOpenSpans(this.span);
    try {
      this.span.finish();
    } catch (fault) {
      stepFailed('finishing the span', fault);
    }
    if (this.#managed)
      finishManagedSpans(this.#managed, {
        failed,
        error,
        // Where an asynchronous trigger's span ends: aws.lambda's start, on the trace's own clock.
        lambdaStartMs: spanStartMs(this.span) ?? this.#startMs,
        ...(statusCode !== undefined ? { statusCode } : {}),
      });
    if (this.#config.encodeAuthorizerContext && !failed && response !== undefined) {
      try {
        const value = response.value;
        if (isAuthorizerResponse(value)) {
          // The span the function behind the authorizer continues from: the trigger's, else aws.lambda.
          const span = this.#managed?.trigger?.span ?? this.span;
          encodeAuthorizerContext(value, injectedHeaders(this.#tracer, span), this.#requestId, Date.now());
        }
      } catch (fault) {
        stepFailed("writing the authorizer's trace context", fault);
      }
    }
  }

  /** The cold start's module loads as spans, under the trigger's span (else aws.lambda). Never throws. */
  #traceColdStart(): void {
    try {
      const loads = takeModuleLoads();
      const plans = coldStartPlans(loads, {
        minDurationMs: this.#config.minColdStartDuration,
        skip: this.#config.coldStartTraceSkipLib?.split(',').map((s) => s.trim()) ?? [],
        functionName: this.#functionName,
        lambdaStartMs: this.#startMs,
      });
      if (plans.length > 0)
        makeColdStartSpans(this.#tracer, this.#managed?.trigger?.span ?? this.span, plans);
    } catch (fault) {
      stepFailed('the cold-start spans', fault);
    }
  }

  /**
   * Tells X-Ray this invocation's Datadog context (and its trigger tags) in one `datadog-metadata`
   * subsegment, when X-Ray sampled it and the context did not come from X-Ray. Never throws.
   */
  #sendXRayMetadata(): void {
    try {
      // A context that came from X-Ray tells X-Ray nothing new: skip reading the span (the common case).
      if (this.parent.source === 'xray' || !metadataHeader(this.parent, this.#config.xrayMetadata)) return;
      const document = metadataSubsegment({
        parent: this.parent,
        enabled: this.#config.xrayMetadata,
        span: spanView(this.#tracer, this.span),
      });
      if (document) sendToDaemon(this.#config.daemonAddress, document);
    } catch (fault) {
      log.debug(`the X-Ray metadata subsegment was not sent: ${describeError(fault)}`);
    }
  }

  /** Closes the span as timed out early enough to be exported before Lambda stops the function. */
  #armTimeout(deadlineMs: number, context: LambdaContextLike): void {
    if (typeof context.getRemainingTimeInMillis !== 'function') return;
    const remaining = context.getRemainingTimeInMillis();
    if (!Number.isFinite(remaining) || remaining <= 0) return;
    this.#deadline = watchDeadline(Date.now() + remaining - deadlineMs, () => {
      // Lambda's own wording, with the time the invocation had when it started.
      const error = new Error(
        `Task timed out after ${(remaining / 1000).toFixed(2)} seconds (span closed ${deadlineMs} ms before the deadline)`,
      );
      error.name = 'TimeoutError';
      this.#timedOut = true;
      this.finish(error);
    });
  }
}
