// Builds the Lambda layer: one zip per architecture, laid out as Lambda expects for Node.js
// (`nodejs/node_modules/...`), holding this package's runtime files and dd-trace with its production
// dependency closure, plus the exec wrapper at the zip root (`/opt/xray-dd-merge`). A CycloneDX SBOM
// is written beside each zip. Fails when a zip is over the size budget.
//
//   npm run layer:build                      # builds the package, then layer/out/xray-dd-merge-{x86_64,arm64}.zip
//   node layer/build.mjs --no-package-build --arch=arm64 --out=/tmp/layer
//   node layer/build.mjs --with-native=@datadog/native-metrics --budget-mib=9
//   node layer/build.mjs --no-merger          # without the merger's layer zip and CloudFormation template
//
// What goes in: the closure is read from node_modules (package.json `dependencies`, resolved the
// way Node resolves them); optionalDependencies (dd-trace's native add-ons) only with --with-native,
// and then only builds for linux/glibc and the zip's architecture. @aws-sdk/* is left out (the
// Lambda Node.js runtime ships AWS SDK v3); zod is bundled into dist already. Left out of every
// package: nested node_modules, TypeScript sources and declarations, source maps, markdown other
// than licences, and test/example directories.
//
// Deterministic: the same node_modules and dist give the same bytes (see zip.mjs). The deflate
// output comes from the zlib of the Node that runs the build, so build with one Node version.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileCacheEntries } from './compile-cache.mjs';
import { buildMergerArtifacts } from './merger-artifacts.mjs';
import { withDirectories, writeZip } from './zip.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ARCHITECTURES = /** @type {const} */ (['x86_64', 'arm64']);
export const MIB = 1024 * 1024;
/** Zipped bytes per architecture; Datadog's own layer gate is 9 MiB. */
export const DEFAULT_BUDGET = 4 * MIB;
export const NATIVE_BUDGET = 9 * MIB;
export const WRAPPER_NAME = 'xray-dd-merge';

/** Node's name for each Lambda architecture. */
const NODE_ARCH = { x86_64: 'x64', arm64: 'arm64' };

/** This package's files in the layer: what the runtime loads, and nothing for the merger or CLI. */
export const PACKAGE_FILES = [
  'LICENSE',
  'dist/config-schema.cjs',
  'dist/handler.cjs',
  'dist/index.cjs',
  'dist/index.js',
  'handler.cjs',
  'handler.mjs',
];

/** Dependencies the Lambda runtime provides or the package bundles. */
function providedElsewhere(name) {
  return name.startsWith('@aws-sdk/') || name === 'zod';
}

const SKIPPED_DIRECTORIES = new Set([
  'node_modules',
  'test',
  'tests',
  '__tests__',
  '__mocks__',
  'example',
  'examples',
  'coverage',
  '.github',
  '.vscode',
]);

/** Files no running function needs: typings, TypeScript sources, source maps, docs other than licences. */
function isSkippedFile(name) {
  if (/\.(d\.)?[cm]?ts$/.test(name) || name.endsWith('.map') || name.endsWith('.tsbuildinfo')) return true;
  if (/\.(test|spec)\.[cm]?js$/.test(name)) return true;
  if (/\.(md|markdown)$/i.test(name)) return !/^(licen[cs]e|notice|copying)/i.test(name);
  return /^\.(npmignore|eslintrc.*|prettierrc.*|editorconfig|travis\.yml|gitattributes|nycrc.*)$/.test(name);
}

const PREBUILD_DIR =
  /^(linux|linuxglibc|linuxmusl|darwin|win32|freebsd|android|openbsd|sunos)-(x64|arm64|arm|ia32|ppc64|s390x)$/;

/** A native prebuild directory for another platform or architecture than the zip's. */
function isForeignPrebuild(name, arch) {
  const match = PREBUILD_DIR.exec(name);
  if (!match) return false;
  return !(['linux', 'linuxglibc'].includes(match[1]) && match[2] === NODE_ARCH[arch]);
}

/** A per-platform package (`@scope/binding-darwin-arm64`, `…-linux-x64-musl`) that is not for this zip. */
function isOtherPlatformPackage(name, arch) {
  if (!/(darwin|win32|android|freebsd|openbsd|sunos|openharmony|wasm32|linux)-/.test(name)) return false;
  return !name.includes(`linux-${NODE_ARCH[arch]}`) || /musl/.test(name);
}

