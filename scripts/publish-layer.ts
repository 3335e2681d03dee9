/**
 * Publishes the built layer zips (`npm run layer:build`) as Lambda layer versions: one
 * `PublishLayerVersion` per region and architecture, optionally shared with `AddLayerVersionPermission`,
 * and prints the layer version ARNs users attach.
 *
 *   npm run layer:publish -- --regions=eu-west-1,us-east-1 --dry-run
 *   npm run layer:publish -- --regions=eu-west-1 --arch=arm64 --account=123456789012
 *   npm run layer:publish -- --regions=eu-west-1,us-east-1 --public
 *   npm run layer:publish -- --regions=eu-west-1 --merger --public   # the merger's layer, any architecture
 *
 * Credentials come only from the AWS SDK's default chain (environment, shared config/SSO, instance
 * or container roles); the script takes none. XRAY_DD_MERGE_LAMBDA_ENDPOINT points the client at
 * another endpoint and exists for tests against a loopback stand-in.
 */

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AddLayerVersionPermissionCommand,
  LambdaClient,
  PublishLayerVersionCommand,
  type Runtime,
} from '@aws-sdk/client-lambda';
import { readZip } from '../layer/zip.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ARCHITECTURES = ['x86_64', 'arm64'] as const;
type Architecture = (typeof ARCHITECTURES)[number];
export const COMPATIBLE_RUNTIMES: Runtime[] = ['nodejs22.x', 'nodejs24.x'];
const ENDPOINT_FOR_TESTS = 'XRAY_DD_MERGE_LAMBDA_ENDPOINT';

export interface PublishOptions {
  regions: string[];
  archs: Architecture[];
  zipDir: string;
  layerName: string;
  share: { kind: 'none' } | { kind: 'public' } | { kind: 'accounts'; accounts: string[] };
  dryRun: boolean;
  /** Publish the merger's layer (`<layer-name>-merger`, any architecture) instead of the runtime layer. */
  merger: boolean;
}

const USAGE =
  'usage: npm run layer:publish -- --regions=eu-west-1[,…] [--arch=x86_64,arm64] [--zip-dir=layer/out] ' +
  '[--layer-name=xray-dd-merge] [--merger] [--public | --account=123456789012[,…]] [--dry-run]';

