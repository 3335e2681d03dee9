// The CLI as users run it: a real child process (Node's type stripping runs src/cli.ts), with
// its stdout, stderr and exit code; pull and merge talk to loopback stand-ins.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { convertDocuments } from '../../src/merge/convert.ts';
import { readDatadogSpans } from '../../src/merge/datadog-input.ts';
import { formatNdjson } from '../../src/merge/sinks/ndjson.ts';
import { readSegmentDocuments } from '../../src/merge/xray-input.ts';
import { type AgentStandIn, startAgent } from '../helpers/agent.ts';
import { AWS_TEST_ENV, root, runCli } from '../helpers/cli.ts';
import { startXRayApi, type XRayApiStandIn } from '../helpers/xray-api.ts';

const CHECKOUT = path.join(root, 'test/fixtures/segments/checkout-trace.json');
const ORDERS = path.join(root, 'test/fixtures/segments/orders-service.ndjson');
const DD_LOG = path.join(root, 'test/merge/fixtures/dd-trace-log.txt');

const ndjsonLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('xray-dd-merge convert', () => {
  it('writes exactly what the library converts, and reports skipped documents on stderr', async () => {
    const run = await runCli(['convert', ORDERS]);
    assert.equal(run.code, 0, run.stderr);
    const expected = convertDocuments(readSegmentDocuments(readFileSync(ORDERS, 'utf8')).documents).spans;
    // Streamed a trace at a time: the same spans, each trace's together and in order, the traces
    // in the order the input ends them.
    const lines = run.stdout.split('\n').filter((line) => line.length > 0);
    assert.deepEqual([...lines].sort(), formatNdjson(expected).trimEnd().split('\n').sort());
    const traceIds = lines.map((line) => (JSON.parse(line) as { trace_id: string }).trace_id);
    for (const id of new Set(traceIds)) {
      const own = lines.filter((_, i) => traceIds[i] === id);
      assert.equal(
        traceIds.lastIndexOf(id) - traceIds.indexOf(id) + 1,
        own.length,
        `trace ${id} is contiguous`,
      );
      assert.deepEqual(
        own,
        formatNdjson(expected.filter((span) => span.trace_id === id))
          .trimEnd()
          .split('\n'),
      );
    }
    assert.match(run.stderr, /convert: 5 documents -> 7 spans; 2 skipped; 1 line not JSON/);
    assert.match(
      run.stderr,
      /skipped 1-5e2723a0-1234567890abcdef12345678 0102030405060708: neither end_time nor in_progress/,
    );
  });

  it('reads a BatchGetTraces response on stdin; --id-mode full128 adds _dd.p.tid', async () => {
    const run = await runCli(['convert', '--id-mode', 'full128'], { stdin: readFileSync(CHECKOUT, 'utf8') });
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
    const run = await runCli(['convert', '--help']);
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
      const run = await runCli(args);
      assert.equal(run.code, 2);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '');
    });
  }

  describe('input that cannot be read: one line naming the input and where, exit 1, no stack', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'xdm-bad-input-'));
    const write = (name: string, text: string) => {
      writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    const checkout = readFileSync(CHECKOUT, 'utf8');
    const hint = '(expected X-Ray segment documents: a BatchGetTraces response (JSON) or NDJSON)';
    const cases: Array<[string, () => [string[], string | undefined], (file: string) => string]> = [
      [
        'an empty file',
        () => [['convert', write('empty.json', '')], undefined],
        (f) => `${f}: empty input (no segment documents)`,
      ],
      [
        'only blank lines on stdin',
        () => [['convert'], '  \n\n'],
        () => 'stdin: empty input (no segment documents)',
      ],
      [
        'a BatchGetTraces response cut short',
        () => [['convert', write('cut.json', checkout.slice(0, 3000))], undefined],
        (f) =>
          `${f}: JSON cut short: the input ends inside a value at line 18, column 809 (byte 3000) (after 0 values)`,
      ],
      [
        'JSON with garbage after a value',
        () => [['convert', write('garbage.json', '{"Traces":[{"Id":"1","Segments":[]}] x')], undefined],
        (f) =>
          `${f}: not JSON at line 1, column 38 (byte 37): unexpected 'x' (after 1 value; expected X-Ray segment documents: a BatchGetTraces response (JSON) or NDJSON)`,
      ],
      [
        'a CSV file',
        () => [
          ['convert', write('traces.csv', 'trace_id,name\n1-5e272390-8c398be037738dc042009320,fn\n')],
          undefined,
        ],
        (f) => `${f}: not JSON: line 1: unexpected 'a' ${hint}`,
      ],
      [
        'text on stdin',
        () => [['convert'], 'hello\nworld\n'],
        () => `stdin: not JSON: line 1: unexpected 'h' ${hint}`,
      ],
      ['a directory', () => [['convert', dir], undefined], (f) => `${f}: is a directory, not a file`],
      [
        'a missing path',
        () => [['convert', path.join(dir, 'missing.json')], undefined],
        (f) => `${f}: no such file`,
      ],
      [
        'a path through a file',
        () => [['convert', path.join(write('plain.txt', 'x'), 'traces.json')], undefined],
        (f) => `${f}: no such file (a part of the path is not a directory)`,
      ],
      [
        'merge with a missing --xray file',
        () => [['merge', '--xray', path.join(dir, 'nope.json')], undefined],
        (f) => `${f}: no such file`,
      ],
      [
        'merge with a directory as --datadog',
        () => [['merge', '--xray', CHECKOUT, '--datadog', dir], undefined],
        (f) => `${f}: is a directory, not a file`,
      ],
    ];
    for (const [label, setup, message] of cases) {
      it(label, async () => {
        const [args, stdin] = setup();
        const run = await runCli(args, stdin !== undefined ? { stdin } : {});
        assert.equal(run.code, 1);
        const named = args.at(-1) === 'convert' ? '' : (args.at(-1) as string);
        assert.equal(run.stderr, `xray-dd-merge: error: ${message(named)}\n`);
        assert.equal(run.stdout, '');
      });
    }

    it('--debug adds the stack trace', async () => {
      const run = await runCli(['convert', '--debug', path.join(dir, 'missing.json')]);
      assert.equal(run.code, 1);
      const [first, second] = run.stderr.split('\n');
      assert.equal(first, `xray-dd-merge: error: ${path.join(dir, 'missing.json')}: no such file`);
      assert.match(second ?? '', /^InputError: /);
    });

    it('leaves no output file behind when the input cannot be read', async () => {
      const out = path.join(dir, 'never.ndjson');
      const run = await runCli(['convert', '--out', out, write('empty2.json', '')]);
      assert.equal(run.code, 1);
      assert.equal(existsSync(out), false);
    });
  });

  it('converts the valid documents of a file that mixes them with invalid ones, and names each skipped one', async () => {
    // The developer guide's examples: four do not parse, three are subsegment bodies without trace_id.
    const file = path.join(root, 'test/merge/fixtures/xray-real/aws-devguide-segment-examples.ndjson');
    const run = await runCli(['convert', file]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(ndjsonLines(run.stdout).length, 5);
    const name = file;
    assert.deepEqual(run.stderr.split('\n'), [
      'convert: 7 documents -> 5 spans; 3 skipped; 4 lines not JSON',
      '  skipped ? 004f72be19cddc2a: a top-level document needs trace_id',
      '  skipped ? 0e58d2918e9038e8: a top-level document needs trace_id',
      '  skipped ? 3fd8634e78ca9560: a top-level document needs trace_id',
      `  ${name}: line 4 not JSON: Expected ',' or '}' after property value at column 196`,
      `  ${name}: line 5 not JSON: Expected double-quoted property name at column 335`,
      `  ${name}: line 8 not JSON: Expected double-quoted property name at column 335`,
      `  ${name}: line 10 not JSON: Expected double-quoted property name at column 332`,
      '',
    ]);
  });

  it('merge reports wrong fields dropped too', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'xdm-merge-dropped-'));
    const document = JSON.parse(
      readFileSync(path.join(root, 'test/merge/fixtures/xray-real/otel-go-sdk-ddb-sample.json'), 'utf8'),
    );
    document.subsegments[0].subsegments[1].http.response.content_length = 'long';
    const file = path.join(dir, 'ddb.json');
    writeFileSync(file, JSON.stringify(document));
    const run = await runCli(['merge', '--xray', file, '--to', 'ndjson']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /\n {2}dropped http\.response\.content_length: expected a number or a string of digits \(1 time\)\n/,
    );
  });

  it('reports wrong fields dropped, counted by field and reason', async () => {
    const document = JSON.parse(
      readFileSync(path.join(root, 'test/merge/fixtures/xray-real/otel-go-sdk-ddb-sample.json'), 'utf8'),
    );
    document.subsegments[0].subsegments[1].http.response.status = 'four hundred';
    document.subsegments[0].subsegments[0].http.response.status = 'two hundred';
    const run = await runCli(['convert'], { stdin: JSON.stringify(document) });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(ndjsonLines(run.stdout).length, 18);
    assert.deepEqual(run.stderr.split('\n'), [
      'convert: 1 documents -> 18 spans; 0 skipped; 2 fields dropped',
      '  dropped http.response.status: expected number (2 times)',
      '',
    ]);
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
    const run = await runCli(['convert', '--env', 'prod'], {
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
    const run = await runCli(['convert'], {
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
    const run = await runCli(['merge', '--xray', xray, '--datadog', DD_LOG]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /upstream span not in the input: 1\)/);
    assert.match(
      run.stderr,
      /orphan 1311979541735842151\/\d+ \(aws\.apigateway\.stage\): parent 8812930582129472881 is the upstream Datadog span its datadog-metadata names, not in the input/,
    );
  });

  it('--env needs a name', async () => {
    const run = await runCli(['convert', '--env', ' '], { stdin: '{}' });
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
    const run = await runCli(['merge', '--xray', CHECKOUT, '--datadog', DD_LOG]);
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
    const run = await runCli([
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
    const run = await runCli(['merge', '--xray', CHECKOUT, '--datadog', lonely]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /1 orphans/);
    assert.match(run.stderr, /orphan 3995693151288333088\/\d+ \(user\.work\): parent \d+ not found/);
  });

  it('exits 1 when the agent cannot be reached', async () => {
    const run = await runCli([
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
      const run = await runCli(args);
      assert.equal(run.code, 2);
      assert.match(run.stderr, message);
    });
  }

  it('--help exits 0', async () => {
    const run = await runCli(['merge', '--help']);
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

  it('pulls a window over 6 hours in pieces, with plain progress lines on a non-TTY stderr', async () => {
    const before = api.requests.length;
    const run = await runCli(
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
      { env: AWS_TEST_ENV },
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
    const run = await runCli(['pull', '--since', '1h', '--endpoint', 'http://127.0.0.1:9'], {
      env: AWS_TEST_ENV,
    });
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
      const run = await runCli(args, { env: AWS_TEST_ENV });
      assert.equal(run.code, 2);
      assert.match(run.stderr, message);
    });
  }

  it('--help exits 0', async () => {
    const run = await runCli(['pull', '-h']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /--since DURATION/);
    assert.match(run.stdout, /--to agent\|ndjson\|html/);
  });
});
