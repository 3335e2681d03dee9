// The wrapper never loads aws-xray-sdk-core (about 23 ms of cold start) when the function does not.
// Each check runs in a fresh child process that records every module it resolves (ESM and CJS,
// through module.registerHooks) and lists require.cache after wrapping and invoking.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { AgentStandIn } from '../helpers/agent.ts';
import { type DaemonStandIn, startDaemon } from '../helpers/daemon.ts';
import { lambdaProcess } from '../helpers/lambda-env.ts';

const SDK = /[\\/]node_modules[\\/]aws-xray-sdk-core[\\/]/;
const index = new URL('../../src/index.ts', import.meta.url).href;

let agent: AgentStandIn;
let daemon: DaemonStandIn;

before(async () => {
  daemon = await startDaemon();
  // The child inherits this Lambda-like environment: real dd-trace, loopback agent and daemon.
  agent = await lambdaProcess({
    DD_MERGE_XRAY_TRACES: 'true',
    AWS_XRAY_DAEMON_ADDRESS: daemon.address,
    LAMBDA_TASK_ROOT: process.cwd(),
  });
});
after(async () => {
  await agent.close();
  await daemon.close();
});

interface ChildReport {
  results: unknown[];
  resolved: string[];
  cached: string[];
}

/** Wraps a handler whose body is `body` in a fresh process, invokes it twice, reports what loaded. */
function runChild(body: string): Promise<ChildReport> {
  const script = `
    import { createRequire, registerHooks } from 'node:module';
    const resolved = new Set();
    registerHooks({
      resolve(specifier, context, next) {
        const result = next(specifier, context);
        resolved.add(result.url);
        return result;
      },
    });
    const require = createRequire(import.meta.url);
    const { withXRayMerge } = await import(${JSON.stringify(index)});
    const handler = withXRayMerge(async (event, context) => { ${body} });
    const header = 'Root=1-5e272390-8c398be037738dc042009320;Parent=94ae789b969f1cc5;Sampled=1';
    const context = { functionName: 'fn', awsRequestId: 'r', xRayTraceId: header, getRemainingTimeInMillis: () => 30000 };
    const results = [];
    // An X-Ray parent, then an API Gateway request carrying a Datadog context (the metadata path).
    results.push(await handler({}, context));
    results.push(await handler({
      resource: '/r', path: '/r', httpMethod: 'GET',
      headers: { 'x-datadog-trace-id': '123', 'x-datadog-parent-id': '456', 'x-datadog-sampling-priority': '1' },
      requestContext: { accountId: '123456789012', apiId: 'a', stage: 'prod', httpMethod: 'GET', path: '/prod/r' },
    }, context));
    const report = JSON.stringify({ results, resolved: [...resolved], cached: Object.keys(require.cache) });
    process.stdout.write(report, () => process.exit(0));
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`child exited with ${code}: ${out.slice(0, 500)}`));
      else resolve(JSON.parse(out) as ChildReport);
    });
  });
}

describe('aws-xray-sdk-core stays unloaded', () => {
  it('wrapping and invoking loads dd-trace and the wrapper, and never the X-Ray SDK', async () => {
    const report = await runChild(`return 'ok';`);
    assert.deepEqual(report.results, ['ok', 'ok']);
    // The check sees what it should: dd-trace really loaded through these hooks and the cache.
    assert.ok(
      report.cached.some((f) => /[\\/]node_modules[\\/]dd-trace[\\/]/.test(f)),
      'dd-trace is in require.cache',
    );
    assert.ok(
      report.resolved.some((u) => u.endsWith('/src/xray/emitter.ts')),
      'the emitter module loaded',
    );
    assert.deepEqual(
      report.cached.filter((f) => SDK.test(f)),
      [],
    );
    assert.deepEqual(
      report.resolved.filter((u) => SDK.test(u)),
      [],
    );
  });

  it('positive control: a function that requires the SDK is caught by the same check', async () => {
    const report = await runChild(`require('aws-xray-sdk-core'); return 'ok';`);
    assert.deepEqual(report.results, ['ok', 'ok']);
    assert.ok(report.cached.some((f) => SDK.test(f)));
    assert.ok(report.resolved.some((u) => SDK.test(u)));
  });
});
