/**
 * X-Ray segment documents -> Datadog spans. Pure and deterministic: the same documents, in any
 * order, give the same spans in the same order, so a re-sent window is idempotent.
 *
 * Every segment and every subsegment (nested in `subsegments`, or standalone with `parent_id`)
 * becomes one span:
 * - `trace_id` from the X-Ray trace id through `xray/ids` (`compat` or `full128`; full128 also puts
 *   `_dd.p.tid` in meta), `span_id` from the segment id, `parent_id` from the nesting or the
 *   document's `parent_id`, `0` for a root. The function segment's id (origin
 *   `AWS::Lambda::Function`) is the `Parent` the runtime saw, so the runtime's `aws.lambda` span
 *   nests under it with no extra step.
 * - `start`/`duration` in integer nanoseconds, computed in decimal from the shortest text of the
 *   float seconds (no binary float error), rounded half up at the nanosecond.
 * - An `in_progress` document has duration 0 and `xray.in_progress: "true"`: deterministic, unlike
 *   "until now".
 * - `name`/`type`/`resource` from `origin` (`AWS::Lambda::Function` -> `aws.lambda.function`,
 *   `serverless`; `AWS::Lambda` -> `aws.lambda.service`, never the runtime's `aws.lambda`), or for subsegments from `sql` (`sql.query`), the `aws` namespace (`aws.request`,
 *   as dd-trace names SDK calls) and remote `http` (`http.request`).
 * - `fault`/`error`/`throttle` or a `cause` -> `error: 1` with `error.message`/`error.type`/
 *   `error.stack` from the first exception (a cause that is an exception id is looked up across the
 *   trace).
 * - Annotations become tags under their own key (strings and booleans in meta, numbers in metrics);
 *   the converter's own tags win a clash. Metadata only with `includeMetadata`, as
 *   `metadata.<namespace>.<key>`. A `datadog-metadata` subsegment's `metadata.datadog.trace` is
 *   always kept, as JSON in `_merge.upstream`, for the hybrid join (`hybrid-join.ts`).
 * - Every span carries `meta[ORIGIN_TAG] = 'xray'`, `xray.trace_id` and `xray.segment_id`.
 *
 * @example
 * const { spans, skipped } = convertDocuments([documentJson], { idMode: 'compat' });
 */

import {
  type DatadogTraceId,
  datadogSpanId,
  datadogTraceId,
  type TraceIdMode,
  USER_KEEP,
} from '../xray/ids.ts';
import { METADATA_SUBSEGMENT, UPSTREAM_TAG } from './datadog-metadata.ts';
import { sortSpans } from './order.ts';
import {
  readSegmentDocument,
  type SegmentDocument,
  type SkippedDocument,
  type XRayException,
} from './segment-schema.ts';
import { type DatadogSpan, ORIGIN_TAG } from './span.ts';
import { SpanClock } from './span-time.ts';

export { exactSecondsToNanos, secondsToNanos } from './span-time.ts';

export interface ConvertOptions {
  /** How X-Ray trace ids map to Datadog ones; must match the runtime's `DD_XRAY_TRACE_ID_MODE`. */
  readonly idMode?: TraceIdMode;
  /** Copy segment metadata into meta (`metadata.<namespace>.<key>`). Off by default: it can be large or private. */
  readonly includeMetadata?: boolean;
}

export interface ConversionResult {
  readonly spans: DatadogSpan[];
  /** Top-level documents read, valid or not. */
  readonly documents: number;
  /** Documents and nested subsegments left out, with the reason. */
  readonly skipped: SkippedDocument[];
}

/** One trace as `BatchGetTraces` returns it (the SDK's shape, without depending on the SDK). */
export interface XRayTrace {
  readonly Id?: string;
  readonly Segments?: ReadonlyArray<{ readonly Id?: string; readonly Document?: string }>;
}

/** Converts traces as `BatchGetTraces` returns them. */
export function convertTraces(traces: Iterable<XRayTrace>, options: ConvertOptions = {}): ConversionResult {
  const documents: unknown[] = [];
  for (const trace of traces) {
    const segments = trace.Segments;
    if (segments !== undefined) for (const segment of segments) documents.push(segment.Document);
  }
  return convertDocuments(documents, options);
}

