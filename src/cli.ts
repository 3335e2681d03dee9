/**
 * `xray-dd-merge`: pull X-Ray traces, convert segment documents to Datadog spans, merge them with
 * Datadog spans; out to a Datadog agent, NDJSON or an HTML flame graph.
 *
 * Exit codes: 0 done (skipped documents and join findings are reported on stderr, not failures),
 * 1 the work failed (a file, the X-Ray API, the agent), 2 the command line is wrong.
 *
 * @example
 * xray-dd-merge convert traces.json > spans.ndjson
 * xray-dd-merge merge --xray traces.json --datadog function.log --to html --out trace.html
 * xray-dd-merge pull --since 15m --filter 'service("checkout-fn")' --to agent
 */

import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { mergerEnvironment } from './config.ts';
import { describeError } from './log.ts';
import { ConversionReport } from './merge/conversion-report.ts';
import { readDatadogSpans } from './merge/datadog-input.ts';
import { tagEnvironment } from './merge/environment.ts';
import { LARGE_PAGE_MB, renderFlameGraph } from './merge/flamegraph.ts';
import { type HybridJoinReport, joinHybrid, type MalformedMetadata } from './merge/hybrid-join.ts';
import { InputError } from './merge/input/input-error.ts';
import { openInput, readTextInput } from './merge/input/open-input.ts';
import { mergeTraceInputs, readTraceSource } from './merge/input/trace-source.ts';
import { createReadReport, type ReadReport } from './merge/input/xray-stream.ts';
import { DEFAULT_SKEW_TOLERANCE_NS, type JoinReport, joinSpans } from './merge/join.ts';
import { type MergerSettings, resolveMergerSettings } from './merge/merger-config.ts';
import { createProgressReporter } from './merge/progress.ts';
import { describeBatch, pullAccount } from './merge/pull-account.ts';
import { windowOfTraceIds } from './merge/retrieve.ts';
import type { SkippedDocument } from './merge/segment-schema.ts';
import { createAgentSink, sendToAgent } from './merge/sinks/agent.ts';
import { createNdjsonSink, writeNdjson } from './merge/sinks/ndjson.ts';
import type { TraceSink } from './merge/sinks/sink.ts';
import type { DatadogSpan } from './merge/span.ts';
import { normalizeTraceId, readTraceIdList, traceIdsOfDatadogSpans } from './merge/trace-ids.ts';
import { convertTraceInput, emptyTraceInput } from './merge/trace-input.ts';
import { parseDuration, parseInstant, type TimeWindow } from './merge/window.ts';
import { createStreamHandler } from './stream/handler.ts';
import { type ReplayRecords, readReplayInput, replayEvents } from './stream/replay.ts';
import type { TraceIdMode } from './xray/ids.ts';

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Output we can count on for reports: stderr may be a terminal (progress bar) or not (lines). */
interface Io {
  readonly stdout: Writable;
  readonly stderr: Writable & { isTTY?: boolean; columns?: number };
  readonly stdin: NodeJS.ReadableStream;
}

const MAIN_HELP = `Usage: xray-dd-merge <command> [options]

Merge AWS X-Ray traces with Datadog APM traces, using the same id mapping as the runtime.

Commands:
  pull      pull X-Ray traces over a time window from the X-Ray API and convert them
  convert   convert X-Ray segment documents to Datadog spans (NDJSON on stdout)
  merge     join X-Ray traces with Datadog spans into whole traces
  stream    replay aws/spans subscription payloads (Kinesis records, Lambda events) as the stream handler

Run 'xray-dd-merge <command> --help' for a command's options; --debug with any command prints
stack traces for errors.
Exit codes: 0 done, 1 failed (including input that cannot be read), 2 usage error.
`;

const COMMON_OPTIONS = `  --id-mode compat|full128  trace id mapping; must match the functions' DD_XRAY_TRACE_ID_MODE
                            (default: DD_XRAY_TRACE_ID_MODE, else compat)
  --metadata                copy segment metadata into span meta (metadata.<namespace>.<key>)
  --env NAME                tag every span converted from X-Ray env:NAME (default DD_ENV, else
                            the env the trace's Datadog spans agree on)
  -h, --help                show this help`;

const OUTPUT_OPTIONS = `  --to agent|ndjson|html    where the spans go (default ndjson)
  --out FILE                file for ndjson or html (default stdout)
  --agent-url URL           Datadog agent for --to agent (default DD_TRACE_AGENT_URL, else
                            http://127.0.0.1:8126)
  --title TEXT              title of the html page`;

