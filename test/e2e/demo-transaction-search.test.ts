// `npm run demo -- --transaction-search`: the same product run, with the X-Ray API stand-in as an
// account with CloudWatch Transaction Search. The merger finds the X-Ray trace ids in the Datadog
// spans' aws.xray.trace_id tags, retrieves the traces with StartTraceRetrieval, and the merge must
// come out the same as the classic pull's of an X-Ray account.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type DemoResult, runDemo } from '../../scripts/demo/run-demo.ts';

const outDir = mkdtempSync(path.join(os.tmpdir(), 'xddm-demo-ts-'));
const lines: string[] = [];
let result: DemoResult;

before(async () => {
  const major = Number(process.versions.node.split('.')[0]) >= 24 ? 24 : 22;
  result = await runDemo({ outDir, major, transactionSearch: true, say: (line) => lines.push(line) });
});
after(() => rmSync(outDir, { recursive: true, force: true }));

describe('npm run demo -- --transaction-search', () => {
  it('says where the account sends spans and retrieves every trace by the ids in the Datadog spans', () => {
    assert.deepEqual(result.transactionSearch?.notices, [
      'this account sends spans to CloudWatch Logs (Transaction Search); X-Ray indexes 1% of them, and only those are seen by GetTraceSummaries and BatchGetTraces',
    ]);
    // The count of Datadog spans depends on what dd-trace instruments in checkout-web (tcp.connect).
    assert.ok(
      lines.some((line) =>
        /^ {2}3 X-Ray trace ids from the aws\.xray\.trace_id tags of \d+ Datadog spans; retrieving them with StartTraceRetrieval and ListRetrievedTraces$/.test(
          line,
        ),
      ),
      lines.join('\n'),
    );
    assert.deepEqual(result.transactionSearch?.retrievalStatuses, ['COMPLETE']);
    assert.equal(result.pulled.length, 3);
  });

  it('the merge is the same as the classic pull of an X-Ray account', () => {
    assert.equal(result.traces.length, 3);
    assert.deepEqual(result.traces, result.transactionSearch?.classic);
    assert.equal(result.report.orphans.length, 0);
  });
});
