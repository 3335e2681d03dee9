/**
 * Which Lambda runtime client the demo runs the function under: the real one (aws-lambda-ric with
 * its native client, built by `npm ci` where the build tools are), else the same aws-lambda-ric with
 * the project's JS Runtime API client in place of its native part, announced in one line saying why
 * and what to install for the real one.
 */

import path from 'node:path';
import {
  ROOT,
  type RuntimeClient,
  runtimeClient,
  runtimeClientInJavaScript,
} from '../../test/layer/harness.ts';
import { aptCommand, missingTools, nativeReady } from '../runtime-clients.mjs';

export interface ChosenClient {
  readonly client: RuntimeClient;
  /** What the demo uses instead of the real client, and why; absent when it is the real client. */
  readonly instead?: string;
}

export function chooseRuntimeClient(major: 22 | 24): ChosenClient {
  const node = path.join(ROOT, 'node_modules', `node${major}`, 'bin', 'node');
  if (nativeReady(String(major), node)) return { client: runtimeClient(major) };
  const client = runtimeClientInJavaScript(major);
  const missing = missingTools(String(major));
  const why =
    missing.length > 0
      ? `its native client was not built: no ${missing.map((t) => t.command).join(', ')} here (${aptCommand(missing)}, then node scripts/prepare.mjs)`
      : 'its native client is not built (run node scripts/prepare.mjs)';
  return {
    client,
    instead: `aws-lambda-ric ${client.ricVersion} with the project's JS Runtime API client in place of its native one: ${why}`,
  };
}
