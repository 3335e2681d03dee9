/**
 * One DogStatsD distribution line, as the Datadog Lambda extension reads it on 127.0.0.1:8125:
 * `name:value|d|#tag:a,tag:b|T{epoch seconds}`. Tag characters outside `[\w\-:/.]` become `_`, as
 * datadog-lambda-js writes them. Pure.
 *
 * @example
 * distributionLine('orders.placed', 1, ['team:checkout'], 1700000000); // 'orders.placed:1|d|#team:checkout|T1700000000'
 */

const TAG_CHARACTERS = /[^\w\-:/.]/gu;

export function distributionLine(
  name: string,
  value: number,
  tags: readonly string[],
  epochSeconds?: number,
): string {
  const tagPart = tags.length > 0 ? `|#${tags.map((t) => t.replace(TAG_CHARACTERS, '_')).join(',')}` : '';
  const timePart = epochSeconds !== undefined ? `|T${Math.floor(epochSeconds)}` : '';
  return `${name}:${value}|d${tagPart}${timePart}`;
}
