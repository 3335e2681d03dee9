// `npm run demo`: the product end to end on loopback stand-ins; writes demo-out/trace.html and prints
// the merged traces as trees. `npm run demo -- --transaction-search`: the X-Ray API plays an account
// with CloudWatch Transaction Search, and the merger retrieves the traces by the ids in the Datadog spans.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { DEMO_INVOCATIONS, formatTree, runDemo } from './demo/run-demo.ts';

const started = performance.now();
const root = path.resolve(import.meta.dirname, '..');
console.log('building the package (dist/)');
execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: root });
const outDir = path.resolve(import.meta.dirname, '..', 'demo-out');
const transactionSearch = process.argv.includes('--transaction-search');
const result = await runDemo({ outDir, say: (line) => console.log(line), transactionSearch });

console.log(
  `\nmerged ${result.xraySegments} X-Ray segments and ${result.datadogSpans} Datadog spans into ${result.traces.length} traces` +
    ` (${DEMO_INVOCATIONS.length} invocations, ${result.datagrams} datagram(s) at the X-Ray daemon)`,
);
for (const trace of result.traces) {
  console.log(`\ntrace ${trace[0]?.trace_id}`);
  for (const line of formatTree(trace)) console.log(`  ${line}`);
}
const { orphans, duplicates, cycles, clockSkew, hybrid } = result.report;
console.log(
  `\njoin report: ${orphans.length} orphans, ${duplicates.length} duplicates, ${cycles.length} cycles, ${clockSkew.length} clock-skew warnings`,
);
for (const invocation of hybrid.invocations) {
  console.log(
    `  X-Ray trace ${invocation.xray_trace_id} joined Datadog trace ${invocation.trace_id} of checkout-web ` +
      `(its datadog-metadata subsegment names span ${invocation.parent_id})`,
  );
}
for (const orphan of orphans) {
  console.log(
    `  orphan: ${orphan.name} (its parent ${orphan.parent_id} is in a service this demo does not run)`,
  );
}
if (result.transactionSearch) {
  const same = JSON.stringify(result.transactionSearch.classic, (_k, v) =>
    typeof v === 'bigint' ? `${v}` : v,
  );
  const merged = JSON.stringify(result.traces, (_k, v) => (typeof v === 'bigint' ? `${v}` : v));
  console.log(
    `\nTransaction Search account: the merge ${same === merged ? 'is the same as' : 'DIFFERS from'} the classic pull's (${result.traces.length} traces)`,
  );
}
console.log(`flame graph: ${path.relative(process.cwd(), result.htmlPath)}  (open it in a browser)`);
console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
