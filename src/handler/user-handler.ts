/**
 * Finding and loading a user's handler the way the Lambda Node.js runtime client does, for the
 * layer's redirect entry: the same handler syntax (`src/app.handler`, `index.a.b.c`), the same file
 * lookup (`<path>`, `.js`, `.mjs`, `.cjs`, then Node resolution from the task root), the same format
 * rules (Node's own: `.mjs` ESM, `.cjs` CommonJS, `.js` by the nearest package.json `type`), and the
 * same error types (`Runtime.ImportModuleError`, `Runtime.HandlerNotFound`, …), with the paths tried
 * in the message.
 *
 * @example
 * const fn = await loadUserHandler('/var/task', 'src/app.handler');
 */

import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** node:fs on first use: a static import in the ESM entry loads more builtins at every cold start. */
const fs = () => process.getBuiltinModule('node:fs');

// biome-ignore lint/complexity/noBannedTypes: a handler is any function the runtime can call
export type UserHandler = Function;

/** The error types the runtime client reports (`errorType` is the error's `name`). */
export type RuntimeErrorType =
  | 'Runtime.ImportModuleError'
  | 'Runtime.HandlerNotFound'
  | 'Runtime.MalformedHandlerName'
  | 'Runtime.UserCodeSyntaxError';

/** An error the runtime client reports with `errorType` = `type`, as it reports its own. */
export function runtimeError(type: RuntimeErrorType, message: string, cause?: unknown): Error {
  const error = new Error(message, cause === undefined ? undefined : { cause });
  error.name = type;
  return error;
}

/** Where a handler string points. */
export interface HandlerLocation {
  /** The handler string as given, e.g. `src/app.handlers.main`. */
  readonly handler: string;
  /** `src`: the directory part, relative to the task root (or absolute). */
  readonly moduleRoot: string;
  /** `app`: the module name, without extension. */
  readonly moduleName: string;
  /** `handlers.main`: the export path inside the module. */
  readonly exportPath: string;
  /** The task root joined with the module root and name: the path the extensions are tried on. */
  readonly basePath: string;
}

/** The extensions the runtime tries, in its order (nodejs24.x client; nodejs22.x agrees on the outcome). */
export const MODULE_EXTENSIONS = ['', '.js', '.mjs', '.cjs'] as const;

const FUNCTION_EXPR = /^([^.]*)\.(.*)$/;

/**
 * Splits a handler string as the runtime does: the last path segment is `module.export.path`,
 * everything before it is the module root. `..` is refused, as the runtime refuses it.
 */