const HELP: Record<string, string> = {
  stream: `Usage: xray-dd-merge stream [FILE...] [options]

Replay CloudWatch Logs subscription payloads of the aws/spans log group through the stream handler
(xray-dd-merge/stream): the same decoding, conversion and hybrid join, all inputs in one window.

Each FILE (or stdin when none or '-') holds raw gzip payloads, Lambda events ({"awslogs":{"data"}}
or {"Records":[{"kinesis":{"data"}}]}, or a JSON array of them), lines of events or of base64
payloads, or decoded {"messageType":"DATA_MESSAGE",…} envelopes.

Options:
${OUTPUT_OPTIONS}
  --id-mode compat|full128  trace id mapping; must match the functions' DD_XRAY_TRACE_ID_MODE
  -h, --help                show this help
`,
  convert: `Usage: xray-dd-merge convert [FILE] [options]

Convert X-Ray segment documents to Datadog spans, one span per line (NDJSON) with the agent's
field names: trace_id, span_id, parent_id (decimal strings), name, service, resource, type,
start, duration (integer ns), error, meta, metrics.

FILE (or stdin when absent or '-') holds a BatchGetTraces response saved as JSON
({"Traces":[{"Id","Segments":[{"Id","Document"}]}]}) or NDJSON of segment documents, or
OpenTelemetry spans: OTLP/JSON ({"resourceSpans":[…]}, from ADOT or an OTel collector), a
ListRetrievedTraces response, or Transaction Search span records; the format is read per document.

Options:
  --out FILE                write the spans to FILE instead of stdout
${COMMON_OPTIONS}
`,
  merge: `Usage: xray-dd-merge merge --xray FILE --datadog FILE [options]

Join X-Ray traces with Datadog spans into whole traces, reporting orphans, duplicate span ids,
parent cycles and clock skew on stderr (none of them fatal).

Options:
  --xray FILE               X-Ray or OpenTelemetry input, as for 'convert' (repeatable)
  --datadog FILE            Datadog spans: NDJSON spans, dd-trace log output ({"traces":[[…]]}
                            lines, ids in hex) or an agent capture (repeatable)
${OUTPUT_OPTIONS}
  --skew-tolerance DURATION report children outside their parent by more than this (default 1ms)
${COMMON_OPTIONS}
`,
  pull: `Usage: xray-dd-merge pull [--since 15m | --start TIME [--end TIME]] [options]

Pull X-Ray traces with GetTraceSummaries and BatchGetTraces (credentials and region from the
AWS SDK's default chain), convert them and send them on. Windows longer than 6 hours are split.
Asks GetTraceSegmentDestination first: in an account with CloudWatch Transaction Search, X-Ray
indexes only a share of the spans, so traces named by id are retrieved with StartTraceRetrieval.

Options:
  --since DURATION          the window ending now, e.g. 15m, 2h, 1d (default 15m)
  --start TIME, --end TIME  an explicit window: ISO 8601 or epoch seconds (--end default now)
  --filter EXPR             an X-Ray filter expression, e.g. 'service("checkout-fn")'
  --region REGION           AWS region (default from the environment / shared config)
  --endpoint URL            X-Ray API endpoint override (VPC endpoint, local stand-in)
  --concurrency N           BatchGetTraces calls in flight (default 4)
  --trace-id ID             a trace to fetch, X-Ray (1-…-…) or W3C (32 hex) form (repeatable)
  --trace-ids FILE          trace ids, one per line
  --datadog FILE            fetch the X-Ray traces of these Datadog spans (their aws.xray.trace_id
                            tag, or a full128 trace id reversed) (repeatable)
  --format xray|otel        Transaction Search retrieval format (default xray)
${OUTPUT_OPTIONS}
${COMMON_OPTIONS}
`,
};

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

