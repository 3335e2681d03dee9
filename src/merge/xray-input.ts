/**
 * Reads X-Ray segment documents from a file's text, in the forms people have at hand:
 * - a `BatchGetTraces` response saved as JSON: `{"Traces":[{"Id","Segments":[{"Id","Document"}]}]}`
 *   (`Document` a JSON string, as the API returns it, or an object);
 * - one trace `{"Id","Segments":[…]}`, a JSON array of documents, or a single document;
 * - NDJSON: one segment document per line (lines may also be any of the forms above).
 * A line that is not JSON is counted, not fatal.
 *
 * @example
 * const { documents } = readSegmentDocuments(fs.readFileSync('traces.json', 'utf8'));
 */

export interface SegmentInput {
  /** Documents as found: JSON strings or parsed values; the segment schema validates them. */
  readonly documents: unknown[];
  /** Lines that were not JSON (NDJSON input only). */
  readonly badLines: number;
}

export function readSegmentDocuments(text: string): SegmentInput {
  const documents: unknown[] = [];
  const whole = tryParse(text);
  if (whole.ok) {
    collect(whole.value, documents);
    return { documents, badLines: 0 };
  }
  let badLines = 0;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.length === 0) continue;
    const parsed = tryParse(trimmed);
    if (parsed.ok) collect(parsed.value, documents);
    else badLines += 1;
  }
  return { documents, badLines };
}

function collect(value: unknown, into: unknown[]): void {
  if (Array.isArray(value)) {
    for (const item of value) collect(item, into);
    return;
  }
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    if (Array.isArray(record.Traces)) {
      for (const trace of record.Traces) collect(trace, into);
      return;
    }
    if (Array.isArray(record.Segments)) {
      for (const segment of record.Segments) {
        const document = (segment as Record<string, unknown> | null)?.Document;
        into.push(document ?? segment);
      }
      return;
    }
  }
  into.push(value);
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}
