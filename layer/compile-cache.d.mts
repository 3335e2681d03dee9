import type { ZipInput } from './zip.mjs';

/** Where the runtime looks for the shipped cache, inside the package. */
export const CACHE_DIR: string;
/** The command that runs `argv` with `layerDir` mounted on /opt (private mount namespace): `[command, args]`. */
export function withLayerOnOpt(layerDir: string, argv: readonly string[]): [string, string[]];
/** Whether this machine lets a process mount a directory on /opt in a private mount namespace. */
export function canMountOnOpt(): boolean;
/** Writes zip entries under `dir`, as unzip would. */
export function stage(entries: readonly ZipInput[], dir: string): void;
/** Zip entries holding a compile cache made under each Node in `nodes`, and a note per Node that made none. */
export function compileCacheEntries(options: {
  entries: readonly ZipInput[];
  nodes: readonly string[];
  packageName: string;
}): { entries: ZipInput[]; notes: string[] };