export function parseHandler(handler: string, taskRoot: string): HandlerLocation {
  if (handler.includes('..')) {
    throw runtimeError(
      'Runtime.MalformedHandlerName',
      `'${handler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const last = path.basename(handler);
  const moduleRoot = handler.slice(0, handler.length - last.length).replace(/\/$/, '');
  const match = FUNCTION_EXPR.exec(last);
  if (!match || match[1] === undefined || match[2] === undefined) {
    throw runtimeError(
      'Runtime.MalformedHandlerName',
      `Bad handler '${handler}': expected <module>.<export>`,
    );
  }
  return {
    handler,
    moduleRoot,
    moduleName: match[1],
    exportPath: match[2],
    basePath: path.resolve(taskRoot, moduleRoot, match[1]),
  };
}

/** The candidate files, in lookup order. */
export function candidateFiles(location: HandlerLocation): string[] {
  return MODULE_EXTENSIONS.map((extension) => location.basePath + extension);
}

/** The first candidate that exists, as the runtime checks (`existsSync`), or undefined. */
export function findModuleFile(location: HandlerLocation): string | undefined {
  return candidateFiles(location).find((file) => fs().existsSync(file));
}

/** A `require` that resolves as from a module in the task root. */
function requireFromRoot(taskRoot: string): NodeJS.Require {
  return createRequire(path.join(taskRoot, 'noop.js'));
}

/**
 * The runtime's last resort: Node resolution of the module name from the task root and the module
 * root (a package in `node_modules`, a directory with an index file). Undefined when nothing resolves.
 */
function resolveByNode(location: HandlerLocation, taskRoot: string): string | undefined {
  try {
    return requireFromRoot(taskRoot).resolve(location.moduleName, {
      paths: [taskRoot, path.join(taskRoot, location.moduleRoot)],
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

function notFound(location: HandlerLocation, taskRoot: string): Error {
  const tried = candidateFiles(location).join(', ');
  return runtimeError(
    'Runtime.ImportModuleError',
    `Error: Cannot find module '${location.basePath}' for handler '${location.handler}' ` +
      `(tried ${tried}, and Node resolution of '${location.moduleName}' from ${taskRoot})`,
  );
}

/** The runtime's mapping of load failures: syntax errors and missing modules get their own types. */
function classifyLoadError(error: unknown): unknown {
  if (error instanceof SyntaxError) {
    const wrapped = runtimeError('Runtime.UserCodeSyntaxError', String(error), error);
    wrapped.stack = error.stack ?? wrapped.stack;
    return wrapped;
  }
  if ((error as { code?: unknown } | null)?.code === 'MODULE_NOT_FOUND') {
    return runtimeError('Runtime.ImportModuleError', String(error), error);
  }
  return error;
}

function lookup(exportPath: string, root: unknown): unknown {
  return exportPath
    .split('.')
    .reduce<unknown>(
      (nested, key) =>
        (typeof nested === 'object' || typeof nested === 'function') && nested !== null
          ? (nested as Record<string, unknown>)[key]
          : undefined,
      root,
    );
}

/**
 * The handler inside a loaded module: the export path on the module, then on its `default` (a
 * CommonJS module imported from ESM puts `module.exports` there), as the runtime resolves it.
 */
export function resolveExport(module: unknown, location: HandlerLocation, file: string): UserHandler {
  let found = lookup(location.exportPath, module);
  if (!found && typeof module === 'object' && module !== null && 'default' in module) {
    found = lookup(location.exportPath, (module as { default: unknown }).default);
  }
  if (!found) {
    throw runtimeError(
      'Runtime.HandlerNotFound',
      `${location.handler} is undefined or not exported (looked for '${location.exportPath}' in ${file})`,
    );
  }
  if (typeof found !== 'function') {
    throw runtimeError(
      'Runtime.HandlerNotFound',
      `${location.handler} is not a function (found ${typeof found} '${location.exportPath}' in ${file})`,
    );
  }
  return found as UserHandler;
}

/** The `type` of the nearest package.json above `dir`, as Node scopes it (not past `node_modules`). */
function packageType(dir: string): string | undefined {
  for (let current = dir; ; current = path.dirname(current)) {
    const file = path.join(current, 'package.json');
    if (fs().existsSync(file)) {
      try {
        const type = (JSON.parse(fs().readFileSync(file, 'utf8')) as { type?: unknown }).type;
        return typeof type === 'string' ? type : undefined;
      } catch {
        return undefined; // Node reports an unreadable package.json itself when it loads the module.
      }
    }
    if (path.basename(current) === 'node_modules' || path.dirname(current) === current) return undefined;
  }
}

/**
 * Whether Node loads `file` as CommonJS by its extension and package scope: `.cjs`, or `.js` and
 * extensionless files outside a `"type": "module"` scope. A typeless `.js` file written as ESM is
 * CommonJS here; Node's syntax detection still loads it as ESM, through `require(esm)`.
 */
export function isCommonJsByScope(file: string): boolean {
  if (file.endsWith('.mjs')) return false;
  if (file.endsWith('.cjs')) return true;
  return packageType(path.dirname(file)) !== 'module';
}

/**
 * `require()` refused `file` itself because it is an ES module it cannot load synchronously (top-level
 * await, or a Node without `require(esm)`): the module has not run, and `import()` can load it. The
 * same codes thrown from inside the user's module (its own `require()` of such a module) show the
 * module in the stack, and are the user's error.
 */
function refusedAsEsm(error: unknown, file: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== 'ERR_REQUIRE_ASYNC_MODULE' && code !== 'ERR_REQUIRE_ESM') return false;
  const frames = String((error as Error).stack ?? '')
    .split('\n')
    .filter((line) => line.trimStart().startsWith('at '));
  return !frames.some((line) => line.includes(file));
}

/**
 * Loads the handler for the layer's ESM entry, with the runtime's lookup: CommonJS modules with
 * `require()`, ES modules with `import()` (top-level await included). The handler found is the one
 * the runtime would find, with its arity and streaming markers, known before anything reads it.
 * `require()` is the nodejs22.x runtime's own way for CommonJS; nodejs24.x `import()`s them, which
 * gives the same `module.exports`, but on a cold start costs Node's CommonJS export scan of the
 * module (and on Node 22 loading the scanner) for nothing.
 */
export async function loadUserHandler(taskRoot: string, handler: string): Promise<UserHandler> {
  const location = parseHandler(handler, taskRoot);
  const file = findModuleFile(location);
  let module: unknown;
  let loadedFrom: string;
  try {
    if (file) {
      loadedFrom = file;
      module = isCommonJsByScope(file) ? await requireOrImport(file, taskRoot) : await importFile(file);
    } else {
      const resolved = resolveByNode(location, taskRoot);
      if (!resolved) throw notFound(location, taskRoot);
      loadedFrom = resolved;
      module = requireFromRoot(taskRoot)(resolved);
    }
  } catch (error) {
    throw classifyLoadError(error);
  }
  return resolveExport(module, location, loadedFrom);
}

function importFile(file: string): Promise<unknown> {
  return import(pathToFileURL(file).href);
}

async function requireOrImport(file: string, taskRoot: string): Promise<unknown> {
  // Whole stacks while the module loads, so an error from inside it shows the module's frame
  // however deep its require() chain is; put back unless the module set a limit of its own.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = Number.POSITIVE_INFINITY;
  try {
    return requireFromRoot(taskRoot)(file);
  } catch (error) {
    if (refusedAsEsm(error, file)) return await importFile(file);
    throw error;
  } finally {
    if (Error.stackTraceLimit === Number.POSITIVE_INFINITY) Error.stackTraceLimit = limit;
  }
}

/**
 * Loads the handler synchronously with `require()` (ESM through Node's `require(esm)`), for the
 * CommonJS entry. A module with top-level await cannot be loaded this way: the error says to use
 * the ESM entry, which the runtime picks by itself for `…/xray-dd-merge/handler.handler`.
 */
export function requireUserHandler(taskRoot: string, handler: string): UserHandler {
  const location = parseHandler(handler, taskRoot);
  const file = findModuleFile(location) ?? resolveByNode(location, taskRoot);
  if (!file) throw notFound(location, taskRoot);
  let module: unknown;
  try {
    module = requireFromRoot(taskRoot)(file);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_REQUIRE_ASYNC_MODULE') {
      throw runtimeError(
        'Runtime.ImportModuleError',
        `${file} uses top-level await, which the CommonJS entry (handler.cjs) cannot wait for: ` +
          `load the ESM entry handler.mjs (the runtime picks it for .../xray-dd-merge/handler.handler)`,
        error,
      );
    }
    throw classifyLoadError(error);
  }
  return resolveExport(module, location, file);
}