export function parseArgs(argv: string[]): PublishOptions {
  const options: PublishOptions = {
    regions: [],
    archs: [...ARCHITECTURES],
    zipDir: path.join(ROOT, 'layer', 'out'),
    layerName: 'xray-dd-merge',
    share: { kind: 'none' },
    dryRun: false,
    merger: false,
  };
  const list = (value: string | undefined) =>
    (value ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  for (const arg of argv) {
    const [key, value] = arg.split(/=(.*)/s) as [string, string | undefined];
    if (key === '--regions' || key === '--region') options.regions = list(value);
    else if (key === '--arch') options.archs = list(value) as Architecture[];
    else if (key === '--zip-dir') options.zipDir = path.resolve(value ?? '');
    else if (key === '--layer-name') options.layerName = value ?? '';
    else if (key === '--dry-run') options.dryRun = true;
    else if (key === '--merger') options.merger = true;
    else if (key === '--public') options.share = { kind: 'public' };
    else if (key === '--account') options.share = { kind: 'accounts', accounts: list(value) };
    else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  if (options.regions.length === 0) throw new Error(`--regions is required\n${USAGE}`);
  for (const region of options.regions) {
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new Error(`not a region: ${region}`);
  }
  for (const arch of options.archs) {
    if (!ARCHITECTURES.includes(arch))
      throw new Error(`unknown architecture ${arch}: use ${ARCHITECTURES.join(', ')}`);
  }
  if (options.share.kind === 'accounts') {
    if (options.share.accounts.length === 0) throw new Error('--account needs one or more account ids');
    for (const account of options.share.accounts) {
      if (!/^\d{12}$/.test(account)) throw new Error(`not an AWS account id: ${account}`);
    }
  }
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(options.layerName))
    throw new Error(`not a layer name: ${options.layerName}`);
  return options;
}

/** One zip to publish, with what it says about itself. */
export interface LayerZip {
  /** `any` for the merger's layer: plain JavaScript. */
  arch: Architecture | 'any';
  file: string;
  bytes: Buffer;
  sha256: string;
  version: string;
  /** The runtime layer's dd-trace; the merger's layer has none. */
  ddTraceVersion?: string;
  license: string;
}

function versionIn(entries: ReturnType<typeof readZip>, pkg: string): { version: string; license?: string } {
  const entry = entries.find((e) => e.name === `nodejs/node_modules/${pkg}/package.json`);
  if (!entry) throw new Error(`the zip has no ${pkg}`);
  return JSON.parse(entry.data.toString());
}

/** Reads a built zip; the versions in the description come from the zip itself, not from node_modules. */
export function readLayerZip(zipDir: string, arch: Architecture): LayerZip {
  const file = path.join(zipDir, `xray-dd-merge-${arch}.zip`);
  if (!existsSync(file)) throw new Error(`${file} does not exist: run npm run layer:build first`);
  const bytes = readFileSync(file);
  const entries = readZip(bytes);
  const own = versionIn(entries, 'xray-dd-merge');
  return {
    arch,
    file,
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    version: own.version,
    ddTraceVersion: versionIn(entries, 'dd-trace').version,
    license: own.license ?? 'Apache-2.0',
  };
}

/** Reads the merger's layer zip (layer/merger-artifacts.mjs); its version from its package.json. */
export function readMergerZip(zipDir: string): LayerZip {
  const file = path.join(zipDir, 'xray-dd-merge-merger.zip');
  if (!existsSync(file)) throw new Error(`${file} does not exist: run npm run layer:build first`);
  const bytes = readFileSync(file);
  const entry = readZip(bytes).find((e) => e.name === 'nodejs/xray-dd-merge-merger/package.json');
  if (!entry) throw new Error(`${file} has no nodejs/xray-dd-merge-merger/package.json`);
  const own = JSON.parse(entry.data.toString()) as { version: string; license?: string };
  return {
    arch: 'any',
    file,
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    version: own.version,
    license: own.license ?? 'Apache-2.0',
  };
}

export interface PlannedVersion {
  region: string;
  layerName: string;
  zip: LayerZip;
  description: string;
  permissions: Array<{ statementId: string; principal: string }>;
}

export function plan(options: PublishOptions, zips: LayerZip[]): PlannedVersion[] {
  const permissions =
    options.share.kind === 'public'
      ? [{ statementId: 'public', principal: '*' }]
      : options.share.kind === 'accounts'
        ? options.share.accounts.map((account) => ({ statementId: `account-${account}`, principal: account }))
        : [];
  return options.regions.flatMap((region) =>
    zips.map((zip) => ({
      region,
      layerName: `${options.layerName}-${zip.arch === 'any' ? 'merger' : zip.arch}`,
      zip,
      description:
        zip.arch === 'any'
          ? `xray-dd-merge ${zip.version} merger (any architecture): X-Ray traces to Datadog spans on a schedule. ` +
            `sha256 ${zip.sha256.slice(0, 12)}`
          : `xray-dd-merge ${zip.version} with dd-trace ${zip.ddTraceVersion} (${zip.arch}): ` +
            `X-Ray and Datadog APM as one trace. sha256 ${zip.sha256.slice(0, 12)}`,
      permissions,
    })),
  );
}

export function describePlan(planned: PlannedVersion[]): string {
  const lines = ['Plan (dry run: nothing is published):'];
  for (const p of planned) {
    lines.push(
      `  ${p.region}  ${p.layerName}  ${path.basename(p.zip.file)} ${p.zip.bytes.length} bytes sha256 ${p.zip.sha256}`,
      `    runtimes ${COMPATIBLE_RUNTIMES.join(', ')}; architecture ${architecturesOf(p.zip).join(', ')}; license ${p.zip.license}`,
      `    description "${p.description}"`,
      p.permissions.length === 0
        ? '    not shared'
        : `    lambda:GetLayerVersion for ${p.permissions.map((x) => (x.principal === '*' ? 'everyone' : x.principal)).join(', ')}`,
    );
  }
  return lines.join('\n');
}

function architecturesOf(zip: LayerZip): Architecture[] {
  return zip.arch === 'any' ? [...ARCHITECTURES] : [zip.arch];
}

/** Publishes each planned version; returns the layer version ARNs in plan order. */
export async function publish(planned: PlannedVersion[], endpoint?: string): Promise<string[]> {
  const clients = new Map<string, LambdaClient>();
  const arns: string[] = [];
  for (const p of planned) {
    let client = clients.get(p.region);
    if (!client) {
      client = new LambdaClient({ region: p.region, ...(endpoint ? { endpoint } : {}) });
      clients.set(p.region, client);
    }
    const published = await client.send(
      new PublishLayerVersionCommand({
        LayerName: p.layerName,
        Description: p.description,
        Content: { ZipFile: p.zip.bytes },
        CompatibleRuntimes: COMPATIBLE_RUNTIMES,
        CompatibleArchitectures: architecturesOf(p.zip),
        LicenseInfo: p.zip.license,
      }),
    );
    if (!published.LayerVersionArn || published.Version === undefined) {
      throw new Error(`${p.region} ${p.layerName}: the response has no layer version ARN`);
    }
    for (const permission of p.permissions) {
      await client.send(
        new AddLayerVersionPermissionCommand({
          LayerName: p.layerName,
          VersionNumber: published.Version,
          StatementId: permission.statementId,
          Action: 'lambda:GetLayerVersion',
          Principal: permission.principal,
        }),
      );
    }
    console.log(`published ${published.LayerVersionArn}`);
    arns.push(published.LayerVersionArn);
  }
  for (const client of clients.values()) client.destroy();
  return arns;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const zips = options.merger
    ? [readMergerZip(options.zipDir)]
    : options.archs.map((arch) => readLayerZip(options.zipDir, arch));
  const planned = plan(options, zips);
  if (options.dryRun) {
    console.log(describePlan(planned));
    return;
  }
  const arns = await publish(planned, process.env[ENDPOINT_FOR_TESTS] || undefined);
  console.log(`\nLayer version ARNs:\n${arns.join('\n')}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