function parse(command: string, args: string[], options: ParseArgsOptionsConfig) {
  try {
    return parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    }) as { values: Values; positionals: string[] };
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message}`);
  }
}

function stringOption(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

function listOption(values: Values, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** `--env`, else DD_ENV; without either the join lends X-Ray spans the Datadog spans' env. */
function envOf(values: Values, settings: MergerSettings): { env?: string } {
  const env = stringOption(values, 'env') ?? settings.env;
  if (env !== undefined && env.trim() === '') throw new UsageError('--env needs a name');
  return env === undefined ? {} : { env: env.trim() };
}

function idModeOf(values: Values, fallback: TraceIdMode): TraceIdMode {
  const given = stringOption(values, 'id-mode');
  if (given === undefined) return fallback;
  if (given !== 'compat' && given !== 'full128')
    throw new UsageError(`--id-mode must be compat or full128, not ${given}`);
  return given;
}

type Target = 'agent' | 'ndjson' | 'html';

function targetOf(values: Values): Target {
  const to = stringOption(values, 'to') ?? 'ndjson';
  if (to !== 'agent' && to !== 'ndjson' && to !== 'html')
    throw new UsageError(`--to must be agent, ndjson or html, not ${to}`);
  if (to === 'agent' && values.out !== undefined)
    throw new UsageError('--out goes with --to ndjson or html, not agent');
  return to;
}

async function readInput(path: string | undefined, io: Io): Promise<string> {
  if (path === undefined || path === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks).toString('utf8');
  }
  return readTextInput(path);
}

/** An X-Ray input (a file, or stdin for none or '-') as byte chunks, and the name messages give it. */
async function xrayInput(
  path: string | undefined,
  io: Io,
): Promise<[AsyncIterable<Buffer | string>, string]> {
  if (path === undefined || path === '-') return [io.stdin as AsyncIterable<Buffer | string>, 'stdin'];
  return [await openInput(path), path];
}

/** Lines of NDJSON input that were not JSON, each with its number and reason. */
function reportNotJson(io: Io, name: string, report: ReadReport): void {
  for (const bad of report.notJson) io.stderr.write(`  ${name}: line ${bad.line} not JSON: ${bad.reason}\n`);
  if (report.notJsonCount > report.notJson.length)
    io.stderr.write(`  … and ${report.notJsonCount - report.notJson.length} more lines not JSON\n`);
}

interface Output {
  readonly stream: Writable;
  close(): Promise<void>;
}

function openOutput(path: string | undefined, io: Io): Output {
  if (path === undefined || path === '-') return { stream: io.stdout, close: async () => {} };
  const stream = createWriteStream(path);
  const failed = new Promise<never>((_, reject) => stream.once('error', reject));
  failed.catch(() => undefined);
  return {
    stream,
    close: () =>
      Promise.race([
        failed,
        new Promise<void>((resolve) => {
          stream.end(() => resolve());
        }),
      ]),
  };
}

function reportSkipped(io: Io, skipped: readonly SkippedDocument[], total = skipped.length): void {
  for (const entry of skipped.slice(0, 20)) {
    io.stderr.write(`  skipped ${entry.traceId ?? '?'} ${entry.id ?? '?'}: ${entry.reason}\n`);
  }
  if (total > 20) io.stderr.write(`  … and ${total - 20} more\n`);
}

function reportJoin(io: Io, report: JoinReport): void {
  const { hybrid } = report;
  io.stderr.write(
    `merge: ${report.traces} traces, ${report.spans} spans; ${report.orphans.length} orphans, ` +
      `${report.duplicates.length} duplicate ids, ${report.cycles.length} cycles, ${report.clockSkew.length} clock skews\n`,
  );
  reportHybrid(io, 'merge', hybridCounts(hybrid, true));
  if (report.duplicateHops.length > 0)
    io.stderr.write(
      `merge: ${report.duplicateHops.length} API Gateway hops recorded by both X-Ray and an inferred span, kept once\n`,
    );
  const lines: string[] = [
    ...report.orphans.map((o) =>
      o.upstream
        ? `  orphan ${o.trace_id}/${o.span_id} (${o.name}): parent ${o.parent_id} is the upstream Datadog span ` +
          "its datadog-metadata names, not in the input (add that service's spans with --datadog)"
        : `  orphan ${o.trace_id}/${o.span_id} (${o.name}): parent ${o.parent_id} not found`,
    ),
    ...report.duplicates.map((d) => `  duplicate ${d.trace_id}/${d.span_id}: ${d.dropped} copies dropped`),
    ...report.cycles.map((c) => `  cycle in ${c.trace_id}: ${c.span_ids.join(' -> ')}`),
    ...report.clockSkew.map(
      (s) =>
        `  clock skew ${s.trace_id}/${s.span_id} (${s.name}) vs parent ${s.parent_id}:` +
        `${s.startsEarlyBy !== undefined ? ` starts ${formatNanos(s.startsEarlyBy)} early` : ''}` +
        `${s.endsLateBy !== undefined ? ` ends ${formatNanos(s.endsLateBy)} late` : ''}`,
    ),
  ];
  for (const line of lines.slice(0, 30)) io.stderr.write(`${line}\n`);
  if (lines.length > 30) io.stderr.write(`  … and ${lines.length - 30} more\n`);
}

interface HybridCounts {
  readonly invocations: number;
  /** Only where the Datadog spans were in the input (merge). */
  readonly placed?: number;
  readonly upstreamMissing?: number;
  readonly split: number;
  readonly malformed: number;
  readonly malformedSamples: readonly MalformedMetadata[];
}

function hybridCounts(report: HybridJoinReport, withDatadog: boolean): HybridCounts {
  const { invocations } = report;
  return {
    invocations: invocations.length,
    ...(withDatadog
      ? {
          placed: invocations.filter((invocation) => invocation.lambda_span_id !== undefined).length,
          upstreamMissing: invocations.filter((invocation) => !invocation.upstream_in_input).length,
        }
      : {}),
    split: report.split.length,
    malformed: report.malformed.length,
    malformedSamples: report.malformed,
  };
}

/** The hybrid join's counts, and each malformed datadog-metadata subsegment. */
function reportHybrid(io: Io, command: string, counts: HybridCounts): void {
  if (counts.invocations === 0 && counts.malformed === 0) return;
  const details = [
    counts.placed !== undefined
      ? `aws.lambda placed under the function segment: ${counts.placed}`
      : undefined,
    counts.upstreamMissing !== undefined
      ? `upstream span not in the input: ${counts.upstreamMissing}`
      : undefined,
    counts.split > 0 ? `${plural(counts.split, 'X-Ray trace')} split between upstream traces` : undefined,
  ].filter((detail) => detail !== undefined);
  io.stderr.write(
    `${command}: ${plural(counts.invocations, 'invocation')} joined to upstream Datadog traces by datadog-metadata` +
      `${details.length > 0 ? ` (${details.join('; ')})` : ''}; ${counts.malformed} malformed datadog-metadata\n`,
  );
  for (const entry of counts.malformedSamples.slice(0, 20)) {
    io.stderr.write(
      `  malformed datadog-metadata ${entry.xray_trace_id}/${entry.span_id}: ${entry.reason}\n`,
    );
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function formatNanos(ns: bigint): string {
  return `${(Number(ns) / 1e6).toFixed(3)} ms`;
}

/** Writes finished traces to the chosen target. */
async function deliver(
  traces: DatadogSpan[][],
  target: Target,
  values: Values,
  agentUrl: string,
  io: Io,
): Promise<string> {
  if (target === 'agent') {
    const sent = await sendToAgent(traces, { url: agentUrl });
    return `sent ${sent.spans} spans in ${sent.traces} traces to ${agentUrl} (${sent.requests} requests)`;
  }
  const output = openOutput(stringOption(values, 'out'), io);
  if (target === 'html') {
    const title = stringOption(values, 'title');
    const page = renderFlameGraph(traces, title !== undefined ? { title } : {});
    output.stream.write(page);
    const megabytes = Buffer.byteLength(page) / 2 ** 20;
    if (megabytes > LARGE_PAGE_MB) {
      io.stderr.write(
        `xray-dd-merge: warning: the page is ${megabytes.toFixed(0)} MB (${plural(traces.length, 'trace')}); browsers open pages over ${LARGE_PAGE_MB} MB slowly: ` +
          `narrow the input (pull --filter 'service("…")' or a shorter --since, or fewer files to merge)\n`,
      );
    }
  } else {
    for (const trace of traces) await writeNdjson(trace, output.stream);
  }
  await output.close();
  return `wrote ${traces.reduce((n, t) => n + t.length, 0)} spans (${target})`;
}

async function convertCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse('convert', args, {
    'id-mode': { type: 'string' },
    metadata: { type: 'boolean' },
    env: { type: 'string' },
    out: { type: 'string' },
  });
  if (values.help) {
    io.stdout.write(HELP.convert as string);
    return EXIT_OK;
  }
  if (positionals.length > 1) throw new UsageError(`convert takes one input file, not ${positionals.length}`);
  const settings = resolveMergerSettings(mergerEnvironment());
  const idMode = idModeOf(values, settings.traceIdMode);
  const options = { idMode, includeMetadata: values.metadata === true };
  const env = envOf(values, settings);
  const [source, name] = await xrayInput(positionals[0], io);
  const report = createReadReport();
  const tally = new ConversionReport();
  const hybrid: HybridJoinReport[] = [];
  // Opened on the first spans: input that cannot be read leaves no output file behind.
  let output: Output | undefined;
  try {
    // One trace at a time: memory stays flat however large the input is.
    for await (const input of readTraceSource(source, name, report)) {
      const result = convertTraceInput(input, options);
      tally.add(result);
      const joined = joinHybrid(result.spans);
      if (joined.report.invocations.length > 0 || joined.report.malformed.length > 0)
        hybrid.push(joined.report);
      output ??= openOutput(stringOption(values, 'out'), io);
      await writeNdjson(tagEnvironment(joined.spans, env), output.stream);
    }
  } finally {
    await output?.close();
  }
  const dropped = tally.droppedCount();
  io.stderr.write(
    `convert: ${tally.documents} documents -> ${tally.spans} spans; ${tally.skipped} skipped` +
      `${dropped > 0 ? `; ${plural(dropped, 'field')} dropped` : ''}` +
      `${report.notJsonCount > 0 ? `; ${plural(report.notJsonCount, 'line')} not JSON` : ''}\n`,
  );
  reportSkipped(io, tally.skippedSamples, tally.skipped);
  for (const line of tally.droppedLines()) io.stderr.write(`${line}\n`);
  reportNotJson(io, name, report);
  reportHybrid(io, 'convert', {
    invocations: hybrid.reduce((n, r) => n + r.invocations.length, 0),
    split: hybrid.reduce((n, r) => n + r.split.length, 0),
    malformed: hybrid.reduce((n, r) => n + r.malformed.length, 0),
    malformedSamples: hybrid.flatMap((r) => r.malformed).slice(0, 20),
  });
  return EXIT_OK;
}

async function mergeCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse('merge', args, {
    xray: { type: 'string', multiple: true },
    datadog: { type: 'string', multiple: true },
    to: { type: 'string' },
    out: { type: 'string' },
    'agent-url': { type: 'string' },
    title: { type: 'string' },
    'skew-tolerance': { type: 'string' },
    'id-mode': { type: 'string' },
    metadata: { type: 'boolean' },
    env: { type: 'string' },
  });
  if (values.help) {
    io.stdout.write(HELP.merge as string);
    return EXIT_OK;
  }
  if (positionals.length > 0)
    throw new UsageError(`merge takes no positional arguments (got ${positionals[0]})`);
  const xrayFiles = listOption(values, 'xray');
  if (xrayFiles.length === 0) throw new UsageError('merge needs --xray FILE');
  const target = targetOf(values);
  const settings = resolveMergerSettings(mergerEnvironment());
  const idMode = idModeOf(values, settings.traceIdMode);
  const toleranceText = stringOption(values, 'skew-tolerance');
  const toleranceMs =
    toleranceText === undefined ? undefined : toleranceText === '0' ? 0 : parseDuration(toleranceText);
  if (toleranceText !== undefined && toleranceMs === undefined) {
    throw new UsageError(`--skew-tolerance must be a duration such as 1ms, not ${toleranceText}`);
  }

  let input = emptyTraceInput();
  let badLines = 0;
  const reports: Array<[string, ReadReport]> = [];
  for (const file of xrayFiles) {
    const [source, name] = await xrayInput(file, io);
    const report = createReadReport();
    // The join needs whole traces across files: the documents are gathered (see README, memory).
    for await (const piece of readTraceSource(source, name, report)) input = mergeTraceInputs(input, piece);
    badLines += report.notJsonCount;
    reports.push([name, report]);
  }
  const converted = convertTraceInput(input, { idMode, includeMetadata: values.metadata === true });
  const datadog: DatadogSpan[] = [];
  const invalid: string[] = [];
  let ignored = 0;
  for (const file of listOption(values, 'datadog')) {
    const input = readDatadogSpans(await readInput(file, io));
    datadog.push(...input.spans);
    invalid.push(...input.invalid);
    ignored += input.ignoredLines;
  }
  io.stderr.write(
    `merge: ${converted.documents} X-Ray documents -> ${converted.spans.length} spans (${converted.skipped.length} skipped` +
      `${badLines > 0 ? `, ${plural(badLines, 'line')} not JSON` : ''}); ${datadog.length} Datadog spans` +
      ` (${invalid.length} invalid, ${ignored} other lines)\n`,
  );
  reportSkipped(io, converted.skipped);
  const dropped = new ConversionReport();
  dropped.add(converted);
  for (const line of dropped.droppedLines()) io.stderr.write(`${line}\n`);
  for (const [name, report] of reports) reportNotJson(io, name, report);
  for (const reason of invalid.slice(0, 20)) io.stderr.write(`  invalid Datadog span: ${reason}\n`);

  const { traces, report } = joinSpans([...converted.spans, ...datadog], {
    ...envOf(values, settings),
    skewToleranceNs: toleranceMs === undefined ? DEFAULT_SKEW_TOLERANCE_NS : BigInt(toleranceMs) * 1_000_000n,
  });
  reportJoin(io, report);
  const done = await deliver(
    traces,
    target,
    values,
    stringOption(values, 'agent-url') ?? settings.agentUrl,
    io,
  );
  io.stderr.write(`merge: ${done}\n`);
  return EXIT_OK;
}

function windowOf(values: Values, now: number): TimeWindow {
  const since = stringOption(values, 'since');
  const start = stringOption(values, 'start');
  const end = stringOption(values, 'end');
  if (since !== undefined && (start !== undefined || end !== undefined)) {
    throw new UsageError('use either --since or --start/--end, not both');
  }
  if (start === undefined) {
    if (end !== undefined) throw new UsageError('--end needs --start');
    const ms = parseDuration(since ?? '15m');
    if (ms === undefined)
      throw new UsageError(`--since must be a duration such as 15m, 2h or 1d, not ${since}`);
    return { start: now - ms, end: now };
  }
  const startMs = parseInstant(start);
  if (startMs === undefined)
    throw new UsageError(`--start must be an ISO 8601 date or epoch seconds, not ${start}`);
  const endMs = end === undefined ? now : parseInstant(end);
  if (endMs === undefined)
    throw new UsageError(`--end must be an ISO 8601 date or epoch seconds, not ${end}`);
  if (endMs <= startMs) throw new UsageError('--end must be after --start');
  return { start: startMs, end: endMs };
}

async function pullCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse('pull', args, {
    since: { type: 'string' },
    start: { type: 'string' },
    end: { type: 'string' },
    filter: { type: 'string' },
    region: { type: 'string' },
    endpoint: { type: 'string' },
    concurrency: { type: 'string' },
    'trace-id': { type: 'string', multiple: true },
    'trace-ids': { type: 'string' },
    datadog: { type: 'string', multiple: true },
    format: { type: 'string' },
    to: { type: 'string' },
    out: { type: 'string' },
    'agent-url': { type: 'string' },
    title: { type: 'string' },
    'id-mode': { type: 'string' },
    metadata: { type: 'boolean' },
    env: { type: 'string' },
  });
  if (values.help) {
    io.stdout.write(HELP.pull as string);
    return EXIT_OK;
  }
  if (positionals.length > 0)
    throw new UsageError(`pull takes no positional arguments (got ${positionals[0]})`);
  const target = targetOf(values);
  const settings = resolveMergerSettings(mergerEnvironment());
  const idMode = idModeOf(values, settings.traceIdMode);
  const format = stringOption(values, 'format') ?? 'xray';
  if (format !== 'xray' && format !== 'otel')
    throw new UsageError(`--format must be xray or otel, not ${format}`);
  const traceIds = await traceIdsOf(values, io);
  const explicitWindow = ['since', 'start', 'end'].some((name) => values[name] !== undefined);
  const window =
    (traceIds !== undefined && !explicitWindow ? windowOfTraceIds(traceIds) : undefined) ??
    windowOf(values, Date.now());
  const concurrencyText = stringOption(values, 'concurrency');
  const concurrency = concurrencyText === undefined ? settings.concurrency : Number(concurrencyText);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new UsageError(`--concurrency must be a whole number from 1 to 64, not ${concurrencyText}`);
  }
  const agentUrl = stringOption(values, 'agent-url') ?? settings.agentUrl;

  const collected: DatadogSpan[][] = [];
  const output = target === 'ndjson' ? openOutput(stringOption(values, 'out'), io) : undefined;
  const agentSink = target === 'agent' ? createAgentSink({ url: agentUrl }) : undefined;
  const sink: TraceSink =
    agentSink ??
    (output
      ? createNdjsonSink(output.stream)
      : {
          write: async (trace) => {
            collected.push([...trace]);
          },
          close: async () => {},
        });
  const progress = createProgressReporter(io.stderr);
  const filter = stringOption(values, 'filter');
  const region = stringOption(values, 'region');
  const endpoint = stringOption(values, 'endpoint');
  let summary: Awaited<ReturnType<typeof pullAccount>>;
  try {
    summary = await pullAccount(
      {
        window,
        ...(traceIds !== undefined ? { traceIds, windowFromIds: !explicitWindow } : {}),
        format: format === 'otel' ? 'OTEL' : 'XRAY',
        onNotice: (line) => io.stderr.write(`pull: ${line}\n`),
        onBatch: (batch) => {
          const line = describeBatch(batch);
          if (line !== undefined) io.stderr.write(`pull: ${line}\n`);
        },
        idMode,
        includeMetadata: values.metadata === true,
        ...envOf(values, settings),
        concurrency,
        onProgress: progress.update,
        ...(filter !== undefined ? { filterExpression: filter } : {}),
        ...(region !== undefined ? { region } : {}),
        ...(endpoint !== undefined ? { endpoint } : {}),
      },
      sink,
    );
  } finally {
    progress.done();
    await output?.close();
  }
  io.stderr.write(
    `pull: ${new Date(window.start).toISOString()} .. ${new Date(window.end).toISOString()}: ${summary.traces} traces, ` +
      `${summary.spans} spans; ${summary.skipped} documents skipped; ${summary.unprocessed.length} traces unprocessed` +
      `${summary.path === 'retrieval' ? `; ${summary.missing.length} trace ids not found` : ''}\n`,
  );
  for (const id of summary.missing.slice(0, 20)) io.stderr.write(`  not found ${id}\n`);
  reportSkipped(io, summary.skippedSamples);
  reportHybrid(io, 'pull', {
    invocations: summary.joinedInvocations,
    split: 0,
    malformed: summary.malformedMetadata,
    malformedSamples: summary.malformedSamples,
  });
  for (const id of summary.unprocessed.slice(0, 20)) io.stderr.write(`  unprocessed ${id}\n`);
  if (target === 'html') {
    const { traces } = joinSpans(collected.flat(), envOf(values, settings));
    io.stderr.write(`pull: ${await deliver(traces, 'html', values, agentUrl, io)}\n`);
  } else if (agentSink) {
    const sent = agentSink.sent();
    io.stderr.write(
      `pull: sent ${sent.spans} spans in ${sent.traces} traces to ${agentUrl} (${sent.requests} requests)\n`,
    );
  }
  return EXIT_OK;
}

/** Trace ids from --trace-id, --trace-ids and --datadog; undefined when none of them is given. */
async function traceIdsOf(values: Values, io: Io): Promise<string[] | undefined> {
  const given = listOption(values, 'trace-id');
  const file = stringOption(values, 'trace-ids');
  const datadogFiles = listOption(values, 'datadog');
  if (given.length === 0 && file === undefined && datadogFiles.length === 0) return undefined;
  const ids: string[] = [];
  for (const text of given) {
    const id = normalizeTraceId(text);
    if (id === undefined)
      throw new UsageError(`--trace-id must be an X-Ray (1-…-…) or W3C (32 hex) trace id, not ${text}`);
    ids.push(id);
  }
  if (file !== undefined) {
    const list = readTraceIdList(await readInput(file, io));
    for (const bad of list.invalid.slice(0, 20))
      io.stderr.write(`pull: ${file}:${bad.line}: not a trace id: ${bad.text}\n`);
    ids.push(...list.ids);
  }
  for (const path of datadogFiles) {
    const found = traceIdsOfDatadogSpans(readDatadogSpans(await readInput(path, io)).spans);
    io.stderr.write(
      `pull: ${path}: ${plural(found.ids.length, 'X-Ray trace id')} (${found.tagged} from aws.xray.trace_id tags, ` +
        `${found.reversed} from full128 trace ids)` +
        (found.unmapped > 0
          ? `; ${plural(found.unmapped, 'Datadog trace')} without either: a compat-mode trace id cannot be ` +
            'mapped back to X-Ray (it keeps only the last 63 bits)'
          : '') +
        '\n',
    );
    ids.push(...found.ids);
  }
  if (ids.length === 0) throw new UsageError('no trace ids in --trace-id, --trace-ids or --datadog');
  return [...new Set(ids)];
}

async function streamCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse('stream', args, {
    'id-mode': { type: 'string' },
    to: { type: 'string' },
    out: { type: 'string' },
    'agent-url': { type: 'string' },
    title: { type: 'string' },
  });
  if (values.help) {
    io.stdout.write(HELP.stream as string);
    return EXIT_OK;
  }
  const target = targetOf(values);
  const settings = resolveMergerSettings(mergerEnvironment());
  const idMode = idModeOf(values, settings.traceIdMode);
  const read: ReplayRecords = { payloads: [], unrecognised: [] };
  for (const file of positionals.length > 0 ? positionals : ['-']) {
    readReplayInput(await readBytes(file, io), file === '-' ? 'stdin' : file, read);
  }
  for (const line of read.unrecognised.slice(0, 20)) io.stderr.write(`  skipped ${line}\n`);
  const traces: DatadogSpan[][] = [];
  let joined = 0;
  let unjoined = 0;
  const handler = createStreamHandler({
    idMode,
    // Local: no Lambda state limit, the whole replay is held for the join.
    holdCapBytes: Number.POSITIVE_INFINITY,
    send: async (batch) => {
      traces.push(...batch);
    },
    warn: (line) => io.stderr.write(`  ${line.replace('[xray-dd-merge] stream: ', '')}\n`),
    onReport: (report) => {
      joined += report.joined;
      unjoined += report.releasedUnjoined;
    },
  });
  const [batch, final] = replayEvents(read.payloads);
  const { state } = await handler(batch);
  await handler(final(state));
  io.stderr.write(
    `stream: ${plural(read.payloads.length, 'payload')}, ${traces.reduce((n, t) => n + t.length, 0)} spans; ` +
      `${plural(joined, 'invocation')} joined an upstream trace; ${unjoined} span records without their trace's metadata\n`,
  );
  io.stderr.write(
    `stream: ${await deliver(traces, target, values, stringOption(values, 'agent-url') ?? settings.agentUrl, io)}\n`,
  );
  return EXIT_OK;
}

