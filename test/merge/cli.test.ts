// The CLI as users run it: a real child process (Node's type stripping runs src/cli.ts), with
// its stdout, stderr and exit code; pull and merge talk to loopback stand-ins.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { convertDocuments } from '../../src/merge/convert.ts';
import { readDatadogSpans } from '../../src/merge/datadog-input.ts';
import { formatNdjson } from '../../src/merge/sinks/ndjson.ts';
import { readSegmentDocuments } from '../../src/merge/xray-input.ts';
import { type AgentStandIn, startAgent } from '../helpers/agent.ts';
import { startXRayApi, type XRayApiStandIn } from '../helpers/xray-api.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const node = path.join(root, 'node_modules/node22/bin/node');
const CHECKOUT = path.join(root, 'test/fixtures/segments/checkout-trace.json');
const ORDERS = path.join(root, 'test/fixtures/segments/orders-service.ndjson');
const DD_LOG = path.join(root, 'test/merge/fixtures/dd-trace-log.txt');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, ['src/cli.ts', ...args], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: os.tmpdir(),
        NODE_NO_WARNINGS: '1',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: '/nonexistent',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

const ndjsonLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('xray-dd-merge convert', () => {
  it('writes exactly what the library converts, and reports skipped documents on stderr', async () => {
    const run = await cli(['convert', ORDERS]);
    assert.equal(run.code, 0, run.stderr);
    const expected = convertDocuments(readSegmentDocuments(readFileSync(ORDERS, 'utf8')).documents).spans;
    assert.equal(run.stdout, formatNdjson(expected));
    assert.match(run.stderr, /convert: 5 documents -> 7 spans; 2 skipped; 1 line not JSON/);
    assert.match(
      run.stderr,
      /skipped 1-5e2723a0-1234567890abcdef12345678 0102030405060708: neither end_time nor in_progress/,
    );
  });

  it('reads a BatchGetTraces response on stdin; --id-mode full128 adds _dd.p.tid', async () => {
    const run = await cli(['convert', '--id-mode', 'full128'], { stdin: readFileSync(CHECKOUT, 'utf8') });
    assert.equal(run.code, 0, run.stderr);
    const spans = ndjsonLines(run.stdout);
    assert.equal(spans.length, 9);
    for (const span of spans) {
      assert.equal(span.trace_id, BigInt('0x37738dc042009320').toString());
      assert.equal((span.meta as Record<string, string>)['_dd.p.tid'], '5e2723908c398be0');
      assert.equal(typeof span.start, 'number');
    }
  });

  it('--help prints the usage on stdout and exits 0', async () => {
    const run = await cli(['convert', '--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^Usage: xray-dd-merge convert \[FILE\]/);
    assert.match(run.stdout, /--id-mode compat\|full128/);
  });

  const usage: Array<[string, string[], RegExp]> = [
    ['an unknown option', ['convert', '--nope'], /Unknown option '--nope'/],
    [
      'a bad --id-mode',
      ['convert', '--id-mode', 'wide', CHECKOUT],
      /--id-mode must be compat or full128, not wide/,
    ],
    ['two input files', ['convert', CHECKOUT, ORDERS], /one input file, not 2/],
    ['an unknown command', ['transmogrify'], /unknown command 'transmogrify'/],
    ['a command named like an Object member', ['constructor'], /unknown command 'constructor'/],
    ['a command named __proto__', ['__proto__'], /unknown command '__proto__'/],
    ['no command at all', [], /^Usage: xray-dd-merge <command>/],
  ];
  for (const [what, args, message] of usage) {
    it(`exits 2 on ${what}`, async () => {
      const run = await cli(args);
      assert.equal(run.code, 2);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '');
    });
  }

  it('exits 1 when the input file cannot be read', async () => {
    const run = await cli(['convert', '/nonexistent/traces.json']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^xray-dd-merge: error: .*ENOENT/);
  });

  it('exits 1 when the input holds no JSON at all', async () => {
    const run = await cli(['convert'], { stdin: 'hello\nworld\n' });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no JSON segment documents/);
  });
});

