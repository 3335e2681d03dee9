/**
 * The package's one logger. Lines go to the console (CloudWatch in Lambda), prefixed so they are
 * easy to find, and are filtered by `DD_LOG_LEVEL`. `once` keeps a repeated fault to one line.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'off';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, off: 100 };
const PREFIX = '[xray-dd-merge]';

let threshold = RANK.warn;
const said = new Set<string>();
const MAX_ONCE_KEYS = 256;

export function setLogLevel(level: LogLevel): void {
  threshold = RANK[level];
}

export function logEnabled(level: LogLevel): boolean {
  return RANK[level] >= threshold;
}

function write(level: Exclude<LogLevel, 'off'>, message: string): void {
  if (!logEnabled(level)) return;
  const line = `${PREFIX} ${level.toUpperCase()} ${message}`;
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}

export const log = {
  debug: (message: string) => write('debug', message),
  info: (message: string) => write('info', message),
  warn: (message: string) => write('warn', message),
  error: (message: string) => write('error', message),
  /**
   * Logs a message at most once per process for a given key. Keys can carry input (an error's
   * message), so only the first MAX_ONCE_KEYS are remembered; past that, `once` stays silent.
   */
  once(level: Exclude<LogLevel, 'off'>, key: string, message: string): void {
    if (said.has(key) || said.size >= MAX_ONCE_KEYS) return;
    said.add(key);
    write(level, message);
  },
};

/** A short, safe description of a thrown value for a log line. */
export function describeError(error: unknown): string {
  // Reading a thrown value can throw too (getters, Proxies); a description must not.
  try {
    if (error instanceof Error) return `${error.name}: ${error.message}`;
    return String(error);
  } catch {
    return typeof error;
  }
}