/** A file's bytes (stdin for '-'); a path that cannot be read is one line, as for the other inputs. */
async function readBytes(path: string, io: Io): Promise<Uint8Array> {
  const source = path === '-' ? (io.stdin as AsyncIterable<Buffer | string>) : await openInput(path);
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

const COMMANDS: Record<string, (args: string[], io: Io) => Promise<number>> = {
  stream: streamCommand,
  convert: convertCommand,
  merge: mergeCommand,
  pull: pullCommand,
};

async function main(argv: readonly string[], io: Io): Promise<number> {
  // `--debug` anywhere: stack traces for errors; every command takes it.
  const debug = argv.includes('--debug');
  const [command, ...rest] = argv.filter((arg) => arg !== '--debug');
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    (command === undefined ? io.stderr : io.stdout).write(MAIN_HELP);
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  // Own keys only: `constructor` or `__proto__` is an unknown command, not Object's.
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (run === undefined) {
    io.stderr.write(`xray-dd-merge: unknown command '${command}'\n\n${MAIN_HELP}`);
    return EXIT_USAGE;
  }
  try {
    return await run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`xray-dd-merge: ${error.message}\nRun 'xray-dd-merge ${command} --help' for usage.\n`);
      return EXIT_USAGE;
    }
    // An input error's message is the whole story, on one line.
    const description =
      error instanceof InputError ? error.message : `${describeError(error)}${hintFor(error)}`;
    io.stderr.write(`xray-dd-merge: error: ${description}\n`);
    if (debug && error instanceof Error && error.stack !== undefined) io.stderr.write(`${error.stack}\n`);
    return EXIT_FAILURE;
  }
}

/** The AWS SDK's configuration errors, with what to do about them. */
function hintFor(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (/Region is missing/i.test(message)) return ' (give --region or set AWS_REGION)';
  if (/Could not load credentials/i.test(message)) {
    return ' (set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where a role is available)';
  }
  return '';
}

// A closed pipe (`… | head`) is not a failure of ours.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT_OK);
});

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`xray-dd-merge: error: ${describeError(error)}\n`);
    process.exitCode = EXIT_FAILURE;
  },
);