/** Whether a package's `os`/`cpu`/`libc` fields allow Lambda's linux/glibc on `arch`. */
function fitsLambda(pkg, arch) {
  const allows = (list, value) =>
    !Array.isArray(list) ||
    list.length === 0 ||
    (!list.includes(`!${value}`) && (list.includes(value) || list.every((v) => v.startsWith('!'))));
  return allows(pkg.os, 'linux') && allows(pkg.cpu, NODE_ARCH[arch]) && allows(pkg.libc, 'glibc');
}

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Finds `name` from `fromDir` the way Node does: `node_modules/name` in each ancestor up to `root`. */
function resolvePackage(name, fromDir, root) {
  let dir = fromDir;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === root || dir === path.dirname(dir)) return undefined;
    dir = path.dirname(dir);
  }
}

/**
 * @typedef {{ name: string, version: string, license: string, dir: string, relDir: string,
 *   dependsOn: string[], optional: boolean }} ClosurePackage
 */

/**
 * The packages the layer carries besides this one: dd-trace and everything it needs at run time.
 * @param {{ root?: string, arch: 'x86_64' | 'arm64', native?: boolean | string[], warn?: (m: string) => void }} options
 * @returns {ClosurePackage[]} sorted by install path
 */
export function dependencyClosure({ root = ROOT, arch, native = false, warn = () => {} }) {
  const nodeModules = path.join(root, 'node_modules');
  /** @type {Map<string, ClosurePackage>} */
  const found = new Map();
  const queue = [{ name: 'dd-trace', from: root, optional: false, parent: undefined }];
  const nativeWanted = (name) => native === true || (Array.isArray(native) && native.includes(name));
  while (queue.length > 0) {
    const { name, from, optional, parent } = /** @type {NonNullable<ReturnType<typeof queue.shift>>} */ (
      queue.shift()
    );
    const dir = resolvePackage(name, from, root);
    if (!dir) {
      if (optional) {
        if (isOtherPlatformPackage(name, arch)) continue;
        warn(`${name} (optional, wanted by ${parent}) is not installed: the ${arch} layer goes without it`);
        continue;
      }
      throw new Error(`${name}${parent ? ` (needed by ${parent})` : ''} is not installed: run npm ci`);
    }
    const relDir = path.relative(nodeModules, dir).split(path.sep).join('/');
    if (found.has(relDir)) continue;
    const pkg = readJson(path.join(dir, 'package.json'));
    if (!fitsLambda(pkg, arch)) continue;
    const deps = Object.keys(pkg.dependencies ?? {}).filter((d) => !providedElsewhere(d));
    const optionals = native
      ? Object.keys(pkg.optionalDependencies ?? {}).filter(
          (d) => !providedElsewhere(d) && (name !== 'dd-trace' || nativeWanted(d)),
        )
      : [];
    const license = typeof pkg.license === 'string' ? pkg.license : (pkg.license?.type ?? 'NOASSERTION');
    found.set(relDir, {
      name: pkg.name,
      version: pkg.version,
      license,
      dir: realpathSync(dir),
      relDir,
      dependsOn: [...deps, ...optionals.filter((d) => resolvePackage(d, dir, root))].sort(),
      optional,
    });
    for (const dep of deps) queue.push({ name: dep, from: dir, optional: false, parent: pkg.name });
    for (const dep of optionals) {
      if (Object.hasOwn(pkg.dependencies ?? {}, dep)) continue;
      queue.push({ name: dep, from: dir, optional: true, parent: pkg.name });
    }
  }
  return [...found.values()].sort((a, b) => (a.relDir < b.relDir ? -1 : a.relDir > b.relDir ? 1 : 0));
}

