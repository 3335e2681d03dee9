/**
 * Where an account's spans go, asked once per run: `GetTraceSegmentDestination` says `XRay` (the
 * classic store: `GetTraceSummaries` + `BatchGetTraces` see every sampled trace) or
 * `CloudWatchLogs` (Transaction Search: spans land in the `aws/spans` log group and X-Ray indexes
 * only the share `GetIndexingRules` sets, 1% by default, so the classic calls see only that
 * share). Each finding is one line for the user; a missing IAM permission is one warning naming
 * the action, and the run goes on with what is known (the classic path when the destination is
 * unknown).
 *
 * @example
 * const account = await checkAccount(createTransactionSearchApi());
 * for (const line of account.notices) process.stderr.write(`pull: ${line}\n`);
 */

import type { Retrying } from './retry.ts';
import type { TransactionSearchApi } from './transaction-search-client.ts';
import { isAccessDenied, isRetryable } from './xray-sdk.ts';

export interface AccountCheck {
  /** `unknown` when the call was not allowed or failed. */
  readonly destination: 'XRay' | 'CloudWatchLogs' | 'unknown';
  /** The default indexing rule's desired percentage, when known. */
  readonly indexedPercent?: number;
  /** `PENDING` while a change of destination takes effect. */
  readonly status?: string;
  /** Lines for the user, in order (no command prefix). */
  readonly notices: string[];
  /** IAM actions the run was not allowed to call. */
  readonly denied: string[];
}

/** @param retrying waits out throttling of the two calls (none by default) */
export async function checkAccount(
  api: TransactionSearchApi,
  retrying: Retrying = (call) => call(),
): Promise<AccountCheck> {
  const notices: string[] = [];
  const denied: string[] = [];
  let destination: AccountCheck['destination'];
  let status: string | undefined;
  try {
    const result = await retrying(() => api.getTraceSegmentDestination());
    destination =
      result.Destination === 'CloudWatchLogs'
        ? 'CloudWatchLogs'
        : result.Destination === 'XRay'
          ? 'XRay'
          : 'unknown';
    status = result.Status;
  } catch (error) {
    if (!isAccessDenied(error) && !isRetryable(error)) throw error;
    if (isAccessDenied(error)) denied.push('xray:GetTraceSegmentDestination');
    notices.push(
      isAccessDenied(error)
        ? 'warning: not allowed to call xray:GetTraceSegmentDestination, so whether this account uses ' +
            'Transaction Search is unknown; pulling with GetTraceSummaries and BatchGetTraces, which see ' +
            'only indexed traces if it does (allow xray:GetTraceSegmentDestination to check)'
        : `warning: GetTraceSegmentDestination failed (${describe(error)}); pulling with GetTraceSummaries and BatchGetTraces`,
    );
    return { destination: 'unknown', notices, denied };
  }
  if (destination !== 'CloudWatchLogs') {
    return { destination, ...(status !== undefined ? { status } : {}), notices, denied };
  }

  let indexedPercent: number | undefined;
  try {
    const { IndexingRules } = await retrying(() => api.getIndexingRules());
    const rule = IndexingRules.find((r) => r.Name === 'Default') ?? IndexingRules[0];
    indexedPercent = rule?.DesiredSamplingPercentage;
  } catch (error) {
    if (!isAccessDenied(error) && !isRetryable(error)) throw error;
    if (isAccessDenied(error)) {
      denied.push('xray:GetIndexingRules');
      notices.push('warning: not allowed to call xray:GetIndexingRules, so the indexed share is unknown');
    }
  }
  const share = indexedPercent !== undefined ? `${formatPercent(indexedPercent)}%` : 'an unknown share';
  notices.push(
    `this account sends spans to CloudWatch Logs (Transaction Search${status === 'PENDING' ? ', change pending' : ''}); ` +
      `X-Ray indexes ${share} of them, and only those are seen by GetTraceSummaries and BatchGetTraces`,
  );
  return {
    destination,
    ...(indexedPercent !== undefined ? { indexedPercent } : {}),
    ...(status !== undefined ? { status } : {}),
    notices,
    denied,
  };
}

function formatPercent(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000);
}

function describe(error: unknown): string {
  const e = error as { name?: string; message?: string } | null;
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`;
}
