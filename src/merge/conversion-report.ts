/**
 * What a conversion run found besides spans, added up trace by trace: documents read, spans made,
 * documents skipped (the first few listed with their reason, all counted), and wrong fields dropped
 * (counted by field and reason), for the CLI's report on stderr.
 */

import type { ConversionResult } from './convert.ts';
import type { SkippedDocument } from './segment-schema.ts';

export const LISTED_SKIPPED = 20;

export class ConversionReport {
  documents = 0;
  spans = 0;
  skipped = 0;
  readonly skippedSamples: SkippedDocument[] = [];
  /** `field: reason` -> how many times. */
  readonly dropped = new Map<string, number>();

  add(result: ConversionResult): void {
    this.documents += result.documents;
    this.spans += result.spans.length;
    this.skipped += result.skipped.length;
    for (const entry of result.skipped) {
      if (this.skippedSamples.length < LISTED_SKIPPED) this.skippedSamples.push(entry);
    }
    for (const field of result.dropped) {
      const key = `${field.field}: ${field.reason}`;
      this.dropped.set(key, (this.dropped.get(key) ?? 0) + 1);
    }
  }

  /** All dropped fields. */
  droppedCount(): number {
    let count = 0;
    for (const n of this.dropped.values()) count += n;
    return count;
  }

  /** One line per field and reason, most frequent first. */
  droppedLines(): string[] {
    return [...this.dropped]
      .sort(([a, n], [b, m]) => m - n || (a < b ? -1 : 1))
      .map(([key, n]) => `  dropped ${key} (${n} time${n === 1 ? '' : 's'})`);
  }
}
