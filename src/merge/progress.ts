/**
 * Progress of a pull on stderr: a bar redrawn in place when stderr is a terminal, plain lines
 * (one per finished window) when it is a file or a pipe, so logs stay readable.
 *
 * @example
 * const progress = createProgressReporter(process.stderr);
 * await pullIntoSink({ window, onProgress: progress.update }, sink);
 * progress.done();
 */

import type { PullProgress } from './pull.ts';

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface ProgressReporter {
  readonly update: (progress: PullProgress) => void;
  /** Ends the bar's line (terminal) so later output starts clean. */
  done(): void;
}

const BAR_WIDTH = 24;
const REDRAW_MS = 80;

export function createProgressReporter(
  stream: ProgressStream,
  clock: () => number = Date.now,
): ProgressReporter {
  if (stream.isTTY === true) return terminalReporter(stream, clock);
  let windowsDone = -1;
  return {
    update(progress) {
      if (windowsDone < 0) {
        windowsDone = 0;
        stream.write(`pull: ${progress.windowsTotal} window${progress.windowsTotal === 1 ? '' : 's'}\n`);
      }
      if (progress.windowsDone === windowsDone) return;
      windowsDone = progress.windowsDone;
      stream.write(
        `pull: window ${progress.windowsDone}/${progress.windowsTotal} done · ${progress.traces} traces` +
          `${progress.throttled > 0 ? ` · ${progress.throttled} throttled` : ''}\n`,
      );
    },
    done() {},
  };
}

function terminalReporter(stream: ProgressStream, clock: () => number): ProgressReporter {
  let drawn = false;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let lastText = '';
  return {
    update(progress) {
      const now = clock();
      const windowFinished = progress.windowsDone === progress.windowsTotal;
      if (now - lastDraw < REDRAW_MS && !windowFinished) return;
      const fraction = progress.windowsTotal === 0 ? 1 : progress.windowsDone / progress.windowsTotal;
      const filled = Math.round(fraction * BAR_WIDTH);
      const text =
        `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${progress.windowsDone}/${progress.windowsTotal} windows` +
        ` · ${progress.traces} traces${progress.throttled > 0 ? ` · ${progress.throttled} throttled` : ''}`;
      if (text === lastText) return;
      const width = stream.columns ?? 80;
      stream.write(`\r${text.slice(0, Math.max(10, width - 1))}\x1b[K`);
      drawn = true;
      lastDraw = now;
      lastText = text;
    },
    done() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
