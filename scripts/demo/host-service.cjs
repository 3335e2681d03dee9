// checkout-web: a service on a host, traced by Datadog APM (dd-trace, nothing of this package),
// that calls the checkout API (API Gateway -> Lambda, traced by X-Ray). dd-trace's http
// instrumentation makes the client span and puts its context in the request's x-datadog-* headers.
//
// Usage: node host-service.cjs URL   (DD_TRACE_AGENT_URL says where its spans go)
// Prints one JSON line: the response status and body, and the ids of its two spans.
'use strict';

const tracer = require('dd-trace').init({
  service: 'checkout-web',
  env: 'prod',
  version: '2.3.1',
  // Each trace goes to the agent as soon as it finishes: this process is short-lived.
  flushInterval: 0,
  startupLogs: false,
  runtimeMetrics: false,
  plugins: true,
});
// Required after init, so dd-trace instruments it.
const http = require('node:http');

function post(url, body) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'checkout-web/2.3.1' } },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function main() {
  const url = process.argv[2];
  if (!url) throw new Error('usage: host-service.cjs URL');
  const outcome = await tracer.trace(
    'web.request',
    { resource: 'POST /cart/checkout', type: 'web', tags: { 'span.kind': 'server', 'http.method': 'POST' } },
    async (span) => {
      const answer = await post(`${url}/checkout`, JSON.stringify({ items: 2 }));
      span.setTag('http.status_code', String(answer.status));
      return { ...answer, trace_id: span.context().toTraceId(), root_span_id: span.context().toSpanId() };
    },
  );
  process.stdout.write(`${JSON.stringify(outcome)}\n`);
}

main().catch((error) => {
  process.stderr.write(`checkout-web: ${error?.stack ?? error}\n`);
  process.exitCode = 1;
});
