/**
 * HTTP (`http.request.method`, `http.route`, `url.full`, `http.response.status_code`, and the older
 * `http.method`, `http.url`, `http.status_code`): `http.server.request` / `http.client.request`;
 * resource the method (`_OTHER` as `HTTP`), with the route on the server side; tags under
 * Datadog's names (`http.method`, `http.status_code`, `http.url`, `http.useragent`,
 * `http.client_ip`).
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
    if (firstString(attributes, METHOD) === undefined) return undefined;
    if (kind === 'server') return 'http.server.request';
    if (kind === 'client') return 'http.client.request';
    return undefined;
  },
  resource(attributes, kind) {
    const method = firstString(attributes, METHOD);
    if (method === undefined) return undefined;
    const shown = method === '_OTHER' ? 'HTTP' : method;
    const route = kind === 'server' ? firstString(attributes, ['http.route']) : undefined;
    return route !== undefined ? `${shown} ${route}` : shown;
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
