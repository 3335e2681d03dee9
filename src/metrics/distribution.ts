/**
 * Custom distribution metrics, datadog-lambda-js's `sendDistributionMetric` and
 * `sendDistributionMetricWithDate`: sent as DogStatsD over UDP to the Datadog Lambda extension on
 * 127.0.0.1:8125 when it is installed (`/opt/extensions/datadog-agent`, as datadog-lambda-js checks).
 * Without the extension nothing is sent and one warning says so (datadog-lambda-js would then call
 * the Datadog API with an API key; this package does not). A metric older than four hours is dropped
 * with a warning, as the extension would reject it. Never throws.
 *
 * @example
 * import { sendDistributionMetric } from 'xray-dd-merge';
 * sendDistributionMetric('orders.placed', 1, 'team:checkout');
 */

import type dgram from 'node:dgram';
import { describeError, log } from '../log.ts';
import { distributionLine } from './dogstatsd.ts';

export const EXTENSION_PATH = '/opt/extensions/datadog-agent';
const FOUR_HOURS_MS = 4 * 60 * 60 * 1000;

export interface MetricsTarget {
  /** Whether the Datadog extension is there to receive the metrics. */
  readonly extensionPresent: boolean;
  readonly host: string;
  readonly port: number;
}

let defaultTarget: MetricsTarget | undefined;
function targetOfProcess(): MetricsTarget {
  defaultTarget ??= {
    extensionPresent: process.getBuiltinModule('node:fs').existsSync(EXTENSION_PATH),
    host: '127.0.0.1',
    port: 8125,
  };
  return defaultTarget;
}

let socket: dgram.Socket | undefined;
function socketOf(): dgram.Socket {
  if (socket === undefined) {
    // Loaded on the first metric: nothing of it on the cold-start path.
    socket = process.getBuiltinModule('node:dgram').createSocket('udp4');
    // A metric in flight must not keep the process (or the Lambda invocation's event loop) alive.
    socket.unref();
    socket.on('error', (error) => log.debug(`a metric was not sent: ${describeError(error)}`));
  }
  return socket;
}

/** Sends one distribution point to `target`; returns whether it was handed to the socket. */
export function sendDistribution(
  target: MetricsTarget,
  name: string,
  value: number,
  time: Date | undefined,
  tags: readonly string[],
): boolean {
  try {
    if (!target.extensionPresent) {
      log.once(
        'warn',
        'metrics:no-extension',
        `sendDistributionMetric: the Datadog extension (${EXTENSION_PATH}) is not installed; custom metrics are not sent`,
      );
      return false;
    }
    if (typeof name !== 'string' || name.length === 0 || typeof value !== 'number' || !Number.isFinite(value))
      return false;
    if (time !== undefined && time.getTime() < Date.now() - FOUR_HOURS_MS) {
      log.warn(`sendDistributionMetric: ${name} at ${time.toISOString()} is older than 4 hours; not sent`);
      return false;
    }
    const line = distributionLine(
      name,
      value,
      tags.filter((t) => typeof t === 'string'),
      time === undefined ? undefined : time.getTime() / 1000,
    );
    socketOf().send(line, target.port, target.host, (error) => {
      if (error) log.debug(`a metric was not sent: ${describeError(error)}`);
    });
    return true;
  } catch (error) {
    log.debug(`a metric was not sent: ${describeError(error)}`);
    return false;
  }
}

/** A distribution point now (datadog-lambda-js's signature: tags as `key:value` strings). */
export function sendDistributionMetric(name: string, value: number, ...tags: string[]): void {
  sendDistribution(targetOfProcess(), name, value, new Date(), tags);
}

/** A distribution point at `metricTime` (at most 4 hours ago). */
export function sendDistributionMetricWithDate(
  name: string,
  value: number,
  metricTime: Date,
  ...tags: string[]
): void {
  sendDistribution(
    targetOfProcess(),
    name,
    value,
    metricTime instanceof Date ? metricTime : new Date(),
    tags,
  );
}
