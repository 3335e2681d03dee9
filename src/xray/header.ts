/**
 * The `X-Amzn-Trace-Id` header: `Root=1-{8 hex}-{24 hex};Parent={16 hex};Sampled={0|1|?}`
 * plus keys seen in the wild (`Lineage`, `Self`, `CalledFrom`).
 *
 * Parsed by key, never by position: a positional parser breaks on `Lineage`. Keys are
 * case-insensitive but exact, the last duplicate wins, hex is lowercased, and parsing never
 * throws. Unknown keys are kept, in order, so the header can be re-emitted.
 *
 * @example
 * const header = parseTraceHeader('Root=1-5e272390-8c398be037738dc042009320;Parent=94ae789b969f1cc5;Sampled=1');
 * header.root;    // '1-5e272390-8c398be037738dc042009320'
 * header.parent;  // '94ae789b969f1cc5'
 */

export type Sampled = '0' | '1' | '?';

export interface TraceHeader {
  /** `1-{8 hex epoch}-{24 hex random}`, lowercase; absent when missing or malformed. */
  readonly root?: string;
  /** 16 lowercase hex, never all zeros; absent when missing or malformed. */
  readonly parent?: string;
  readonly sampled?: Sampled;
  /** Keys this parser does not interpret (Lineage, Self, CalledFrom…), in first-seen order. */
  readonly extra: ReadonlyArray<readonly [key: string, value: string]>;
}

/** A header that can parent a span: it has both a Root and a Parent. */
export interface ParentableTraceHeader extends TraceHeader {
  readonly root: string;
  readonly parent: string;
}

const ROOT = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;
const PARENT = /^[0-9a-f]{16}$/;
const ZERO_PARENT = '0000000000000000';

/** Headers longer than this are not trace headers; they are ignored rather than scanned. */
export const MAX_TRACE_HEADER_LENGTH = 8192;

const EMPTY: TraceHeader = Object.freeze({ extra: Object.freeze([]) });

/**
 * The header exactly as Lambda writes it, checked whole and by key in one match: Root, Parent and
 * Sampled in that order, lowercase, no spaces, and at most a Lineage after them. Any other spelling
 * takes the general path below, which gives the same result for these (a property test holds them
 * to it); this one only does less work for the header every invocation brings.
 */
const CANONICAL =
  /^Root=(1-[0-9a-f]{8}-[0-9a-f]{24});Parent=([0-9a-f]{16});Sampled=([01?])(?:;(Lineage)=([^;\s]*))?$/;

export function parseTraceHeader(input: unknown): TraceHeader {
  if (typeof input !== 'string' || input.length === 0 || input.length > MAX_TRACE_HEADER_LENGTH) return EMPTY;
  const canonical = CANONICAL.exec(input);
  if (canonical !== null) {
    const [, root, parent, sampled, lineageKey, lineage] = canonical;
    const header: { root?: string; parent?: string; sampled?: Sampled; extra: Array<[string, string]> } = {
      extra: lineageKey !== undefined ? [[lineageKey, lineage ?? '']] : [],
      root,
    };
    if (parent !== ZERO_PARENT) header.parent = parent;
    header.sampled = sampled as Sampled;
    return header;
  }
  let rootValue: string | undefined;
  let parentValue: string | undefined;
  let sampledValue: string | undefined;
  // Made only for headers with other keys: most headers are just Root, Parent and Sampled.
  let extra: Map<string, [string, string]> | undefined;
  // One pass over `key=value` parts between semicolons, without splitting the header into an array.
  for (let start = 0; start <= input.length; ) {
    const semicolon = input.indexOf(';', start);
    const end = semicolon === -1 ? input.length : semicolon;
    const eq = input.indexOf('=', start);
    if (eq !== -1 && eq < end) {
      const key = input.slice(start, eq).trim();
      if (key.length > 0) {
        const value = input.slice(eq + 1, end).trim();
        const lowerKey = key.toLowerCase();
        if (lowerKey === 'root') rootValue = value;
        else if (lowerKey === 'parent') parentValue = value;
        else if (lowerKey === 'sampled') sampledValue = value;
        else {
          extra ??= new Map();
          const seen = extra.get(lowerKey);
          if (seen) seen[1] = value;
          else extra.set(lowerKey, [key, value]);
        }
      }
    }
    start = end + 1;
  }
  const root = rootValue?.toLowerCase();
  const parent = parentValue?.toLowerCase();
  const header: {
    root?: string;
    parent?: string;
    sampled?: Sampled;
    extra: ReadonlyArray<readonly [string, string]>;
  } = { extra: extra ? [...extra.values()] : [] };
  if (root !== undefined && ROOT.test(root)) header.root = root;
  if (parent !== undefined && PARENT.test(parent) && parent !== ZERO_PARENT) header.parent = parent;
  if (sampledValue === '0' || sampledValue === '1' || sampledValue === '?') header.sampled = sampledValue;
  return header;
}

export function canParent(header: TraceHeader): header is ParentableTraceHeader {
  return header.root !== undefined && header.parent !== undefined;
}

/** Formats a header in the canonical key order, unknown keys last in their original order. */
export function formatTraceHeader(header: TraceHeader): string {
  const parts: string[] = [];
  if (header.root !== undefined) parts.push(`Root=${header.root}`);
  if (header.parent !== undefined) parts.push(`Parent=${header.parent}`);
  if (header.sampled !== undefined) parts.push(`Sampled=${header.sampled}`);
  for (const [key, value] of header.extra) parts.push(`${key}=${value}`);
  return parts.join(';');
}