/** Converts segment documents (JSON text or parsed objects) of one or more traces. */
export function convertDocuments(
  documents: Iterable<unknown>,
  options: ConvertOptions = {},
): ConversionResult {
  const skipped: SkippedDocument[] = [];
  const valid: SegmentDocument[] = [];
  let count = 0;
  for (const input of documents) {
    count += 1;
    const document = readSegmentDocument(input, skipped);
    if (document !== undefined) valid.push(document);
  }

  const conversion: Conversion = {
    idMode: options.idMode ?? 'compat',
    includeMetadata: options.includeMetadata === true,
    documents: valid,
    meta: SPAN_PARTS.meta,
    metrics: SPAN_PARTS.metrics,
    clock: SPAN_PARTS.clock,
    segmentIds: [],
    exceptions: undefined,
    services: undefined,
  };
  const spans: DatadogSpan[] = [];
  try {
    // Documents of one trace mostly come together: the last trace id's mapping is kept.
    let lastXrayTraceId: string | undefined;
    let traceId: DatadogTraceId | undefined;
    for (let i = 0; i < valid.length; i += 1) {
      const document = valid[i] as SegmentDocument;
      const xrayTraceId = document.trace_id as string;
      if (xrayTraceId !== lastXrayTraceId || traceId === undefined) {
        traceId = datadogTraceId(xrayTraceId, conversion.idMode);
        lastXrayTraceId = xrayTraceId;
      }
      const standalone = document.type === 'subsegment';
      const trace: TraceContext = {
        xrayTraceId,
        traceId,
        service: standalone ? serviceOfStandalone(document, servicesOf(conversion)) : document.name,
      };
      const parentId =
        document.parent_id !== undefined ? parentSpanId(document.parent_id, conversion, spans) : '0';
      addSpans(document, parentId, !standalone, trace, conversion, spans);
    }
  } catch (error) {
    // Every span leaves the shared tag tables empty, but one that threw half-way (metadata's
    // JSON.stringify can, on a cyclic object) has not.
    SPAN_PARTS.meta.clear();
    SPAN_PARTS.metrics.clear();
    throw error;
  }
  sortSpans(spans);
  return { spans, documents: count, skipped };
}

/** One conversion call's settings and what it looks up more than once. Lives as long as the call. */
interface Conversion {
  readonly idMode: TraceIdMode;
  readonly includeMetadata: boolean;
  readonly documents: readonly SegmentDocument[];
  /** One span's tags while it is built (spans are built one at a time). */
  readonly meta: Tags<OwnMeta, string>;
  readonly metrics: Tags<OwnMetric, number>;
  /** Start and duration of one span at a time. */
  readonly clock: SpanClock;
  /** The segment id of each span made so far, at the span's index. */
  readonly segmentIds: string[];
  /** Built on the first cause that names an exception by id. */
  exceptions: Map<string, XRayException> | undefined;
  /** Built on the first standalone subsegment. */
  services: Map<string, ServiceEntry> | undefined;
}

/** What every span of one top-level document shares. */
interface TraceContext {
  readonly xrayTraceId: string;
  readonly traceId: DatadogTraceId;
  readonly service: string;
}

/** The document's span, then its subsegments' (each segment id mapped once). */
function addSpans(
  doc: SegmentDocument,
  parentId: string,
  segment: boolean,
  trace: TraceContext,
  conversion: Conversion,
  spans: DatadogSpan[],
): void {
  const spanId = datadogSpanId(doc.id);
  spans.push(toSpan(doc, spanId, parentId, segment, trace, conversion));
  conversion.segmentIds.push(doc.id);
  const children = doc.subsegments;
  // Indexed loops here and below: `for…of` over these short arrays (parsed ones and the frozen
  // empty one) goes through the array iterator, several times the cost of the loop itself.
  for (let i = 0; i < children.length; i += 1) {
    addSpans(children[i] as SegmentDocument, spanId, false, trace, conversion, spans);
  }
}

/** How far back {@link parentSpanId} looks among the spans made so far. */
const PARENT_LOOKBACK = 32;

/**
 * The span id of a document's `parent_id`. The parent is mostly a segment or subsegment of a
 * document just converted (the function segment's parent is the Lambda service segment, an
 * inferred segment's the subsegment of the call), whose span id is then taken as it is instead of
 * being worked out again (a BigInt parse and print, the dearest step of an id).
 */
function parentSpanId(
  parentSegmentId: string,
  conversion: Conversion,
  spans: readonly DatadogSpan[],
): string {
  const segmentIds = conversion.segmentIds;
  const last = segmentIds.length - 1;
  for (let i = last; i >= 0 && i > last - PARENT_LOOKBACK; i -= 1) {
    if (segmentIds[i] === parentSegmentId) return (spans[i] as DatadogSpan).span_id;
  }
  return datadogSpanId(parentSegmentId);
}