describe('xray-dd-merge: the hybrid join on the command line', () => {
  // The checkout trace with the function's datadog-metadata subsegment (standalone, as the daemon got it).
  const checkout = JSON.parse(readFileSync(CHECKOUT, 'utf8')) as {
    Traces: Array<{ Id: string; Segments: Array<{ Id: string; Document: string }> }>;
  };
  const metadata = (trace: unknown) =>
    JSON.stringify({
      id: 'c0ffee0000000001',
      name: 'datadog-metadata',
      type: 'subsegment',
      trace_id: '1-5e272390-8c398be037738dc042009320',
      parent_id: '94ae789b969f1cc5',
      start_time: 1579584425.07,
      end_time: 1579584425.07,
      metadata: { datadog: { trace } },
    });
  const withMetadata = (trace: unknown) =>
    JSON.stringify({
      Traces: checkout.Traces.map((t) => ({
        ...t,
        Segments: [...t.Segments, { Id: 'c0ffee0000000001', Document: metadata(trace) }],
      })),
    });

  it('convert moves the invocation into the upstream trace, tags --env, and reports it', async () => {
    const run = await cli(['convert', '--env', 'prod'], {
      stdin: withMetadata({
        'trace-id': '1311979541735842151',
        'parent-id': '8812930582129472881',
        'sampling-priority': 1,
      }),
    });
    assert.equal(run.code, 0, run.stderr);
    const spans = ndjsonLines(run.stdout) as Array<{
      trace_id: string;
      parent_id: string;
      name: string;
      meta: Record<string, string>;
    }>;
    assert.equal(spans.length, 10);
    assert.ok(spans.every((s) => s.trace_id === '1311979541735842151' && s.meta.env === 'prod'));
    assert.equal(spans.find((s) => s.name === 'aws.apigateway.stage')?.parent_id, '8812930582129472881');
    assert.match(
      run.stderr,
      /^convert: 1 invocation joined to upstream Datadog traces by datadog-metadata; 0 malformed datadog-metadata$/m,
    );
  });

  it('convert reports malformed metadata with its reason, and converts the trace as it is', async () => {
    const run = await cli(['convert'], {
      stdin: withMetadata({ 'trace-id': 'not-a-number', 'parent-id': '8812930582129472881' }),
    });
    assert.equal(run.code, 0, run.stderr);
    const spans = ndjsonLines(run.stdout) as Array<{ trace_id: string }>;
    assert.ok(spans.every((s) => s.trace_id === '3995693151288333088'));
    assert.match(
      run.stderr,
      /^convert: 0 invocations joined to upstream Datadog traces by datadog-metadata; 1 malformed datadog-metadata$/m,
    );
    assert.match(
      run.stderr,
      /^ {2}malformed datadog-metadata 1-5e272390-8c398be037738dc042009320\/\d+: trace-id "not-a-number" is not a Datadog trace id$/m,
    );
  });

  it("merge without the upstream service's spans explains the orphan", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'xddm-cli-hybrid-'));
    const xray = path.join(dir, 'xray.json');
    writeFileSync(
      xray,
      withMetadata({
        'trace-id': '1311979541735842151',
        'parent-id': '8812930582129472881',
        'sampling-priority': '1',
      }),
    );
    const run = await cli(['merge', '--xray', xray, '--datadog', DD_LOG]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /upstream span not in the input: 1\)/);
    assert.match(
      run.stderr,
      /orphan 1311979541735842151\/\d+ \(aws\.apigateway\.stage\): parent 8812930582129472881 is the upstream Datadog span its datadog-metadata names, not in the input/,
    );
  });

  it('--env needs a name', async () => {
    const run = await cli(['convert', '--env', ' '], { stdin: '{}' });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--env needs a name/);
  });
});

describe('xray-dd-merge merge', () => {
  let agent: AgentStandIn;
  before(async () => {
    agent = await startAgent();
  });
  after(() => agent.close());

  it('joins X-Ray documents and dd-trace log lines into one tree as NDJSON', async () => {
    const run = await cli(['merge', '--xray', CHECKOUT, '--datadog', DD_LOG]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /merge: 1 traces, 11 spans; 0 orphans, 0 duplicate ids, 0 cycles, 0 clock skews/,
    );
    const spans = ndjsonLines(run.stdout);
    assert.equal(spans.length, 11);
    const lambda = spans.find((s) => s.name === 'aws.lambda');
    const fn = spans.find((s) => s.name === 'aws.lambda.function');
    assert.equal(lambda?.parent_id, fn?.span_id);
    assert.equal(spans.filter((s) => s.parent_id === '0').length, 1);
    // The Datadog span's start survives exactly, digits beyond a double's precision included.
    assert.match(run.stdout, /"start":1579584424780000123,/);
  });

  it('sends the merged trace to an agent with --to agent', async () => {
    const before = agent.traces.length;
    const run = await cli([
      'merge',
      '--xray',
      CHECKOUT,
      '--datadog',
      DD_LOG,
      '--to',
      'agent',
      '--agent-url',
      agent.url,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /sent 11 spans in 1 traces/);
    const received = agent.traces.slice(before);
    assert.equal(received.length, 1);
    assert.equal(received[0]?.length, 11);
    assert.ok(received[0]?.every((s) => s.trace_id === 3995693151288333088n));
  });

  it('reports orphans without failing', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'xddm-cli-'));
    const lonely = path.join(dir, 'lonely.ndjson');
    const spans = readDatadogSpans(readFileSync(DD_LOG, 'utf8')).spans.filter((s) => s.name === 'user.work');
    await import('node:fs/promises').then((fs) => fs.writeFile(lonely, formatNdjson(spans)));
    const run = await cli(['merge', '--xray', CHECKOUT, '--datadog', lonely]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /1 orphans/);
    assert.match(run.stderr, /orphan 3995693151288333088\/\d+ \(user\.work\): parent \d+ not found/);
  });

  it('exits 1 when the agent cannot be reached', async () => {
    const run = await cli([
      'merge',
      '--xray',
      CHECKOUT,
      '--to',
      'agent',
      '--agent-url',
      'http://127.0.0.1:9',
    ]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /error: AgentError: cannot reach the agent/);
  });

  const usage: Array<[string, string[], RegExp]> = [
    ['no --xray', ['merge', '--datadog', DD_LOG], /merge needs --xray FILE/],
    [
      'a bad --to',
      ['merge', '--xray', CHECKOUT, '--to', 'fax'],
      /--to must be agent, ndjson or html, not fax/,
    ],
    [
      '--out with --to agent',
      ['merge', '--xray', CHECKOUT, '--to', 'agent', '--out', 'x'],
      /--out goes with/,
    ],
    ['a bad --skew-tolerance', ['merge', '--xray', CHECKOUT, '--skew-tolerance', 'soon'], /--skew-tolerance/],
  ];
  for (const [what, args, message] of usage) {
    it(`exits 2 on ${what}`, async () => {
      const run = await cli(args);
      assert.equal(run.code, 2);
      assert.match(run.stderr, message);
    });
  }

  it('--help exits 0', async () => {
    const run = await cli(['merge', '--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^Usage: xray-dd-merge merge --xray FILE --datadog FILE/);
  });
});

