/**
 * The stream path's one AWS call: `PutRecords` to the re-partitioned stream (`@aws-sdk/client-kinesis`,
 * kept in `merge/` with the other SDK clients). Entries Kinesis did not take (`FailedRecordCount`,
 * per-entry `ErrorCode`, e.g. `ProvisionedThroughputExceededException`) are put again, only those,
 * up to `maxAttempts`; then the call fails and the batch that produced them is retried by Lambda.
 * At most 500 entries per call, as the API allows.
 *
 * @example
 * const put = createKinesisPut(new KinesisClient({}), 'spans-by-trace');
 * await put([{ partitionKey: traceId, data: gzipBytes }]);
 */

import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';

export interface KinesisEntry {
  readonly partitionKey: string;
  readonly data: Uint8Array;
}

export type KinesisPut = (entries: readonly KinesisEntry[]) => Promise<void>;

const MAX_ENTRIES = 500;

export function createKinesisPut(
  client: KinesisClient,
  streamName: string,
  options: { readonly maxAttempts?: number; readonly sleep?: (ms: number) => Promise<void> } = {},
): KinesisPut {
  const maxAttempts = options.maxAttempts ?? 5;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return async (entries) => {
    for (let offset = 0; offset < entries.length; offset += MAX_ENTRIES) {
      let pending = entries.slice(offset, offset + MAX_ENTRIES);
      for (let attempt = 1; pending.length > 0; attempt += 1) {
        const reply = await client.send(
          new PutRecordsCommand({
            StreamName: streamName,
            Records: pending.map((entry) => ({ PartitionKey: entry.partitionKey, Data: entry.data })),
          }),
        );
        if (!reply.FailedRecordCount) break;
        const failed = pending.filter((_entry, index) => reply.Records?.[index]?.ErrorCode !== undefined);
        if (attempt >= maxAttempts) {
          const code = reply.Records?.find((record) => record.ErrorCode)?.ErrorCode ?? 'unknown';
          throw new Error(
            `Kinesis did not take ${failed.length} record(s) after ${attempt} attempts (${code})`,
          );
        }
        pending = failed;
        await sleep(50 * 2 ** attempt);
      }
    }
  };
}

export { KinesisClient };
