/**
 * The IAM actions the merger needs to read X-Ray, per way of reading it. Pure data, so the
 * construct, the template and the tests share one list.
 *
 * None of these actions has a resource type in the Service Authorization Reference, so they are
 * granted on `*` (the construct says so in its cdk-nag suppression). Writing is never granted.
 */

/** How the merger reads traces. Issue 20 (Transaction Search) adds `'transaction-search'` here. */
export type MergerReadPath = 'trace-api';

/**
 * The X-Ray actions for Transaction Search (issue 20), named here so the union below is the one place
 * to change: `xray:StartTraceRetrieval`, `xray:ListRetrievedTraces`, `xray:GetTraceSegmentDestination`.
 * Not granted by any read path yet.
 */
export type TransactionSearchAction =
  | 'xray:StartTraceRetrieval'
  | 'xray:ListRetrievedTraces'
  | 'xray:GetTraceSegmentDestination';

export type MergerXRayAction = 'xray:GetTraceSummaries' | 'xray:BatchGetTraces' | TransactionSearchAction;

export const MERGER_READ_ACTIONS: Readonly<Record<MergerReadPath, readonly MergerXRayAction[]>> = {
  'trace-api': ['xray:GetTraceSummaries', 'xray:BatchGetTraces'],
};

/** Only when X-Ray encrypts with a customer-managed key, and only on that key. */
export const MERGER_KMS_ACTIONS = ['kms:Decrypt'] as const;
