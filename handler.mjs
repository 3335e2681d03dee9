// The layer's redirect entry (ESM; the runtime prefers it to handler.cjs): set the function's handler
// to /opt/nodejs/node_modules/xray-dd-merge/handler.handler and DD_LAMBDA_HANDLER to your own handler.
// A shim over the CommonJS bundle, which is cheaper to load at a cold start (see src/handler/redirect.ts);
// no static import, so no builtin module namespace is built for it.
const redirect = process.getBuiltinModule('node:module').createRequire(import.meta.url)('./dist/handler.cjs');
export const handler = await redirect.loadRedirectedHandler();
