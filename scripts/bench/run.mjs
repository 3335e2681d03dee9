// `npm run bench` entry. The bench itself is TypeScript run by Node 22's type stripping; when npm
// starts it with an older Node (the machine's), it re-runs itself under the project's Node 22.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const major = Number(process.versions.node.split('.')[0]);
if (major >= 22) {
  await import('./main.ts');
} else {
  const node22 = path.resolve(here, '../../node_modules/node22/bin/node');
  const run = spawnSync(node22, [path.join(here, 'main.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exitCode = run.status ?? 1;
}
