// The three calls aws-lambda-ric makes on its native client (rapid-client.node, libcurl through
// aws-lambda-cpp), over node:http instead, for a machine that cannot compile it: `next()` resolves
// with the invocation as the native client shapes it, `done()` and `error()` post the result. The
// native client posts synchronously; here the post is queued and the next `next()` waits for it, so
// the Runtime API still sees the same order: response, then the next poll.
'use strict';
const http = require('node:http');

const address = process.env.AWS_LAMBDA_RUNTIME_API;
if (!address) throw new Error('AWS_LAMBDA_RUNTIME_API is not set');
const colon = address.lastIndexOf(':');
const hostname = address.slice(0, colon);
const port = Number(address.slice(colon + 1));
const PREFIX = '/2018-06-01/runtime/invocation/';
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let posted = Promise.resolve();

function send(method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const request = http.request({ hostname, port, path, method, headers, agent }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ response, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** The headers object the native client builds: these names, the deadline as a number, empty ones left out. */
function invocationHeaders(headers) {
  const out = {
    'lambda-runtime-deadline-ms': Number(headers['lambda-runtime-deadline-ms'] ?? 0),
    'lambda-runtime-aws-request-id': headers['lambda-runtime-aws-request-id'] ?? '',
    'lambda-runtime-trace-id': headers['lambda-runtime-trace-id'] ?? '',
    'lambda-runtime-invoked-function-arn': headers['lambda-runtime-invoked-function-arn'] ?? '',
  };
  for (const name of [
    'lambda-runtime-client-context',
    'lambda-runtime-cognito-identity',
    'lambda-runtime-aws-tenant-id',
  ]) {
    if (headers[name]) out[name] = headers[name];
  }
  return out;
}

exports.next = async function next() {
  await posted;
  const { response, body } = await send('GET', `${PREFIX}next`, {});
  if (response.statusCode !== 200)
    throw new Error(`Failed to get next invocation, HTTP ${response.statusCode}`);
  return { bodyJson: body, headers: invocationHeaders(response.headers) };
};

function post(path, payload, xrayCause) {
  const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
  if (xrayCause) headers['lambda-runtime-function-xray-error-cause'] = xrayCause;
  posted = posted
    .then(() => send('POST', path, headers, payload))
    .catch((error) => console.error(`[rapid-client.cjs] POST ${path} failed: ${error.message}`));
  return null;
}

/** `id` comes URI-encoded, as for the native client. */
exports.done = (id, payload) => post(`${PREFIX}${id}/response`, payload, '');
exports.error = (id, payload, xrayCause) => post(`${PREFIX}${id}/error`, payload, xrayCause);
