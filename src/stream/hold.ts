/**
 * The join at scale: a short hold per trace inside Lambda's tumbling windows.
 *
 * A hybrid trace (issue 15) joins its upstream Datadog trace through its `datadog-metadata` span,
 * and a subscription delivers a trace's spans in different batches, shards and order. The
 * re-partitioning stage (`repartition.ts`) puts every span record on a second Kinesis stream keyed
 * by its trace id, so all spans of a trace reach one shard, in arrival order; the consumer of that
 * stream runs with a tumbling window, and Lambda carries this state (at most 1 MB) from one
 * invocation of a window to the next. No process keeps anything between invocations.
 *
 * Per window, per trace:
 * - once the trace's metadata record is seen, it is kept in the state (a few hundred bytes) and every
 *   span of that trace is released at once, with the metadata as join context;
 * - spans of a trace whose metadata is not seen yet are held in the state until it comes, until the
 *   window ends (then they are released unjoined: a serverless-first trace never has metadata, and
 *   Datadog assembles it by the id mapping alone), or until the held bytes pass `capBytes` (then the
 *   oldest traces are released unjoined first, counted as `releasedEarly`).
 *
 * So a span is joined when its metadata arrives in the same window, before it or within the hold;
 * the window length is the hold time. A span never waits longer than its window, and every span is
 * released exactly once per delivery. Pure.
 *
 * @example
 * const step = holdStep(state, records, { final: event.isFinalInvokeForWindow, capBytes: 768 * 1024 });
 * for (const group of step.release) send(join(convert([...group.context, ...group.send])));
 */

export interface HeldRecord {
  /** The OTel trace id (32 hex), or the record itself when it has none. */
  readonly traceId: string;
  readonly isMetadata: boolean;
  /** The span record, JSON text. */
  readonly text: string;
}

/** The tumbling window's state, as Lambda passes it back (JSON). */
export interface HoldState {
  /** Metadata records seen this window, by trace id. */
  readonly meta: Readonly<Record<string, readonly string[]>>;
  /** Span records waiting for their trace's metadata, by trace id, oldest trace first. */
  readonly held: Readonly<Record<string, readonly string[]>>;
  readonly heldBytes: number;
}

export interface ReleaseGroup {
  readonly traceId: string;
  /** Records to convert and send. */
  readonly send: readonly string[];
  /** Metadata records already sent, converted only so the join sees them. */
  readonly context: readonly string[];
  /** Whether the trace's metadata is in `send` or `context` (the group is joined). */
  readonly joined: boolean;
  /** Why an unjoined group left the hold. */
  readonly reason?: 'window-end' | 'cap';
}

export interface HoldStep {
  readonly state: HoldState;
  readonly release: readonly ReleaseGroup[];
}

export const EMPTY_HOLD: HoldState = Object.freeze({ meta: {}, held: {}, heldBytes: 0 });

export interface HoldOptions {
  /** The last invocation of the window: everything held is released. */
  readonly final: boolean;
  /** Held bytes at most (Lambda's window state is limited to 1 MB). */
  readonly capBytes: number;
}

export function holdStep(previous: unknown, records: readonly HeldRecord[], options: HoldOptions): HoldStep {
  const start = readState(previous);
  const meta = new Map<string, string[]>(Object.entries(start.meta).map(([k, v]) => [k, [...v]]));
  const held = new Map<string, string[]>(Object.entries(start.held).map(([k, v]) => [k, [...v]]));
  let heldBytes = start.heldBytes;

  // This batch, by trace, in arrival order.
  const batch = new Map<string, { spans: string[]; metadata: string[] }>();
  for (const record of records) {
    let entry = batch.get(record.traceId);
    if (entry === undefined) {
      entry = { spans: [], metadata: [] };
      batch.set(record.traceId, entry);
    }
    (record.isMetadata ? entry.metadata : entry.spans).push(record.text);
  }

  const release: ReleaseGroup[] = [];
  for (const [traceId, { spans, metadata }] of batch) {
    const known = meta.get(traceId) ?? [];
    if (known.length === 0 && metadata.length === 0) {
      const list = held.get(traceId) ?? [];
      list.push(...spans);
      held.set(traceId, list);
      for (const text of spans) heldBytes += text.length;
      continue;
    }
    const waiting = held.get(traceId) ?? [];
    for (const text of waiting) heldBytes -= text.length;
    held.delete(traceId);
    release.push({ traceId, send: [...metadata, ...waiting, ...spans], context: known, joined: true });
    if (metadata.length > 0) meta.set(traceId, [...known, ...metadata]);
  }

  if (options.final) {
    for (const [traceId, send] of held)
      release.push({ traceId, send, context: [], joined: false, reason: 'window-end' });
    return { state: EMPTY_HOLD, release };
  }
  // Over the cap: the oldest traces go first (a Map keeps insertion order).
  for (const [traceId, send] of held) {
    if (heldBytes <= options.capBytes) break;
    for (const text of send) heldBytes -= text.length;
    held.delete(traceId);
    release.push({ traceId, send, context: [], joined: false, reason: 'cap' });
  }
  return {
    state: { meta: Object.fromEntries(meta), held: Object.fromEntries(held), heldBytes },
    release,
  };
}

/** The state Lambda handed back; anything unexpected starts empty (never throws). */
function readState(value: unknown): HoldState {
  if (typeof value !== 'object' || value === null) return EMPTY_HOLD;
  const state = value as Partial<Record<keyof HoldState, unknown>>;
  const lists = (record: unknown): Record<string, string[]> => {
    const out: Record<string, string[]> = {};
    if (typeof record !== 'object' || record === null) return out;
    for (const [key, list] of Object.entries(record)) {
      if (Array.isArray(list)) out[key] = list.filter((text): text is string => typeof text === 'string');
    }
    return out;
  };
  const held = lists(state.held);
  let heldBytes = 0;
  for (const list of Object.values(held)) for (const text of list) heldBytes += text.length;
  return { meta: lists(state.meta), held, heldBytes };
}