/**
 * The keys the converter itself writes, each with a fixed slot in {@link Tags}: its index in
 * code-unit order, so the slots are read out in the order the record needs.
 */
interface TagLayout<K extends string> {
  readonly keys: readonly K[];
  /** Slot by key, for the converter's own writes (constant keys). */
  readonly slot: Readonly<Record<K, number>>;
  /** Slot by key, for keys from the document (annotations) that may be one of ours. */
  readonly slots: ReadonlyMap<string, number>;
}

/** Prefixes of keys written with `Tags.setOther` (no lookup): none of the layout's keys may have them. */
const OTHER_PREFIXES = ['aws.', 'metadata.'];

function tagLayout<K extends string>(keys: readonly K[]): TagLayout<K> {
  const sorted = [...new Set(keys)].sort();
  for (const key of sorted) {
    if (OTHER_PREFIXES.some((prefix) => key.startsWith(prefix))) throw new Error(`tag layout: ${key}`);
  }
  return {
    keys: sorted,
    slot: Object.freeze(Object.fromEntries(sorted.map((key, slot) => [key, slot]))) as Record<K, number>,
    slots: new Map(sorted.map((key, slot) => [key, slot])),
  };
}

const OWN_META = tagLayout([
  '_dd.p.tid',
  ORIGIN_TAG,
  'xray.trace_id',
  'xray.segment_id',
  'xray.name',
  'xray.kind',
  'xray.origin',
  'xray.namespace',
  'xray.inferred',
  'xray.resource_arn',
  'usr.id',
  'version',
  'http.method',
  'http.url',
  'http.useragent',
  'http.client_ip',
  'http.status_code',
  'region',
  'tablename',
  'bucketname',
  'functionname',
  'queuename',
  'topicname',
  'aws_service',
  'sql.query',
  'db.system',
  'db.url',
  'db.user',
  'db.version',
  'db.driver_version',
  'db.preparation',
  'xray.fault',
  'xray.error',
  'xray.throttle',
  'xray.cause_id',
  'error.message',
  'error.type',
  'error.stack',
  'xray.in_progress',
] as const);
const OWN_METRICS = tagLayout(['_sampling_priority_v1'] as const);

type OwnMeta = (typeof OWN_META.keys)[number];
type OwnMetric = (typeof OWN_METRICS.keys)[number];
/** Slots of the converter's own keys. */
const META = OWN_META.slot;
const METRICS = OWN_METRICS.slot;

/**
 * The tags of one span while it is built: the last value written for a key wins, and the record
 * comes out with its keys inserted in code-unit order (as `Array#sort` orders strings), which the
 * NDJSON output shows. The converter's own keys have fixed slots, already in that order; only the
 * others (annotations, `aws.*`, `metadata.*`) are sorted, then merged in. This replaces building
 * an object and then a sorted copy of it, which took a tenth of the conversion time.
 */
class Tags<K extends string, V> {
  private readonly layout: TagLayout<K>;
  /** Values of the layout's keys by slot; undefined when not written. */
  private readonly own: Array<V | undefined>;
  /**
   * Other keys and their values, in the order written: the first `count` entries. The arrays are
   * reused from span to span, never truncated (setting an array's length is a runtime call, which
   * cost a third of building the record).
   */
  private readonly keys: string[] = [];
  private readonly values: V[] = [];
  private count = 0;

  constructor(layout: TagLayout<K>) {
    this.layout = layout;
    // Pushed, not `new Array(n).fill()`: packed from the start, and no call into the runtime.
    const own: Array<V | undefined> = [];
    for (let slot = 0; slot < layout.keys.length; slot += 1) own.push(undefined);
    this.own = own;
  }

  /** One of the converter's own keys, by its slot (`META[key]`, a constant load at each call). */
  setOwn(slot: number, value: V): void {
    this.own[slot] = value;
  }

  /** A key known not to be one of the layout's (it has one of {@link OTHER_PREFIXES}). */
  setOther(key: string, value: V): void {
    const count = this.count;
    this.keys[count] = key;
    this.values[count] = value;
    this.count = count + 1;
  }

  /** Any key, such as an annotation's. */
  set(key: string, value: V): void {
    const slot = this.layout.slots.get(key);
    if (slot !== undefined) this.own[slot] = value;
    else this.setOther(key, value);
  }

  hasOwn(slot: number): boolean {
    return this.own[slot] !== undefined;
  }

  /** Nothing written. */
  clear(): void {
    const own = this.own;
    for (let slot = 0; slot < own.length; slot += 1) own[slot] = undefined;
    this.count = 0;
  }

