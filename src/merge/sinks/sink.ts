/**
 * Where merged traces go. A sink takes whole traces one at a time, so a long pull streams through
 * it, and `close` flushes what it holds.
 */

import type { DatadogSpan } from '../span.ts';

export interface TraceSink {
  write(trace: readonly DatadogSpan[]): Promise<void>;
  /** Flushes and finishes; the sink takes no more traces. */
  close(): Promise<void>;
}
