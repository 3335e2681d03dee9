/**
 * HTTP (`http.request.method`, `http.route`, `url.full`, `http.response.status_code`, and the older
 * `http.method`, `http.url`, `http.status_code`): `http.server.request` / `http.client.request`,
 * resource `METHOD /route`, type `web` on the server side and `http` on the client side; tags
 * under Datadog's names (`http.method`, `http.status_code`, `http.url`, `http.useragent`,
 * `http.client_ip`, `http.route`).
 */

import { firstString } from './otel-span.ts';
import type { NamespaceRule } from './semconv.ts';

const METHOD = ['http.request.method', 'http.method'];
const STATUS = ['http.response.status_code', 'http.status_code'];
const URL_KEYS = ['url.full', 'http.url'];
const USER_AGENT = ['user_agent.original', 'http.user_agent'];
const CLIENT_IP = ['client.address', 'http.client_ip'];

export const http: NamespaceRule = {
  name(attributes, kind) {
    const method = firstString(attributes, METHOD);
    if (method === undefined || (kind !== 'server' && kind !== 'client')) return undefined;
    const upper = method === '_OTHER' ? 'HTTP' : method.toUpperCase();
    const route = firstString(attributes, ['http.route']);
    const server = kind === 'server';
    return {
      name: server ? 'http.server.request' : 'http.client.request',
      resource: route !== undefined && server ? `${upper} ${route}` : upper,
      type: server ? 'web' : 'http',
    };
  },
  tags(attributes, meta) {
    const method = firstString(attributes, METHOD);
    if (method !== undefined) meta['http.method'] = method.toUpperCase();
    const status = firstString(attributes, STATUS);
    if (status !== undefined) meta['http.status_code'] = status;
    const url = firstString(attributes, URL_KEYS);
    if (url !== undefined) meta['http.url'] = url;
    const agent = firstString(attributes, USER_AGENT);
    if (agent !== undefined) meta['http.useragent'] = agent;
    const ip = firstString(attributes, CLIENT_IP);
    if (ip !== undefined) meta['http.client_ip'] = ip;
  },
};