  /** The tags as a record; then empty, for the next span. */
  take(): Record<string, V> {
    const keys = this.keys;
    const values = this.values;
    const count = this.count;
    // Binary insertion sort of both arrays: few keys, and stable, so of equal keys the last
    // written is also the last assigned below.
    for (let i = 1; i < count; i += 1) {
      const key = keys[i] as string;
      const value = values[i] as V;
      let low = 0;
      let high = i;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if ((keys[middle] as string) > key) high = middle;
        else low = middle + 1;
      }
      for (let j = i; j > low; j -= 1) {
        keys[j] = keys[j - 1] as string;
        values[j] = values[j - 1] as V;
      }
      keys[low] = key;
      values[low] = value;
    }
    const record: Record<string, V> = {};
    const ownKeys = this.layout.keys;
    const own = this.own;
    let next = 0;
    for (let slot = 0; slot < own.length; slot += 1) {
      const value = own[slot];
      if (value === undefined) continue;
      own[slot] = undefined;
      // Other keys never equal one of the layout's, so `<` places them.
      const ownKey = ownKeys[slot] as string;
      for (; next < count && (keys[next] as string) < ownKey; next += 1) {
        record[keys[next] as string] = values[next] as V;
      }
      record[ownKey] = value;
    }
    for (; next < count; next += 1) record[keys[next] as string] = values[next] as V;
    this.count = 0;
    return record;
  }
}

/**
 * One span's tags and times while it is built, shared by all conversion calls: spans are built one
 * at a time and a call runs to its end, so one set serves them all, and a call on a trace of a few
 * segments does not allocate its own (two tag tables and a clock were a tenth of such a call).
 */
const SPAN_PARTS = {
  meta: new Tags<OwnMeta, string>(OWN_META),
  metrics: new Tags<OwnMetric, number>(OWN_METRICS),
  clock: new SpanClock(),
};

/** `metadata.datadog.trace` of a `datadog-metadata` subsegment, as JSON under {@link UPSTREAM_TAG}. */
function tagUpstream(doc: SegmentDocument, meta: Tags<OwnMeta, string>): void {
  const datadog = doc.metadata?.['datadog'];
  if (typeof datadog !== 'object' || datadog === null) return;
  const trace = (datadog as Record<string, unknown>)['trace'];
  if (trace === undefined) return;
  meta.set(UPSTREAM_TAG, JSON.stringify(trace) ?? 'null');
}

/** An annotation: strings and booleans are meta, finite numbers metrics. */
function putTag(
  meta: Tags<OwnMeta, string>,
  metrics: Tags<OwnMetric, number>,
  key: string,
  value: unknown,
): void {
  if (typeof value === 'string') meta.set(key, value);
  else if (typeof value === 'boolean') meta.set(key, String(value));
  else if (typeof value === 'number' && Number.isFinite(value)) metrics.set(key, value);
}

/**
 * @param segment a top-level segment, not a subsegment
 */
