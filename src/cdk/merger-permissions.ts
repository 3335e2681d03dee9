/**
 * The IAM actions the merger needs to read X-Ray, per way of reading it. Pure data, so the
 * construct, the template and the tests share one list.
 *
 * None of these actions has a resource type in the Service Authorization Reference, so they are
 * granted on `*` (the construct says so in its cdk-nag suppression). Writing is never granted.
 */

/**
 * How the merger reads traces. The scheduled merger pulls a window (`trace-api`); retrieval by trace id
 * (`StartTraceRetrieval`) needs ids a schedule does not have, so it is the CLI's and the library's.
 */
export type MergerReadPath = 'trace-api';

/**
 * The X-Ray actions of an account with Transaction Search. Every scheduled run asks
 * `GetTraceSegmentDestination` once, and `GetIndexingRules` when spans go to CloudWatch Logs, to
 * say which share of the traces `GetTraceSummaries` sees; without them it warns and pulls anyway.
 */
export type TransactionSearchAction =
  | 'xray:StartTraceRetrieval'
  | 'xray:ListRetrievedTraces'
  | 'xray:GetTraceSegmentDestination'
  | 'xray:GetIndexingRules';

export type MergerXRayAction = 'xray:GetTraceSummaries' | 'xray:BatchGetTraces' | TransactionSearchAction;

export const MERGER_READ_ACTIONS: Readonly<Record<MergerReadPath, readonly MergerXRayAction[]>> = {
  'trace-api': [
    'xray:GetTraceSummaries',
    'xray:BatchGetTraces',
    'xray:GetTraceSegmentDestination',
    'xray:GetIndexingRules',
  ],
};

/** Only when X-Ray encrypts with a customer-managed key, and only on that key. */
export const MERGER_KMS_ACTIONS = ['kms:Decrypt'] as const;
