/**
 * One span's tags while it is built: the converter's own keys in fixed slots, every other key
 * (annotations, `aws.*`, `metadata.*`) in a side list, and the record read out in code-unit key
 * order, as the NDJSON output shows it. Each namespace mapper (http, aws, sql, cause) writes here.
 */

import { ORIGIN_TAG } from '../span.ts';

/**
 * The keys the converter itself writes, each with a fixed slot in {@link Tags}: its index in
 * code-unit order, so the slots are read out in the order the record needs.
 */
export interface TagLayout<K extends string> {
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

export const OWN_META = tagLayout([
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
  'out.host',
  'peer.service',
  '_dd.peer.service.source',
  'region',
  'tablename',
  'bucketname',
  'functionname',
  'queuename',
  'topicname',
  'aws_service',
  'sql.query',
  'db.system',
  'db.name',
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
  'xray.exceptions.others',
  'xray.in_progress',
] as const);
export const OWN_METRICS = tagLayout([
  '_sampling_priority_v1',
  'http.response.content_length',
  'xray.exceptions.count',
] as const);

export type OwnMeta = (typeof OWN_META.keys)[number];
export type OwnMetric = (typeof OWN_METRICS.keys)[number];
/** Slots of the converter's own keys. */
export const META = OWN_META.slot;
export const METRICS = OWN_METRICS.slot;

/**
 * The tags of one span while it is built: the last value written for a key wins, and the record
 * comes out with its keys inserted in code-unit order (as `Array#sort` orders strings), which the
 * NDJSON output shows. The converter's own keys have fixed slots, already in that order; only the
 * others (annotations, `aws.*`, `metadata.*`) are sorted, then merged in. This replaces building
 * an object and then a sorted copy of it, which took a tenth of the conversion time.
 */
export class Tags<K extends string, V> {
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

  getOwn(slot: number): V | undefined {
    return this.own[slot];
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

/** One span's meta while it is built. */
export type MetaTags = Tags<OwnMeta, string>;
/** One span's metrics while it is built. */
export type MetricTags = Tags<OwnMetric, number>;

/** An annotation: strings and booleans are meta, finite numbers metrics. */
export function putTag(meta: MetaTags, metrics: MetricTags, key: string, value: unknown): void {
  if (typeof value === 'string') meta.set(key, value);
  else if (typeof value === 'boolean') meta.set(key, String(value));
  else if (typeof value === 'number' && Number.isFinite(value)) metrics.set(key, value);
}
