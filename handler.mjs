// The layer's redirect entry (ESM; the runtime prefers it to handler.cjs): set the function's handler
// to /opt/nodejs/node_modules/xray-dd-merge/handler.handler and DD_LAMBDA_HANDLER to your own handler.
export { handler } from './dist/handler.js';
