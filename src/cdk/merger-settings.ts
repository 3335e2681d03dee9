/**
 * The merger construct's settings as the `DD_MERGER_*` variables the merger reads
 * (src/merge/merger-config.ts), one to one, checked at synth time. Pure: values that are CDK tokens
 * (CloudFormation parameters) are passed through unchecked, since only deploy time knows them.
 *
 * @example
 * mergerVariables({ intervalMinutes: 5, delaySeconds: 120 }, { owner: 'Stack/Merger', isToken: () => false });
 * // { DD_MERGER_INTERVAL: '5m', DD_MERGER_DELAY: '120s', DD_MERGER_SINK: 'agent', ... }
 */

export interface MergerVariableInput {
  /** `DD_MERGER_INTERVAL`, whole minutes (EventBridge schedules count minutes). */
  readonly intervalMinutes: number | string;
  /** `DD_MERGER_DELAY`, seconds. */
  readonly delaySeconds: number | string;
  /** `DD_MERGER_FILTER_EXPRESSION`. */
  readonly filterExpression?: string;
  /** `DD_MERGER_SINK`. */
  readonly sink?: 'agent' | 'ndjson';
  /** `DD_MERGER_XRAY_ENDPOINT`. */
  readonly xrayEndpoint?: string;
  /** `DD_MERGER_CONCURRENCY`. */
  readonly concurrency?: number | string;
  /** `DD_MERGER_INCLUDE_METADATA`. */
  readonly includeMetadata?: boolean | string;
  /** `DD_XRAY_TRACE_ID_MODE`. */
  readonly traceIdMode?: string;
}

export interface SettingsContext {
  /** The construct path errors name. */
  readonly owner: string;
  /** True for a CDK token (a deploy-time value). */
  readonly isToken: (value: unknown) => boolean;
}

/** X-Ray keeps traces 30 days, but one GetTraceSummaries call spans at most 6 hours. */
export const MAX_INTERVAL_MINUTES = 360;

export function mergerVariables(
  input: MergerVariableInput,
  context: SettingsContext,
): Record<string, string> {
  const { owner, isToken } = context;
  const fail = (variable: string, value: unknown, expected: string): never => {
    throw new Error(`${owner}: ${variable}=${JSON.stringify(value)} is not valid: ${expected}`);
  };
  const integer = (variable: string, value: number | string, min: number, max: number): string => {
    if (isToken(value)) return String(value);
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      fail(variable, value, `a whole number from ${min} to ${max}`);
    return String(n);
  };

  const variables: Record<string, string> = {
    DD_MERGER_INTERVAL: `${integer('DD_MERGER_INTERVAL', input.intervalMinutes, 1, MAX_INTERVAL_MINUTES)}m`,
    DD_MERGER_DELAY: `${integer('DD_MERGER_DELAY', input.delaySeconds, 0, 86_400)}s`,
    DD_MERGER_SINK: input.sink ?? 'agent',
    DD_MERGER_CONCURRENCY: integer('DD_MERGER_CONCURRENCY', input.concurrency ?? 4, 1, 64),
    DD_MERGER_INCLUDE_METADATA: String(input.includeMetadata ?? false),
    DD_XRAY_TRACE_ID_MODE: input.traceIdMode ?? 'compat',
  };
  if (variables.DD_MERGER_SINK !== 'agent' && variables.DD_MERGER_SINK !== 'ndjson') {
    fail('DD_MERGER_SINK', input.sink, 'agent or ndjson');
  }
  const mode = input.traceIdMode;
  if (mode !== undefined && !isToken(mode) && mode !== 'compat' && mode !== 'full128') {
    fail('DD_XRAY_TRACE_ID_MODE', mode, 'compat or full128');
  }
  const metadata = input.includeMetadata;
  if (typeof metadata === 'string' && !isToken(metadata) && metadata !== 'true' && metadata !== 'false') {
    fail('DD_MERGER_INCLUDE_METADATA', metadata, 'true or false');
  }
  if (input.filterExpression !== undefined) variables.DD_MERGER_FILTER_EXPRESSION = input.filterExpression;
  if (input.xrayEndpoint !== undefined) {
    if (!isToken(input.xrayEndpoint) && input.xrayEndpoint !== '' && !isHttpUrl(input.xrayEndpoint)) {
      fail('DD_MERGER_XRAY_ENDPOINT', input.xrayEndpoint, 'an http(s) URL');
    }
    variables.DD_MERGER_XRAY_ENDPOINT = input.xrayEndpoint;
  }
  return variables;
}

/** The EventBridge rate for an interval; EventBridge wants the singular for one. */
export function rateExpression(intervalMinutes: number | string): string {
  return `rate(${intervalMinutes} ${String(intervalMinutes) === '1' ? 'minute' : 'minutes'})`;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
