// The merger's input bench: `xray-dd-merge convert` (the built CLI) on generated files of 50 MB and
// 500 MB, as NDJSON (one segment document per line) and as a BatchGetTraces response (the AWS CLI's
// JSON), each in a fresh process: throughput and peak RSS. Files are written once, untimed, to a
// temporary folder and removed after.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lambdaTrace, SEGMENTS_PER_TRACE } from './lambda-traces.mjs';
import { root } from './measure.ts';

export type InputFormat = 'ndjson' | 'batch-get-traces';

export interface ConvertInputResult {
  readonly format: InputFormat;
  readonly inputMb: number;
  readonly segments: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly mbPerCpuSecond: number;
  readonly segmentsPerCpuSecond: number;
  readonly peakRssMb: number;
}

const CLI = path.join(root, 'dist/cli.js');
const PROBE = path.join(root, 'scripts/bench/rss-probe.mjs');
const MB = 1024 * 1024;

export function convertInputAvailable(): boolean {
  return existsSync(CLI);
}

/** Writes generated Lambda traces until the file reaches `megabytes`; returns the segments written. */
async function writeInput(file: string, format: InputFormat, megabytes: number): Promise<number> {
  const out = createWriteStream(file);
  const write = (text: string) =>
    out.write(text) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve()));
  let bytes = 0;
  let traces = 0;
  if (format === 'batch-get-traces') await write('{\n    "Traces": [\n');
  while (bytes < megabytes * MB) {
    const trace = lambdaTrace(traces);
    let text: string;
    if (format === 'ndjson')
      text = `${trace.Segments.map((segment: { Document: string }) => segment.Document).join('\n')}\n`;
    else text = `${traces > 0 ? ',\n' : ''}        ${JSON.stringify(trace)}`;
    await write(text);
    bytes += Buffer.byteLength(text);
    traces += 1;
  }
  if (format === 'batch-get-traces') await write('\n    ],\n    "UnprocessedTraceIds": []\n}\n');
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return traces * SEGMENTS_PER_TRACE;
}

interface Probe {
  wallMs: number;
  cpuMs: number;
  peakRssMb: number;
}

function runConvert(node: string, file: string): Promise<Probe> {
  return runCli(node, ['convert', file, '--out', '/dev/null']);
}

function runCli(node: string, args: readonly string[]): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, ['--import', PROBE, CLI, ...args], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '' },
    });
    let stderr = '';
    let probe = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
      probe += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${args[0]} exited ${code}: ${stderr.slice(0, 500)}`));
      else resolve(JSON.parse(probe));
    });
  });
}

export async function measureConvertInput(
  node: string,
  sizesMb: readonly number[],
  formats: readonly InputFormat[] = ['ndjson', 'batch-get-traces'],
): Promise<ConvertInputResult[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xdm-input-bench-'));
  const results: ConvertInputResult[] = [];
  try {
    for (const format of formats) {
      for (const megabytes of sizesMb) {
        const file = path.join(dir, `input-${megabytes}.${format === 'ndjson' ? 'ndjson' : 'json'}`);
        const segments = await writeInput(file, format, megabytes);
        const inputMb = statSync(file).size / MB;
        const run = await runConvert(node, file);
        rmSync(file);
        results.push({
          format,
          inputMb,
          segments,
          ...run,
          mbPerCpuSecond: inputMb / (run.cpuMs / 1000),
          segmentsPerCpuSecond: segments / (run.cpuMs / 1000),
        });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

export function convertInputReport(results: readonly ConvertInputResult[]): string[] {
  const lines = ['Convert input (built CLI, one fresh process each, output to /dev/null):'];
  for (const r of results) {
    lines.push(
      `  ${r.format.padEnd(16)} ${r.inputMb.toFixed(0).padStart(4)} MB  ${r.segments.toLocaleString('en').padStart(10)} segments` +
        `  ${(r.cpuMs / 1000).toFixed(1).padStart(6)} s CPU  ${r.mbPerCpuSecond.toFixed(1).padStart(6)} MB/s` +
        `  ${Math.round(r.segmentsPerCpuSecond).toLocaleString('en').padStart(9)} segments/s  peak RSS ${r.peakRssMb.toFixed(0)} MB`,
    );
  }
  return lines;
}

export interface HtmlResult {
  readonly traces: number;
  readonly spans: number;
  readonly htmlMb: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly peakRssMb: number;
}

/** `merge --to html` of `traces` generated Lambda traces (a BatchGetTraces file): page size, time, peak RSS. */
export async function measureHtml(node: string, traces: number): Promise<HtmlResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xdm-html-bench-'));
  try {
    const input = path.join(dir, 'traces.json');
    const out = createWriteStream(input);
    out.write('{"Traces":[');
    for (let i = 0; i < traces; i += 1) out.write(`${i > 0 ? ',' : ''}${JSON.stringify(lambdaTrace(i))}`);
    out.write(']}');
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    const html = path.join(dir, 'traces.html');
    const run = await runCli(node, ['merge', '--xray', input, '--to', 'html', '--out', html]);
    return { traces, spans: traces * SEGMENTS_PER_TRACE, htmlMb: statSync(html).size / MB, ...run };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function htmlReport(result: HtmlResult): string {
  return (
    `HTML flame graph (built CLI, merge --to html): ${result.traces.toLocaleString('en')} traces, ${result.spans.toLocaleString('en')} spans:` +
    ` ${result.htmlMb.toFixed(1)} MB page, ${(result.wallMs / 1000).toFixed(1)} s, ${(result.cpuMs / 1000).toFixed(1)} s CPU, peak RSS ${result.peakRssMb.toFixed(0)} MB`
  );
}
