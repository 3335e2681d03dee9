// Loading a user's handler the way the Lambda runtime client does: the handler syntax, the file
// lookup, ESM/CommonJS by Node's rules, and the runtime's error types with the paths tried.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { redirectTarget } from '../../src/handler/redirect.ts';
import {
  loadUserHandler,
  parseHandler,
  requireUserHandler,
  type UserHandler,
} from '../../src/handler/user-handler.ts';

const roots = mkdtempSync(path.join(os.tmpdir(), 'xddm-user-handler-'));
after(() => rmSync(roots, { recursive: true, force: true }));

let rootCount = 0;
/** A fresh task root with the given files (a fresh one per case keeps module caches apart). */
function taskRoot(files: Record<string, string>): string {
  rootCount += 1;
  const root = path.join(roots, `root${rootCount}`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

// Each handler reports how its module was loaded: `typeof require` is a function only in CommonJS.
const CJS = `exports.handler = async () => ({ format: typeof require === 'function' ? 'cjs' : 'esm' });`;
const ESM = `export const handler = async () => ({ format: typeof require === 'function' ? 'cjs' : 'esm' });`;

interface LoadCase {
  name: string;
  files: Record<string, string>;
  handler: string;
  format: 'cjs' | 'esm';
  /** false when only the ESM entry can load it. */
  sync?: boolean;
}

const loads: LoadCase[] = [
  {
    name: 'index.js without package.json is CommonJS',
    files: { 'index.js': CJS },
    handler: 'index.handler',
    format: 'cjs',
  },
  { name: '.mjs is ESM', files: { 'index.mjs': ESM }, handler: 'index.handler', format: 'esm' },
  { name: '.cjs is CommonJS', files: { 'index.cjs': CJS }, handler: 'index.handler', format: 'cjs' },
  {
    name: '.js under package.json type module is ESM',
    files: { 'package.json': '{"type":"module"}', 'app.js': ESM },
    handler: 'app.handler',
    format: 'esm',
  },
  {
    name: 'the nearest package.json wins: src/ is commonjs inside a module root',
    files: {
      'package.json': '{"type":"module"}',
      'src/package.json': '{"type":"commonjs"}',
      'src/app.js': CJS,
    },
    handler: 'src/app.handler',
    format: 'cjs',
  },
  {
    name: 'nested export path a.b.c',
    files: { 'index.mjs': `export const a = { b: { c: async () => ({ format: 'esm' }) } };` },
    handler: 'index.a.b.c',
    format: 'esm',
  },
  {
    name: 'module.exports assigned dynamically is found through default',
    files: {
      'index.cjs': `const name = 'han' + 'dler'; module.exports = { [name]: async () => ({ format: 'cjs' }) };`,
    },
    handler: 'index.handler',
    format: 'cjs',
  },
  {
    name: 'the extensionless file is tried first',
    files: { 'package.json': '{"type":"commonjs"}', fn: CJS, 'fn.mjs': 'export const handler = 1;' },
    handler: 'fn.handler',
    format: 'cjs',
  },
  {
    name: '.js is tried before .mjs',
    files: { 'index.js': CJS, 'index.mjs': 'export const handler = 1;' },
    handler: 'index.handler',
    format: 'cjs',
  },
  {
    name: 'Node resolution from the task root: a package in node_modules',
    files: { 'node_modules/my-fn/package.json': '{"main":"main.js"}', 'node_modules/my-fn/main.js': CJS },
    handler: 'my-fn.handler',
    format: 'cjs',
  },
  {
    name: 'ESM with top-level await',
    files: { 'index.mjs': `await Promise.resolve();\n${ESM}` },
    handler: 'index.handler',
    format: 'esm',
    sync: false,
  },
  {
    name: 'a typeless .js written as ESM is ESM (Node detects its syntax)',
    files: { 'index.js': ESM },
    handler: 'index.handler',
    format: 'esm',
  },
  {
    name: 'a typeless .js written as ESM with top-level await',
    files: { 'index.js': `await Promise.resolve();\n${ESM}` },
    handler: 'index.handler',
    format: 'esm',
    sync: false,
  },
  {
    name: 'an extensionless file under package.json type module is ESM',
    files: { 'package.json': '{"type":"module"}', fn: ESM },
    handler: 'fn.handler',
    format: 'esm',
  },
];

async function call(fn: UserHandler): Promise<unknown> {
  return await (fn as () => Promise<unknown>)();
}

describe('loadUserHandler (ESM entry)', () => {
  for (const c of loads) {
    it(c.name, async () => {
      const fn = await loadUserHandler(taskRoot(c.files), c.handler);
      assert.deepEqual(await call(fn), { format: c.format });
    });
  }
});

describe('requireUserHandler (CommonJS entry)', () => {
  for (const c of loads) {
    it(c.name, async () => {
      const root = taskRoot(c.files);
      if (c.sync === false) {
        assert.throws(
          () => requireUserHandler(root, c.handler),
          (e: Error) => e.name === 'Runtime.ImportModuleError' && /top-level await/.test(e.message),
        );
        return;
      }
      assert.deepEqual(await call(requireUserHandler(root, c.handler)), { format: c.format });
    });
  }
});

describe('loadUserHandler: a CommonJS module is never run twice', () => {
  it("its own require() of an ES module with top-level await fails once, with Node's error", async () => {
    const root = taskRoot({
      'index.js': `globalThis.xddmRuns = (globalThis.xddmRuns ?? 0) + 1;
require('./dep.mjs');
exports.handler = async () => ({ format: 'cjs' });`,
      'dep.mjs': 'await Promise.resolve();\nexport const x = 1;',
    });
    const runs = globalThis as { xddmRuns?: number };
    delete runs.xddmRuns;
    await assert.rejects(loadUserHandler(root, 'index.handler'), { code: 'ERR_REQUIRE_ASYNC_MODULE' });
    assert.equal(runs.xddmRuns, 1);
  });
});

interface ErrorCase {
  name: string;
  files: Record<string, string>;
  handler: string;
  type: string;
  /** Every fragment must appear in the message (paths are relative to the task root). */
  message: Array<string | ((root: string) => string)>;
}

const errors: ErrorCase[] = [
  {
    name: 'missing module: ImportModuleError naming every path tried',
    files: { 'other.js': CJS },
    handler: 'src/app.handler',
    type: 'Runtime.ImportModuleError',
    message: [
      (root) => path.join(root, 'src/app'),
      (root) => path.join(root, 'src/app.js'),
      (root) => path.join(root, 'src/app.mjs'),
      (root) => path.join(root, 'src/app.cjs'),
      "'src/app.handler'",
    ],
  },
  {
    name: 'missing export: HandlerNotFound naming the file',
    files: { 'index.mjs': 'export const other = () => 1;' },
    handler: 'index.handler',
    type: 'Runtime.HandlerNotFound',
    message: ['index.handler is undefined or not exported', (root) => path.join(root, 'index.mjs')],
  },
  {
    name: 'missing nested export',
    files: { 'index.cjs': 'exports.a = { b: {} };' },
    handler: 'index.a.b.c',
    type: 'Runtime.HandlerNotFound',
    message: ['index.a.b.c is undefined or not exported', "'a.b.c'"],
  },
  {
    name: 'an export that is not a function',
    files: { 'index.cjs': 'exports.handler = { not: "a function" };' },
    handler: 'index.handler',
    type: 'Runtime.HandlerNotFound',
    message: ['index.handler is not a function'],
  },
  {
    name: '.. is refused',
    files: {},
    handler: '../escape.handler',
    type: 'Runtime.MalformedHandlerName',
    message: ['is not a valid handler name'],
  },
  {
    name: 'no export part',
    files: {},
    handler: 'index',
    type: 'Runtime.MalformedHandlerName',
    message: ['Bad handler'],
  },
  {
    name: 'a syntax error in the user module',
    files: { 'index.cjs': 'exports.handler = ;' },
    handler: 'index.handler',
    type: 'Runtime.UserCodeSyntaxError',
    message: ['SyntaxError'],
  },
  {
    name: 'a dependency of the user module is missing',
    files: { 'index.cjs': "require('no-such-dependency'); exports.handler = () => 1;" },
    handler: 'index.handler',
    type: 'Runtime.ImportModuleError',
    message: ["Cannot find module 'no-such-dependency'"],
  },
];

describe('load failures carry the runtime error types', () => {
  for (const mode of ['import', 'require'] as const) {
    for (const c of errors) {
      it(`${mode}: ${c.name}`, async () => {
        const root = taskRoot(c.files);
        const load = async () =>
          mode === 'import' ? loadUserHandler(root, c.handler) : requireUserHandler(root, c.handler);
        await assert.rejects(load, (error: Error) => {
          assert.equal(error.name, c.type);
          for (const fragment of c.message) {
            const text = typeof fragment === 'function' ? fragment(root) : fragment;
            assert.ok(error.message.includes(text), `"${error.message}" should include "${text}"`);
          }
          return true;
        });
      });
    }
  }
});

describe('parseHandler', () => {
  const table: Array<[string, string, string, string]> = [
    // handler, moduleRoot, moduleName, exportPath
    ['index.handler', '', 'index', 'handler'],
    ['src/app.handler', 'src', 'app', 'handler'],
    ['src/lib/app.a.b.c', 'src/lib', 'app', 'a.b.c'],
    ['/opt/fn/index.handler', '/opt/fn', 'index', 'handler'],
  ];
  for (const [handler, moduleRoot, moduleName, exportPath] of table) {
    it(handler, () => {
      const parsed = parseHandler(handler, '/var/task');
      assert.deepEqual(
        { moduleRoot: parsed.moduleRoot, moduleName: parsed.moduleName, exportPath: parsed.exportPath },
        { moduleRoot, moduleName, exportPath },
      );
      assert.equal(parsed.basePath, path.resolve('/var/task', moduleRoot, moduleName));
    });
  }
});

describe('redirectTarget', () => {
  function withEnv<T>(env: Record<string, string | undefined>, fn: () => T): T {
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    try {
      return fn();
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }

  it('reads DD_LAMBDA_HANDLER and LAMBDA_TASK_ROOT', () => {
    const target = withEnv(
      { DD_LAMBDA_HANDLER: 'src/app.handler', LAMBDA_TASK_ROOT: '/var/task' },
      redirectTarget,
    );
    assert.deepEqual(target, { taskRoot: '/var/task', handler: 'src/app.handler' });
  });

  it('unset DD_LAMBDA_HANDLER is HandlerNotFound naming the variable', () => {
    withEnv({ DD_LAMBDA_HANDLER: undefined }, () =>
      assert.throws(
        redirectTarget,
        (e: Error) => e.name === 'Runtime.HandlerNotFound' && /DD_LAMBDA_HANDLER/.test(e.message),
      ),
    );
  });

  it('refuses to redirect to the redirect entry itself', () => {
    withEnv({ DD_LAMBDA_HANDLER: '/opt/nodejs/node_modules/xray-dd-merge/handler.handler' }, () =>
      assert.throws(
        redirectTarget,
        (e: Error) => e.name === 'Runtime.HandlerNotFound' && /itself/.test(e.message),
      ),
    );
  });
});
