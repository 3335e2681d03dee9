/**
 * The `http` namespace: request and response tags, and the resource of an HTTP span. A call out
 * (a `remote` subsegment) also names the host it called, as dd-trace's HTTP clients do: `out.host`,
 * and `peer.service` from it.
 */

import type { SegmentDocument } from '../segment-schema.ts';
import { META, METRICS, type MetaTags, type MetricTags } from './tags.ts';
import { urlPath } from './url-path.ts';

export type Http = NonNullable<SegmentDocument['http']>;

/** @param outgoing the span is a call out (a `remote` subsegment), not a request served */
export function tagHttp(http: Http, outgoing: boolean, meta: MetaTags, metrics: MetricTags): void {
  const request = http.request;
  const response = http.response;
  if (request?.method !== undefined) meta.setOwn(META['http.method'], request.method.toUpperCase());
  if (request?.url !== undefined) meta.setOwn(META['http.url'], request.url);
  if (request?.user_agent !== undefined) meta.setOwn(META['http.useragent'], request.user_agent);
  if (request?.client_ip !== undefined) meta.setOwn(META['http.client_ip'], request.client_ip);
  if (response?.status !== undefined) meta.setOwn(META['http.status_code'], String(response.status));
  // X-Ray writes -1 when the length is not known.
  const length = response?.content_length;
  if (length !== undefined && length >= 0) metrics.setOwn(METRICS['http.response.content_length'], length);
  if (outgoing && request?.url !== undefined) {
    const host = URL.parse(request.url)?.hostname;
    if (host !== undefined && host.length > 0) tagPeer(meta, host, 'out.host');
  }
}

/** `out.host`, and `peer.service` from it when nothing more specific named the peer. */
export function tagPeer(meta: MetaTags, host: string, source: 'out.host'): void {
  meta.setOwn(META['out.host'], host);
  if (!meta.hasOwn(META['peer.service'])) {
    meta.setOwn(META['peer.service'], host);
    meta.setOwn(META['_dd.peer.service.source'], source);
  }
}

/** `GET /path`, or `GET` without a URL; undefined without a method. */
export function httpResource(http: Http | undefined): string | undefined {
  const request = http?.request;
  if (request?.method === undefined) return undefined;
  const path = request.url !== undefined ? urlPath(request.url) : undefined;
  return path !== undefined ? `${request.method.toUpperCase()} ${path}` : request.method.toUpperCase();
}
