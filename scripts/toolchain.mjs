// The Node versions the project is tested on, taken from the npm `node` package (aliases node22 and
// node24 in devDependencies), never from the machine.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const NODE_MAJORS = ['22', '24'];

export function nodeBinary(major) {
  const bin = path.join(root, 'node_modules', `node${major}`, 'bin', 'node');
  if (!existsSync(bin)) throw new Error(`Node ${major} is missing at ${bin}: run npm ci`);
  return bin;
}
