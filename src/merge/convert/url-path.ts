/**
 * The path of a URL for a span's resource (`GET /orders/{id}` style), as the WHATWG URL parser
 * gives it. A hand-read fast path for plain URLs was measured against `URL` at 100k segments (the
 * merger bench's traces, one HTTP call each): no difference beyond the noise (359-397k vs
 * 381-390k segments per CPU second), so there is only `URL`.
 */

/** The URL's path, or undefined when the text is neither a URL nor a path. */
export function urlPath(url: string): string | undefined {
  const parsed = URL.parse(url);
  if (parsed !== null) return parsed.pathname;
  return url.startsWith('/') ? url.split('?')[0] : undefined;
}