/** Every file of a package directory that a running function may need, as relative paths, sorted. */
function packageFiles(dir, arch) {
  const files = [];
  const walk = (abs, rel) => {
    for (const entry of readdirSync(abs, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const childAbs = path.join(abs, entry.name);
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      const stat = entry.isSymbolicLink() ? statSync(childAbs) : entry;
      if (stat.isDirectory()) {
        if (SKIPPED_DIRECTORIES.has(entry.name) || isForeignPrebuild(entry.name, arch)) continue;
        walk(childAbs, childRel);
      } else if (stat.isFile() && !isSkippedFile(entry.name)) {
        files.push(childRel);
      }
    }
  };
  walk(dir, '');
  return files;
}

/** The layer's package.json for this package: what resolution needs, without dev and build fields. */
export function layerPackageJson(pkg) {
  return `${JSON.stringify(
    {
      name: pkg.name,
      version: pkg.version,
      description: pkg.description,
      license: pkg.license,
      type: pkg.type,
      main: './dist/index.cjs',
      module: './dist/index.js',
      exports: {
        '.': { import: './dist/index.js', require: './dist/index.cjs' },
        './handler': { import: './handler.mjs', require: './handler.cjs' },
        './package.json': './package.json',
      },
      peerDependencies: pkg.peerDependencies,
    },
    null,
    2,
  )}\n`;
}

/**
 * Everything in one architecture's zip.
 * @returns {{ entries: import('./zip.mjs').ZipInput[], closure: ClosurePackage[], pkg: any }}
 */
export function layerContents({ root = ROOT, arch, native = false, warn = () => {} }) {
  const pkg = readJson(path.join(root, 'package.json'));
  const entries = [];
  const missing = PACKAGE_FILES.filter((f) => !existsSync(path.join(root, f)));
  if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}: run npm run build first`);
  const own = `nodejs/node_modules/${pkg.name}`;
  entries.push({ name: `${own}/package.json`, data: Buffer.from(layerPackageJson(pkg)) });
  for (const file of PACKAGE_FILES)
    entries.push({ name: `${own}/${file}`, data: readFileSync(path.join(root, file)) });
  const closure = dependencyClosure({ root, arch, native, warn });
  for (const dep of closure) {
    for (const file of packageFiles(dep.dir, arch)) {
      entries.push({
        name: `nodejs/node_modules/${dep.relDir}/${file}`,
        data: readFileSync(path.join(dep.dir, file)),
      });
    }
  }
  entries.push({
    name: WRAPPER_NAME,
    data: readFileSync(path.join(root, 'layer', WRAPPER_NAME)),
    mode: 0o755,
  });
  return { entries: withDirectories(entries), closure, pkg };
}

function purl(name, version) {
  return `pkg:npm/${name.replace(/^@/, '%40')}@${version}`;
}

/** A CycloneDX 1.5 SBOM of one zip: this package and every package the zip carries. */
export function sbom({ pkg, closure, arch, zipSha256 }) {
  const component = (p) => {
    const scoped = p.name.startsWith('@') ? p.name.split('/') : undefined;
    return {
      type: 'library',
      'bom-ref': purl(p.name, p.version),
      ...(scoped ? { group: scoped[0], name: scoped[1] } : { name: p.name }),
      version: p.version,
      purl: purl(p.name, p.version),
      licenses: [{ expression: p.license }],
    };
  };
  const byName = new Map(closure.map((p) => [p.name, p]));
  return `${JSON.stringify(
    {
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      version: 1,
      metadata: {
        component: { ...component({ ...pkg, license: pkg.license }), type: 'application' },
        properties: [
          { name: 'aws:lambda:layer:architecture', value: arch },
          { name: 'sha256', value: zipSha256 },
        ],
      },
      components: closure.map(component),
      dependencies: [
        {
          ref: purl(pkg.name, pkg.version),
          dependsOn: [purl('dd-trace', byName.get('dd-trace')?.version ?? '')],
        },
        ...closure.map((p) => ({
          ref: purl(p.name, p.version),
          dependsOn: p.dependsOn.filter((d) => byName.has(d)).map((d) => purl(d, byName.get(d).version)),
        })),
      ],
    },
    null,
    2,
  )}\n`;
}

/**
 * Builds the zips (and SBOMs) into `outDir`. Returns one result per architecture; `overBudget` is
 * true for a zip larger than the budget (the CLI then fails).
 * With `compileCache`, the zip of the build machine's architecture also carries a V8 compile cache
 * made under each Node in `cacheNodes` (see compile-cache.mjs).
 * @param {{ root?: string, outDir?: string, archs?: readonly ('x86_64'|'arm64')[], native?: boolean | string[],
 *   budget?: number, warn?: (m: string) => void, compileCache?: boolean, cacheNodes?: string[] }} [options]
 */
export function buildLayer(options = {}) {
  const root = options.root ?? ROOT;
  const outDir = options.outDir ?? path.join(root, 'layer', 'out');
  const archs = options.archs ?? ARCHITECTURES;
  const native = options.native ?? false;
  const budget = options.budget ?? (native ? NATIVE_BUDGET : DEFAULT_BUDGET);
  mkdirSync(outDir, { recursive: true });
  return archs.map((arch) => {
    const contents = layerContents({ root, arch, native, warn: options.warn });
    const { closure, pkg } = contents;
    let entries = contents.entries;
    const cacheNotes = [];
    if (options.compileCache) {
      if (NODE_ARCH[arch] === process.arch) {
        const nodes = options.cacheNodes ?? defaultCacheNodes(root);
        const cache = compileCacheEntries({ entries, nodes, packageName: pkg.name });
        entries = withDirectories([...entries.filter((e) => !e.name.endsWith('/')), ...cache.entries]);
        cacheNotes.push(...cache.notes);
        for (const note of cache.notes) options.warn?.(note);
      } else {
        cacheNotes.push(`no compile cache for ${arch}: it is made on a machine of that architecture`);
      }
    }
    const zip = writeZip(entries);
    const sha256 = createHash('sha256').update(zip).digest('hex');
    const zipPath = path.join(outDir, `${pkg.name}-${arch}.zip`);
    const sbomPath = path.join(outDir, `${pkg.name}-${arch}.cdx.json`);
    writeFileSync(zipPath, zip);
    writeFileSync(sbomPath, sbom({ pkg, closure, arch, zipSha256: sha256 }));
    const unzipped = entries.reduce((sum, e) => sum + (e.data?.length ?? 0), 0);
    return {
      arch,
      zipPath,
      sbomPath,
      size: zip.length,
      unzipped,
      files: entries.filter((e) => !e.name.endsWith('/')).length,
      sha256,
      budget,
      overBudget: zip.length > budget,
      packages: closure.map((p) => `${p.name}@${p.version}`),
      compileCaches: [
        ...new Set(
          entries
            .map((e) => /\/compile-cache\/([^/]+)\/./.exec(e.name)?.[1])
            .filter((name) => name !== undefined),
        ),
      ],
      cacheNotes,
    };
  });
}

/** The Nodes the project tests on (devDependencies `node22`, `node24`), for the compile cache. */
function defaultCacheNodes(root) {
  return ['node22', 'node24']
    .map((name) => path.join(root, 'node_modules', name, 'bin', 'node'))
    .filter((file) => existsSync(file));
}

function parseArgs(argv) {
  const options = { packageBuild: true };
  for (const arg of argv) {
    const [key, value] = arg.split(/=(.*)/s);
    if (key === '--no-package-build') options.packageBuild = false;
    else if (key === '--no-merger') options.merger = false;
    else if (key === '--with-native') options.native = value ? value.split(',') : true;
    else if (key === '--arch') options.archs = value.split(',');
    else if (key === '--out') options.outDir = path.resolve(value);
    else if (key === '--budget-mib') options.budget = Number(value) * MIB;
    else if (key === '--compile-cache') options.compileCache = true;
    else if (key === '--cache-node') {
      options.compileCache = true;
      options.cacheNodes = value.split(',').map((file) => path.resolve(file));
    } else throw new Error(`unknown option ${arg}`);
  }
  for (const arch of options.archs ?? []) {
    if (!ARCHITECTURES.includes(arch))
      throw new Error(`unknown architecture ${arch}: use ${ARCHITECTURES.join(', ')}`);
  }
  return options;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.packageBuild) {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], {
      cwd: ROOT,
      stdio: 'inherit',
    });
  }
  const results = buildLayer({ ...options, warn: (m) => console.warn(`warning: ${m}`) });
  let failed = false;
  for (const r of results) {
    const size = `${(r.size / MIB).toFixed(2)} MiB`;
    const verdict = r.overBudget ? `OVER the ${r.budget / MIB} MiB budget` : `budget ${r.budget / MIB} MiB`;
    console.log(
      `${path.relative(process.cwd(), r.zipPath)}  ${size} zipped, ${(r.unzipped / MIB).toFixed(2)} MiB unzipped, ${r.files} files  (${verdict})`,
    );
    console.log(`  sha256 ${r.sha256}`);
    console.log(`  sbom   ${path.relative(process.cwd(), r.sbomPath)}: ${r.packages.join(', ')}`);
    if (r.compileCaches.length > 0) console.log(`  compile cache for ${r.compileCaches.join(', ')}`);
    for (const note of r.cacheNotes) console.log(`  ${note}`);
    failed ||= r.overBudget;
  }
  // The merger's layer and CloudFormation template go beside the zips (layer/merger-artifacts.mjs).
  if (options.merger !== false) {
    const merger = buildMergerArtifacts(options.outDir ? { outDir: options.outDir } : {});
    console.log(
      `${path.relative(process.cwd(), merger.zipPath)}  ${(merger.size / MIB).toFixed(2)} MiB zipped`,
    );
    console.log(`  sha256 ${merger.sha256}`);
    console.log(
      `${path.relative(process.cwd(), merger.templatePath)}  parameters: ${merger.parameters.join(', ')}`,
    );
  }
  if (failed) {
    console.error('layer build failed: a zip is over its size budget');
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
