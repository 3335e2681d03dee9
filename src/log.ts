/**
 * The package's one logger. Lines go to the console (CloudWatch in Lambda), prefixed so they are
 * easy to find, and are filtered by `DD_LOG_LEVEL`. `once` keeps a repeated fault to one line.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'off';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, off: 100 };
const PREFIX = '[xray-dd-merge]';

let threshold = RANK.warn;
const said = new Set<string>();

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
  /** Logs a message at most once per process for a given key. */
  once(level: Exclude<LogLevel, 'off'>, key: string, message: string): void {
    if (said.has(key)) return;
    said.add(key);
    write(level, message);
  },
};

/** A short, safe description of a thrown value for a log line. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return String(error);
  } catch {
    return typeof error;
  }
}
