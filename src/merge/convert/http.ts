/** The `http` namespace: request and response tags, and the resource of an HTTP span. */

import type { SegmentDocument } from '../segment-schema.ts';
import { META, type MetaTags } from './tags.ts';
import { urlPath } from './url-path.ts';

export type Http = NonNullable<SegmentDocument['http']>;

export function tagHttp(http: Http, meta: MetaTags): void {
  const request = http.request;
  const response = http.response;
  if (request?.method !== undefined) meta.setOwn(META['http.method'], request.method.toUpperCase());
  if (request?.url !== undefined) meta.setOwn(META['http.url'], request.url);
  if (request?.user_agent !== undefined) meta.setOwn(META['http.useragent'], request.user_agent);
  if (request?.client_ip !== undefined) meta.setOwn(META['http.client_ip'], request.client_ip);
  if (response?.status !== undefined) meta.setOwn(META['http.status_code'], String(response.status));
}

/** `GET /path`, or `GET` without a URL; undefined without a method. */
export function httpResource(http: Http | undefined): string | undefined {
  const request = http?.request;
  if (request?.method === undefined) return undefined;
  const path = request.url !== undefined ? urlPath(request.url) : undefined;
  return path !== undefined ? `${request.method.toUpperCase()} ${path}` : request.method.toUpperCase();
}
