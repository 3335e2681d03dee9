/**
 * The event and the response as span tags, for `DD_CAPTURE_LAMBDA_PAYLOAD=true` only (off by
 * default: payloads hold private data). Objects are flattened to dotted keys the way Datadog users
 * know them from datadog-lambda-js (`function.request.headers.host`), bounded in depth, tag count
 * and value length so a large event cannot make a huge span. Pure, never throws.
 *
 * @example
 * payloadTags('function.request', { headers: { host: 'example.com' } });
 * // { 'function.request.headers.host': 'example.com' }
 */

export const MAX_DEPTH = 10;
export const MAX_TAGS = 256;
export const MAX_VALUE_LENGTH = 5000;

function truncated(text: string): string {
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH)}…` : text;
}

function leaf(value: unknown): string {
  if (typeof value === 'string') return truncated(value);
  if (typeof value === 'bigint') return value.toString();
  if (value === null) return 'null';
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  try {
    return truncated(String(JSON.stringify(value) ?? value));
  } catch {
    return typeof value;
  }
}

export function payloadTags(prefix: string, value: unknown): Record<string, string> {
  const tags: Record<string, string> = {};
  let count = 0;
  const seen = new Set<object>();
  const visit = (key: string, node: unknown, depth: number): void => {
    if (count >= MAX_TAGS) return;
    const isContainer = typeof node === 'object' && node !== null && !Buffer.isBuffer(node);
    if (!isContainer || depth >= MAX_DEPTH || seen.has(node as object)) {
      tags[key] = isContainer && seen.has(node as object) ? '<cycle>' : leaf(node);
      count += 1;
      return;
    }
    seen.add(node as object);
    try {
      const entries = Array.isArray(node) ? node.entries() : Object.entries(node as object);
      let empty = true;
      for (const [childKey, child] of entries) {
        empty = false;
        visit(`${key}.${childKey}`, child, depth + 1);
        if (count >= MAX_TAGS) break;
      }
      if (empty) {
        tags[key] = Array.isArray(node) ? '[]' : '{}';
        count += 1;
      }
    } catch {
      tags[key] = '<unreadable>';
      count += 1;
    }
    seen.delete(node as object);
  };
  if (value === undefined) return tags;
  visit(prefix, value, 0);
  return tags;
}
