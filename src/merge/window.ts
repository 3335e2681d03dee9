/**
 * Time windows for pulling: durations like `15m`, splitting a window into pieces of at most six
 * hours (the longest `GetTraceSummaries` accepts), and the window a scheduled run owns.
 *
 * @example
 * parseDuration('15m');                                  // 900000 (ms)
 * splitWindow({ start: t, end: t + 13 * HOUR_MS });      // three windows: 6 h, 6 h, 1 h
 */

export interface TimeWindow {
  /** Epoch milliseconds, inclusive. */
  readonly start: number;
  /** Epoch milliseconds. */
  readonly end: number;
}

export const HOUR_MS = 3_600_000;
export const MAX_WINDOW_MS = 6 * HOUR_MS;

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: HOUR_MS, d: 24 * HOUR_MS };

/** `250ms`, `30s`, `15m`, `6h`, `2d` -> milliseconds; undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/i.exec(text);
  if (!match) return undefined;
  const ms = Number(match[1]) * (UNITS[(match[2] as string).toLowerCase()] as number);
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : undefined;
}

/** An ISO 8601 date or epoch seconds -> epoch milliseconds; undefined when unreadable. */
export function parseInstant(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Consecutive windows covering `window`, none longer than `maxMs`. */
export function splitWindow(window: TimeWindow, maxMs: number = MAX_WINDOW_MS): TimeWindow[] {
  const pieces: TimeWindow[] = [];
  for (let start = window.start; start < window.end; start += maxMs) {
    pieces.push({ start, end: Math.min(start + maxMs, window.end) });
  }
  return pieces;
}

/**
 * The window a scheduled run pulls: the `intervalMs`-long slot that ended at the last interval
 * boundary at or before `time - delayMs`. Boundaries are aligned to the epoch, so every run with
 * the same schedule tick computes the same window, runs for different ticks get adjacent windows
 * that never overlap, and a retried run repeats its own window (the conversion is deterministic,
 * so a repeat sends identical spans).
 */
export function scheduledWindow(time: number, intervalMs: number, delayMs: number): TimeWindow {
  const end = Math.floor((time - delayMs) / intervalMs) * intervalMs;
  return { start: end - intervalMs, end };
}