function toSpan(
  doc: SegmentDocument,
  spanId: string,
  parentId: string,
  segment: boolean,
  trace: TraceContext,
  conversion: Conversion,
): DatadogSpan {
  const { meta, metrics } = conversion;

  // User-supplied tags first, so the converter's own tags win a clash.
  const annotations = doc.annotations;
  if (annotations !== undefined) {
    const keys = Object.keys(annotations);
    for (let i = 0; i < keys.length; i += 1) {
      const key = keys[i] as string;
      putTag(meta, metrics, key, annotations[key]);
    }
  }
  if (conversion.includeMetadata && doc.metadata !== undefined) {
    for (const [namespace, entries] of Object.entries(doc.metadata)) {
      if (typeof entries !== 'object' || entries === null) continue;
      for (const [key, value] of Object.entries(entries)) {
        meta.setOther(
          `metadata.${namespace}.${key}`,
          typeof value === 'string' ? value : JSON.stringify(value),
        );
      }
    }
  }

  // Each field read once: documents come in many shapes, so every read is a generic lookup.
  const { name: xrayName, origin, namespace, http, aws, sql } = doc;
  // The hybrid join (hybrid-join.ts) needs the Datadog context a function reported, with or
  // without includeMetadata.
  if (xrayName === METADATA_SUBSEGMENT) tagUpstream(doc, meta);
  const { traceId, tid } = trace.traceId;
  if (tid !== undefined) meta.setOwn(META['_dd.p.tid'], tid);
  meta.setOwn(META[ORIGIN_TAG], 'xray');
  meta.setOwn(META['xray.trace_id'], trace.xrayTraceId);
  meta.setOwn(META['xray.segment_id'], doc.id);
  meta.setOwn(META['xray.name'], xrayName);
  meta.setOwn(META['xray.kind'], segment ? 'segment' : 'subsegment');
  if (origin !== undefined) meta.setOwn(META['xray.origin'], origin);
  if (namespace !== undefined) meta.setOwn(META['xray.namespace'], namespace);
  if (doc.inferred === true) meta.setOwn(META['xray.inferred'], 'true');
  if (doc.resource_arn !== undefined) meta.setOwn(META['xray.resource_arn'], doc.resource_arn);
  if (doc.user !== undefined) meta.setOwn(META['usr.id'], doc.user);
  const version = doc.service?.version;
  if (version !== undefined) meta.setOwn(META['version'], version);

  if (http !== undefined) tagHttp(http, meta);
  if (aws !== undefined) tagAws(doc, aws, meta, metrics);
  if (sql !== undefined) tagSql(sql, meta);
  const error = tagError(doc, conversion, meta);
  if (segment) metrics.setOwn(METRICS['_sampling_priority_v1'], USER_KEEP);

  const inProgress = doc.in_progress === true || doc.end_time === undefined;
  if (inProgress) meta.setOwn(META['xray.in_progress'], 'true');
  const clock = conversion.clock;
  clock.measure(doc.start_time, inProgress ? undefined : doc.end_time);

  const resource = resourceOf(xrayName, sql, aws, http);
  let name: string;
  let type: string;
  if (origin !== undefined) {
    name = spanNameOf(origin);
    type = ORIGIN_TYPES.get(origin) ?? (origin.startsWith('AWS::') ? 'http' : 'custom');
  } else if (sql !== undefined) {
    name = 'sql.query';
    type = 'sql';
  } else if (namespace === 'aws') {
    name = 'aws.request';
    type = xrayName === 'DynamoDB' ? 'db' : 'http';
  } else if (segment) {
    name = 'xray.segment';
    type = http?.request ? 'web' : 'custom';
  } else if (namespace === 'remote' && http !== undefined) {
    name = 'http.request';
    type = 'http';
  } else {
    name = 'xray.subsegment';
    type = 'custom';
  }
  return {
    trace_id: traceId,
    span_id: spanId,
    parent_id: parentId,
    name,
    service: trace.service,
    resource,
    type,
    start: clock.start,
    duration: clock.duration,
    error,
    meta: meta.take(),
    metrics: metrics.take(),
  };
}

/**
 * Span types of the origins X-Ray writes; other AWS origins are calls over HTTP. A Map: only its
 * own keys are found (an origin such as "constructor" is not), and the lookup is quicker.
 */
const ORIGIN_TYPES: ReadonlyMap<string, string> = new Map([
  ['AWS::Lambda', 'serverless'],
  ['AWS::Lambda::Function', 'serverless'],
  ['AWS::StepFunctions::StateMachine', 'serverless'],
  ['AWS::ApiGateway::Stage', 'web'],
  ['AWS::ElasticLoadBalancingV2::LoadBalancer', 'web'],
  ['AWS::EC2::Instance', 'web'],
  ['AWS::ECS::Container', 'web'],
  ['AWS::EKS::Container', 'web'],
  ['AWS::ElasticBeanstalk::Environment', 'web'],
  ['AWS::AppSync::GraphQLAPI', 'graphql'],
  ['AWS::DynamoDB::Table', 'db'],
  ['AWS::RDS::DBInstance', 'sql'],
  ['AWS::SQS::Queue', 'queue'],
  ['AWS::SNS::Topic', 'queue'],
  ['AWS::Events::EventBus', 'queue'],
  ['AWS::Kinesis::Stream', 'queue'],
]);

/**
 * Span names that must not follow the generic rule: the Lambda service's segment would become
 * `aws.lambda`, the name of the runtime's own span in the same trace.
 */
const ORIGIN_NAMES: Readonly<Record<string, string>> = {
  'AWS::Lambda': 'aws.lambda.service',
};

/** `AWS::Lambda::Function` -> `aws.lambda.function`; `AWS::Lambda` -> `aws.lambda.service`. */
export function originSpanName(origin: string): string {
  const named = Object.hasOwn(ORIGIN_NAMES, origin) ? ORIGIN_NAMES[origin] : undefined;
  if (named !== undefined) return named;
  const slug = origin
    .split('::')
    .map((part) =>
      part
        .trim()
        .toLowerCase()
        .replace(/[^a-z0-9_]+/g, '_'),
    )
    .filter((part) => part.length > 0)
    .join('.');
  return slug.length > 0 ? slug : 'xray.segment';
}