describe('xray-dd-merge pull', () => {
  let api: XRayApiStandIn;
  const T0 = 1_579_584_000;
  before(async () => {
    const checkout = JSON.parse(readFileSync(CHECKOUT, 'utf8')) as {
      Traces: Array<{ Id: string; Segments: Array<{ Document: string }> }>;
    };
    const trace = checkout.Traces[0] as (typeof checkout.Traces)[number];
    api = await startXRayApi({
      traces: [
        {
          id: trace.Id,
          startTime: T0 + 424,
          documents: trace.Segments.map((s) => JSON.parse(s.Document) as Record<string, unknown>),
        },
      ],
    });
  });
  after(() => api.close());

  const awsEnv = {
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_REGION: 'eu-west-1',
  };

  it('pulls a window over 6 hours in pieces, with plain progress lines on a non-TTY stderr', async () => {
    const before = api.requests.length;
    const run = await cli(
      [
        'pull',
        '--start',
        String(T0),
        '--end',
        String(T0 + 7 * 3600),
        '--endpoint',
        api.url,
        '--filter',
        'ok = false',
      ],
      { env: awsEnv },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(ndjsonLines(run.stdout).length, 9);
    const summaries = api.requests.slice(before).filter((r) => r.path === '/TraceSummaries');
    assert.deepEqual(
      summaries.map((r) => [r.body.StartTime, r.body.EndTime, r.body.FilterExpression]),
      [
        [T0, T0 + 6 * 3600, 'ok = false'],
        [T0 + 6 * 3600, T0 + 7 * 3600, 'ok = false'],
      ],
    );
    assert.deepEqual(run.stderr.split('\n').slice(0, 3), [
      'pull: 2 windows',
      'pull: window 1/2 done · 1 traces',
      'pull: window 2/2 done · 1 traces',
    ]);
    const controlCodes = run.stderr.includes('\r') || run.stderr.includes('\u001b[');
    assert.equal(controlCodes, false, 'no terminal control codes when stderr is not a TTY');
    assert.match(run.stderr, /1 traces, 9 spans; 0 documents skipped; 0 traces unprocessed/);
  });

  it('exits 1 with the API error when X-Ray refuses', async () => {
    const run = await cli(['pull', '--since', '1h', '--endpoint', 'http://127.0.0.1:9'], { env: awsEnv });
    assert.equal(run.code, 1);
    // The account check (GetTraceSegmentDestination) is the first call, and fails the same way.
    assert.match(run.stderr, /xray-dd-merge: error: /);
  });

  const usage: Array<[string, string[], RegExp]> = [
    [
      '--since with --start',
      ['pull', '--since', '1h', '--start', String(T0)],
      /either --since or --start\/--end/,
    ],
    ['a bad --since', ['pull', '--since', 'a while'], /--since must be a duration/],
    [
      '--end before --start',
      ['pull', '--start', String(T0), '--end', String(T0 - 1)],
      /--end must be after --start/,
    ],
    ['--end alone', ['pull', '--end', String(T0)], /--end needs --start/],
    ['a bad --concurrency', ['pull', '--concurrency', '0'], /--concurrency must be/],
  ];
  for (const [what, args, message] of usage) {
    it(`exits 2 on ${what}`, async () => {
      const run = await cli(args, { env: awsEnv });
      assert.equal(run.code, 2);
      assert.match(run.stderr, message);
    });
  }

  it('--help exits 0', async () => {
    const run = await cli(['pull', '-h']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /--since DURATION/);
    assert.match(run.stdout, /--to agent\|ndjson\|html/);
  });
});
