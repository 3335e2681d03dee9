// `npm run layer:publish`: the dry-run plan, and a real run of the AWS SDK against a loopback
// stand-in of the Lambda API, asserting on the HTTP requests it sent.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeZip } from '../../layer/zip.mjs';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'xddm-publish-'));
const zipDir = path.join(dir, 'out');
const home = path.join(dir, 'home');
const zips: Record<string, Buffer> = {};

before(() => {
  mkdirSync(zipDir, { recursive: true });
  mkdirSync(home, { recursive: true });
  for (const arch of ['x86_64', 'arm64']) {
    const pkg = (name: string, version: string) => ({
      name: `nodejs/node_modules/${name}/package.json`,
      data: Buffer.from(JSON.stringify({ name, version, license: 'Apache-2.0' })),
    });
    zips[arch] = writeZip([
      pkg('xray-dd-merge', '1.2.3'),
      pkg('dd-trace', '6.21.0'),
      { name: 'xray-dd-merge', data: Buffer.from(`#!/bin/sh\n# ${arch}\n`), mode: 0o755 },
    ]);
    writeFileSync(path.join(zipDir, `xray-dd-merge-${arch}.zip`), zips[arch]!);
  }
  zips.merger = writeZip([
    {
      name: 'nodejs/xray-dd-merge-merger/package.json',
      data: Buffer.from(
        JSON.stringify({ name: 'xray-dd-merge-merger', version: '1.2.3', license: 'Apache-2.0' }),
      ),
    },
    {
      name: 'nodejs/xray-dd-merge-merger/index.cjs',
      data: Buffer.from('exports.handler = async () => ({});\n'),
    },
  ]);
  writeFileSync(path.join(zipDir, 'xray-dd-merge-merger.zip'), zips.merger);
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Recorded {
  method: string;
  path: string;
  authorization: string;
  body: any;
}

/** A loopback Lambda API: PublishLayerVersion and AddLayerVersionPermission, versions counted per layer. */
async function startLambdaApi(): Promise<{ url: string; requests: Recorded[]; close(): Promise<void> }> {
  const requests: Recorded[] = [];
  const versions = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const authorization = String(req.headers.authorization ?? '');
      const region =
        /Credential=[^/]+\/\d{8}\/([^/]+)\/lambda\/aws4_request/.exec(authorization)?.[1] ?? 'unknown';
      const text = Buffer.concat(chunks).toString();
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        authorization,
        body: text ? JSON.parse(text) : undefined,
      });
      const publish = /^\/2018-10-31\/layers\/([^/]+)\/versions$/.exec(req.url ?? '');
      const policy = /^\/2018-10-31\/layers\/([^/]+)\/versions\/(\d+)\/policy$/.exec(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST' && publish) {
        const name = decodeURIComponent(publish[1]!);
        const key = `${region}/${name}`;
        const version = (versions.get(key) ?? 0) + 1;
        versions.set(key, version);
        const layerArn = `arn:aws:lambda:${region}:123456789012:layer:${name}`;
        res.writeHead(201);
        res.end(
          JSON.stringify({ LayerArn: layerArn, LayerVersionArn: `${layerArn}:${version}`, Version: version }),
        );
      } else if (req.method === 'POST' && policy) {
        res.writeHead(201);
        res.end(JSON.stringify({ Statement: '{}', RevisionId: 'rev-1' }));
      } else {
        res.writeHead(404);
        res.end('{"message":"not here"}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function publishLayer(
  args: string[],
  endpoint: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  // Fake credentials in the environment, the first link of the SDK's default chain; HOME points at an
  // empty directory so no real profile is read.
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_EC2_METADATA_DISABLED: 'true',
    XRAY_DD_MERGE_LAMBDA_ENDPOINT: endpoint,
  };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['scripts/publish-layer.ts', `--zip-dir=${zipDir}`, ...args], {
      cwd: ROOT,
      env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c;
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c;
    });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('layer:publish', () => {
  it('--dry-run prints the plan and sends nothing', async () => {
    const api = await startLambdaApi();
    try {
      const run = await publishLayer(['--regions=eu-west-1,us-east-1', '--public', '--dry-run'], api.url);
      assert.equal(run.status, 0, run.stderr);
      assert.equal(api.requests.length, 0);
      for (const region of ['eu-west-1', 'us-east-1']) {
        for (const arch of ['x86_64', 'arm64']) {
          assert.match(
            run.stdout,
            new RegExp(
              `${region}  xray-dd-merge-${arch}  xray-dd-merge-${arch}\\.zip \\d+ bytes sha256 [0-9a-f]{64}`,
            ),
          );
          assert.match(run.stdout, new RegExp(`architecture ${arch}; license Apache-2.0`));
        }
      }
      assert.match(run.stdout, /runtimes nodejs22\.x, nodejs24\.x/);
      assert.match(run.stdout, /xray-dd-merge 1\.2\.3 with dd-trace 6\.21\.0 \(arm64\)/);
      assert.match(run.stdout, /lambda:GetLayerVersion for everyone/);
    } finally {
      await api.close();
    }
  });

  it('publishes each region x architecture, shares with the accounts, prints the ARNs', async () => {
    const api = await startLambdaApi();
    try {
      const run = await publishLayer(
        ['--regions=eu-west-1,us-east-1', '--account=111122223333,444455556666'],
        api.url,
      );
      assert.equal(run.status, 0, run.stderr);
      const expectedOrder: string[] = [];
      for (const region of ['eu-west-1', 'us-east-1']) {
        for (const arch of ['x86_64', 'arm64']) {
          expectedOrder.push(
            `${region} POST /2018-10-31/layers/xray-dd-merge-${arch}/versions`,
            `${region} POST /2018-10-31/layers/xray-dd-merge-${arch}/versions/1/policy`,
            `${region} POST /2018-10-31/layers/xray-dd-merge-${arch}/versions/1/policy`,
          );
        }
      }
      const regionOf = (r: Recorded) => /\/\d{8}\/([^/]+)\/lambda\//.exec(r.authorization)?.[1];
      assert.deepEqual(
        api.requests.map((r) => `${regionOf(r)} ${r.method} ${r.path}`),
        expectedOrder,
      );
      for (const r of api.requests) {
        assert.match(
          r.authorization,
          /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/[a-z0-9-]+\/lambda\/aws4_request/,
        );
      }
      const publishes = api.requests.filter((r) => r.path.endsWith('/versions'));
      for (const p of publishes) {
        const arch = p.path.includes('arm64') ? 'arm64' : 'x86_64';
        assert.deepEqual(p.body.CompatibleRuntimes, ['nodejs22.x', 'nodejs24.x']);
        assert.deepEqual(p.body.CompatibleArchitectures, [arch]);
        assert.equal(p.body.LicenseInfo, 'Apache-2.0');
        assert.match(
          p.body.Description,
          new RegExp(`^xray-dd-merge 1\\.2\\.3 with dd-trace 6\\.21\\.0 \\(${arch}\\)`),
        );
        assert.ok(Buffer.from(p.body.Content.ZipFile, 'base64').equals(zips[arch]!), `${arch} zip bytes`);
      }
      const policies = api.requests.filter((r) => r.path.endsWith('/policy'));
      assert.deepEqual(
        [...new Set(policies.map((p) => JSON.stringify(p.body)))].sort(),
        [
          {
            StatementId: 'account-111122223333',
            Action: 'lambda:GetLayerVersion',
            Principal: '111122223333',
          },
          {
            StatementId: 'account-444455556666',
            Action: 'lambda:GetLayerVersion',
            Principal: '444455556666',
          },
        ]
          .map((b) => JSON.stringify(b))
          .sort(),
      );
      for (const region of ['eu-west-1', 'us-east-1']) {
        for (const arch of ['x86_64', 'arm64']) {
          assert.ok(
            run.stdout.includes(`arn:aws:lambda:${region}:123456789012:layer:xray-dd-merge-${arch}:1`),
            run.stdout,
          );
        }
      }
    } finally {
      await api.close();
    }
  });

  it('--merger publishes the merger layer once per region, for both architectures', async () => {
    const api = await startLambdaApi();
    try {
      const run = await publishLayer(['--regions=eu-west-1,us-east-1', '--merger', '--public'], api.url);
      assert.equal(run.status, 0, run.stderr);
      const regionOf = (r: Recorded) => /\/\d{8}\/([^/]+)\/lambda\//.exec(r.authorization)?.[1];
      assert.deepEqual(
        api.requests.map((r) => `${regionOf(r)} ${r.method} ${r.path}`),
        ['eu-west-1', 'us-east-1'].flatMap((region) => [
          `${region} POST /2018-10-31/layers/xray-dd-merge-merger/versions`,
          `${region} POST /2018-10-31/layers/xray-dd-merge-merger/versions/1/policy`,
        ]),
      );
      for (const p of api.requests.filter((r) => r.path.endsWith('/versions'))) {
        assert.deepEqual(p.body.CompatibleArchitectures, ['x86_64', 'arm64']);
        assert.match(p.body.Description, /^xray-dd-merge 1\.2\.3 merger \(any architecture\)/);
        assert.ok(Buffer.from(p.body.Content.ZipFile, 'base64').equals(zips.merger!), 'merger zip bytes');
      }
      assert.ok(
        run.stdout.includes('arn:aws:lambda:us-east-1:123456789012:layer:xray-dd-merge-merger:1'),
        run.stdout,
      );
    } finally {
      await api.close();
    }
  });

  it('refuses to run without regions, and without a built zip', async () => {
    const none = await publishLayer(['--dry-run'], 'http://127.0.0.1:9');
    assert.equal(none.status, 1);
    assert.match(none.stderr, /--regions is required/);
    const missing = await publishLayer(
      ['--regions=eu-west-1', `--zip-dir=${path.join(dir, 'nowhere')}`],
      'http://127.0.0.1:9',
    );
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /run npm run layer:build first/);
  });
});