/** {@link originSpanName} of the origins X-Ray writes, worked out once. */
const KNOWN_SPAN_NAMES: ReadonlyMap<string, string> = new Map(
  [...ORIGIN_TYPES.keys()].map((origin) => [origin, originSpanName(origin)]),
);

function spanNameOf(origin: string): string {
  return KNOWN_SPAN_NAMES.get(origin) ?? originSpanName(origin);
}

function resourceOf(
  name: string,
  sql: Sql | undefined,
  aws: Record<string, unknown> | undefined,
  http: Http | undefined,
): string {
  if (sql !== undefined) return sql.sanitized_query ?? name;
  const operation = stringField(aws, 'operation');
  if (operation !== undefined) {
    const target = awsTarget(aws ?? {});
    return target !== undefined ? `${operation} ${target}` : operation;
  }
  const request = http?.request;
  if (request?.method !== undefined) {
    const path = request.url !== undefined ? urlPath(request.url) : undefined;
    return path !== undefined ? `${request.method.toUpperCase()} ${path}` : request.method.toUpperCase();
  }
  return name;
}

/** The thing an AWS call acted on: a table, bucket, function, queue or topic. */
function awsTarget(aws: Record<string, unknown>): string | undefined {
  const direct =
    stringField(aws, 'table_name') ?? stringField(aws, 'bucket_name') ?? stringField(aws, 'function_name');
  if (direct !== undefined) return direct;
  const queueUrl = stringField(aws, 'queue_url');
  if (queueUrl !== undefined) return queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
  const topicArn = stringField(aws, 'topic_arn');
  if (topicArn !== undefined) return topicArn.slice(topicArn.lastIndexOf(':') + 1);
  const names = aws.resource_names;
  if (Array.isArray(names) && typeof names[0] === 'string') return names[0];
  return undefined;
}

function urlPath(url: string): string | undefined {
  const plain = plainUrlPath(url);
  if (plain !== undefined) return plain;
  try {
    return new URL(url).pathname;
  } catch {
    return url.startsWith('/') ? url.split('?')[0] : undefined;
  }
}

/**
 * The path of an `http(s)://host[:port]/path[?…][#…]` URL read in place, for URLs the WHATWG URL
 * parser would leave as they are (then `new URL(url).pathname` is that text): a host of
 * lowercase letters, digits and dashes in dot-separated labels, the last starting with a letter
 * (not an IPv4 address), none `xn--` (punycode); a port of 1 to 4 digits; a path of characters the
 * parser never escapes, with no dot segments. Anything else is undefined, and goes to `URL`.
 * test/merge/url-path.test.ts compares the two.
 */
function plainUrlPath(url: string): string | undefined {
  let i = url.startsWith('https://') ? 8 : url.startsWith('http://') ? 7 : -1;
  if (i < 0) return undefined;
  let label = i;
  for (; i < url.length; i += 1) {
    const code = url.charCodeAt(i);
    if (code === 0x2e) {
      if (i === label) return undefined;
      label = i + 1;
    } else if (!isHostCode(code)) break;
  }
  const first = url.charCodeAt(label);
  if (i === label || !(first >= 0x61 && first <= 0x7a) || url.includes('xn--')) return undefined;
  if (url.charCodeAt(i) === 0x3a) {
    const port = i + 1;
    for (i = port; i < url.length && isDigitCode(url.charCodeAt(i)); i += 1);
    if (i === port || i - port > 4) return undefined;
  }
  if (i === url.length || url.charCodeAt(i) === 0x3f || url.charCodeAt(i) === 0x23) return '/';
  if (url.charCodeAt(i) !== 0x2f) return undefined;
  const start = i;
  for (; i < url.length; i += 1) {
    const code = url.charCodeAt(i);
    if (code === 0x3f || code === 0x23) break;
    if (!isPlainPathCode(code)) return undefined;
  }
  const path = url.slice(start, i);
  return path.includes('/.') ? undefined : path;
}

function isDigitCode(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** `[a-z0-9-]` */
function isHostCode(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || isDigitCode(code) || code === 0x2d;
}

/** `[A-Za-z0-9-._~!$&'()*+,;=:@/]`: what a URL path keeps as it is. */
function isPlainPathCode(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x40 && code <= 0x5a) || // @ A-Z
    (code >= 0x26 && code <= 0x3b) || // & ' ( ) * + , - . / 0-9 : ;
    code === 0x21 || // !
    code === 0x24 || // $
    code === 0x3d || // =
    code === 0x5f || // _
    code === 0x7e // ~
  );
}

