import type { ZipInput } from './zip.mjs';

export type Architecture = 'x86_64' | 'arm64';
export const ROOT: string;
export const ARCHITECTURES: readonly Architecture[];
export const MIB: number;
export const DEFAULT_BUDGET: number;
export const NATIVE_BUDGET: number;
export const WRAPPER_NAME: string;
export const PACKAGE_FILES: readonly string[];

export interface ClosurePackage {
  name: string;
  version: string;
  license: string;
  dir: string;
  relDir: string;
  dependsOn: string[];
  optional: boolean;
}

export interface BuildOptions {
  root?: string;
  outDir?: string;
  archs?: readonly Architecture[];
  native?: boolean | string[];
  budget?: number;
  warn?: (message: string) => void;
  /** Add a V8 compile cache to the zip of this machine's architecture (see compile-cache.mjs). */
  compileCache?: boolean;
  /** The Node binaries to make the cache with (default: the node22 and node24 devDependencies). */
  cacheNodes?: string[];
}

export interface BuildResult {
  arch: Architecture;
  zipPath: string;
  sbomPath: string;
  size: number;
  unzipped: number;
  files: number;
  sha256: string;
  budget: number;
  overBudget: boolean;
  packages: string[];
  /** Node builds the zip carries a compile cache for, e.g. `v22.23.3-x64-9ac5647c`. */
  compileCaches: string[];
  /** Why a compile cache was not made, per Node or architecture. */
  cacheNotes: string[];
}

export function dependencyClosure(options: {
  root?: string;
  arch: Architecture;
  native?: boolean | string[];
  warn?: (message: string) => void;
}): ClosurePackage[];
export function layerPackageJson(pkg: Record<string, unknown>): string;
export function layerContents(options: {
  root?: string;
  arch: Architecture;
  native?: boolean | string[];
  warn?: (message: string) => void;
}): { entries: ZipInput[]; closure: ClosurePackage[]; pkg: Record<string, unknown> };
export function sbom(options: {
  pkg: Record<string, unknown>;
  closure: ClosurePackage[];
  arch: Architecture;
  zipSha256: string;
}): string;
export function buildLayer(options?: BuildOptions): BuildResult[];
