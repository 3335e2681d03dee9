// The layer's redirect entry: set the function's handler to
// /opt/nodejs/node_modules/xray-dd-merge/handler.handler and DD_LAMBDA_HANDLER to your own handler.
exports.handler = require('./dist/handler.cjs').requireRedirectedHandler();