type Http = NonNullable<SegmentDocument['http']>;
type Sql = NonNullable<SegmentDocument['sql']>;

function tagHttp(http: Http, meta: Tags<OwnMeta, string>): void {
  const request = http.request;
  const response = http.response;
  if (request?.method !== undefined) meta.setOwn(META['http.method'], request.method.toUpperCase());
  if (request?.url !== undefined) meta.setOwn(META['http.url'], request.url);
  if (request?.user_agent !== undefined) meta.setOwn(META['http.useragent'], request.user_agent);
  if (request?.client_ip !== undefined) meta.setOwn(META['http.client_ip'], request.client_ip);
  if (response?.status !== undefined) meta.setOwn(META['http.status_code'], String(response.status));
}

/**
 * `aws.<key>` for the keys X-Ray SDKs and AWS services write under `aws`, made once: a tag name
 * made by concatenation is a new string each time, which the record then has to look up again.
 */
const AWS_TAG_NAMES: ReadonlyMap<string, string> = new Map(
  [
    'account_id',
    'api_gateway',
    'bucket_name',
    'cloudwatch_logs',
    'consistent_read',
    'ec2',
    'ecs',
    'eks',
    'elastic_beanstalk',
    'function_arn',
    'function_name',
    'key',
    'operation',
    'queue_url',
    'region',
    'request_id',
    'resource_names',
    'retries',
    'table_name',
    'topic_arn',
    'xray',
  ].map((key) => [key, `aws.${key}`]),
);

/**
 * Every scalar under `aws` as `aws.<key>` (objects one level down), plus Datadog's usual names:
 * `region`, `tablename`, `bucketname`, `functionname`, `queuename` (the queue URL's last part) and
 * `topicname` (the topic ARN's last part), from non-empty strings.
 */
function tagAws(
  doc: SegmentDocument,
  aws: Record<string, unknown>,
  meta: Tags<OwnMeta, string>,
  metrics: Tags<OwnMetric, number>,
): void {
  const keys = Object.keys(aws);
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i] as string;
    const value = aws[key];
    const name = AWS_TAG_NAMES.get(key) ?? `aws.${key}`;
    if (typeof value === 'string') {
      meta.setOther(name, value);
      if (value.length > 0) {
        switch (key) {
          case 'region':
            meta.setOwn(META['region'], value);
            break;
          case 'table_name':
            meta.setOwn(META['tablename'], value);
            break;
          case 'bucket_name':
            meta.setOwn(META['bucketname'], value);
            break;
          case 'function_name':
            meta.setOwn(META['functionname'], value);
            break;
          case 'queue_url':
            meta.setOwn(META['queuename'], value.slice(value.lastIndexOf('/') + 1));
            break;
          case 'topic_arn':
            meta.setOwn(META['topicname'], value.slice(value.lastIndexOf(':') + 1));
            break;
        }
      }
    } else tagAwsValue(name, value, 2, meta, metrics);
  }
  if (doc.namespace === 'aws') meta.setOwn(META['aws_service'], doc.name);
  if (
    (doc.origin === 'AWS::Lambda::Function' || doc.origin === 'AWS::Lambda') &&
    !meta.hasOwn(META.functionname)
  )
    meta.setOwn(META['functionname'], doc.name);
}

/** One value under `aws` at `name`; objects are followed down to `aws.<key>.<key>`. */
function tagAwsValue(
  name: string,
  value: unknown,
  depth: number,
  meta: Tags<OwnMeta, string>,
  metrics: Tags<OwnMetric, number>,
): void {
  if (typeof value === 'string') meta.setOther(name, value);
  else if (typeof value === 'boolean') meta.setOther(name, String(value));
  else if (typeof value === 'number') {
    if (Number.isFinite(value)) metrics.setOther(name, value);
  } else if (Array.isArray(value)) {
    if (allStrings(value)) meta.setOther(name, value.join(','));
  } else if (depth <= 2 && typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    for (let i = 0; i < keys.length; i += 1) {
      const key = keys[i] as string;
      tagAwsValue(`${name}.${key}`, record[key], depth + 1, meta, metrics);
    }
  }
}

function allStrings(values: readonly unknown[]): boolean {
  for (let i = 0; i < values.length; i += 1) if (typeof values[i] !== 'string') return false;
  return true;
}

