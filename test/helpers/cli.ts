/**
 * The CLI as users run it, for tests: a real child process (Node 22's type stripping runs
 * src/cli.ts) in the repo root, with a bare environment (no instance metadata, no shared AWS
 * config), so only what the test passes in `env` reaches the AWS SDK's default chains.
 *
 * @example
 * const run = await runCli(['pull', '--since', '1h', '--endpoint', api.url], { env: AWS_TEST_ENV });
 * assert.equal(run.code, 0, run.stderr);
 */

import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const root = fileURLToPath(new URL('../../', import.meta.url));
const node = path.join(root, 'node_modules/node22/bin/node');

/** Static credentials and a region, for commands that talk to the X-Ray API stand-in. */
export const AWS_TEST_ENV: Readonly<Record<string, string>> = {
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_REGION: 'eu-west-1',
};

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `xray-dd-merge ...args` to its end; `stdin` is written and closed (empty when absent). */
export function runCli(
  args: readonly string[],
  options: { stdin?: string; env?: Readonly<Record<string, string>> } = {},
): Promise<CliRun> {
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