function tagSql(sql: Sql, meta: Tags<OwnMeta, string>): void {
  if (sql.sanitized_query !== undefined) meta.setOwn(META['sql.query'], sql.sanitized_query);
  if (sql.database_type !== undefined) meta.setOwn(META['db.system'], sql.database_type.toLowerCase());
  if (sql.url !== undefined) meta.setOwn(META['db.url'], sql.url);
  if (sql.user !== undefined) meta.setOwn(META['db.user'], sql.user);
  if (sql.database_version !== undefined) meta.setOwn(META['db.version'], sql.database_version);
  if (sql.driver_version !== undefined) meta.setOwn(META['db.driver_version'], sql.driver_version);
  if (sql.preparation !== undefined) meta.setOwn(META['db.preparation'], sql.preparation);
}

function tagError(doc: SegmentDocument, conversion: Conversion, meta: Tags<OwnMeta, string>): 0 | 1 {
  const { cause, fault, error, throttle } = doc;
  if (fault !== true && error !== true && throttle !== true && cause === undefined) return 0;
  const flag =
    fault === true ? 'fault' : throttle === true ? 'throttle' : error === true ? 'error' : undefined;
  if (fault === true) meta.setOwn(META['xray.fault'], 'true');
  if (error === true) meta.setOwn(META['xray.error'], 'true');
  if (throttle === true) meta.setOwn(META['xray.throttle'], 'true');
  let exception: XRayException | undefined;
  if (typeof cause === 'string') {
    meta.setOwn(META['xray.cause_id'], cause);
    exception = exceptionsOf(conversion).get(cause);
  } else {
    exception = cause?.exceptions?.[0];
  }

  const status = doc.http?.response?.status;
  const fallback = `X-Ray ${flag ?? 'error'}${status !== undefined ? ` (HTTP ${status})` : ''}`;
  const message = exception?.message ?? fallback;
  const type = exception?.type ?? `xray.${flag ?? 'error'}`;
  meta.setOwn(META['error.message'], message);
  meta.setOwn(META['error.type'], type);
  const frames = exception?.stack ?? [];
  if (frames.length > 0) {
    const lines = frames.map((frame) => {
      const where = `${frame.path ?? '<unknown>'}${frame.line !== undefined ? `:${frame.line}` : ''}`;
      return frame.label !== undefined ? `    at ${frame.label} (${where})` : `    at ${where}`;
    });
    meta.setOwn(META['error.stack'], [`${type}: ${message}`, ...lines].join('\n'));
  }
  return 1;
}

/** Exceptions by id across all documents of the call, for causes that refer to one by id. */
function exceptionsOf(conversion: Conversion): Map<string, XRayException> {
  if (conversion.exceptions !== undefined) return conversion.exceptions;
  const index = new Map<string, XRayException>();
  const visit = (doc: SegmentDocument) => {
    if (typeof doc.cause === 'object') {
      for (const exception of doc.cause.exceptions ?? []) {
        if (exception.id !== undefined && !index.has(exception.id)) index.set(exception.id, exception);
      }
    }
    for (const child of doc.subsegments) visit(child);
  };
  for (const doc of conversion.documents) visit(doc);
  conversion.exceptions = index;
  return index;
}

interface ServiceEntry {
  readonly service?: string;
  readonly parentId?: string;
}

/** For every segment and subsegment id of the call: the service of its segment, or where to look for it. */
function servicesOf(conversion: Conversion): Map<string, ServiceEntry> {
  if (conversion.services !== undefined) return conversion.services;
  const index = new Map<string, ServiceEntry>();
  for (const doc of conversion.documents) {
    if (doc.type === 'subsegment') {
      index.set(`${doc.trace_id}/${doc.id}`, { parentId: doc.parent_id });
      continue;
    }
    const entry: ServiceEntry = { service: doc.name };
    const visit = (node: SegmentDocument) => {
      index.set(`${doc.trace_id}/${node.id}`, entry);
      for (const child of node.subsegments) visit(child);
    };
    visit(doc);
  }
  conversion.services = index;
  return index;
}

/** A standalone subsegment belongs to the service of the segment it hangs under, if the trace has it. */
function serviceOfStandalone(doc: SegmentDocument, services: ReadonlyMap<string, ServiceEntry>): string {
  let parentId = doc.parent_id;
  for (let hops = 0; parentId !== undefined && hops < 64; hops += 1) {
    const entry = services.get(`${doc.trace_id}/${parentId}`);
    if (entry === undefined) break;
    if (entry.service !== undefined) return entry.service;
    parentId = entry.parentId;
  }
  return doc.name;
}

function stringField(record: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = record?.[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
