/**
 * The path of a URL for a span's resource (`GET /orders/{id}` style), as the WHATWG URL parser
 * gives it, with a hand-read fast path for the plain URLs most documents have.
 */

/** The URL's path, or undefined when the text is neither a URL nor a path. */
export function urlPath(url: string): string | undefined {
  const plain = plainUrlPath(url);
  if (plain !== undefined) return plain;
  try {
    return new URL(url).pathname;
  } catch {
    return url.startsWith('/') ? url.split('?')[0] : undefined;
  }
}

/**
 * The path of an `http(s)://host[:port]/path[?…][#…]` URL read in place, for URLs the WHATWG URL
 * parser would leave as they are (then `new URL(url).pathname` is that text): a host of
 * lowercase letters, digits and dashes in dot-separated labels, the last starting with a letter
 * (not an IPv4 address), none `xn--` (punycode); a port of 1 to 4 digits; a path of characters the
 * parser never escapes, with no dot segments. Anything else is undefined, and goes to `URL`.
 * test/merge/url-path.test.ts compares the two.
 */
function plainUrlPath(url: string): string | undefined {
  let i = url.startsWith('https://') ? 8 : url.startsWith('http://') ? 7 : -1;
  if (i < 0) return undefined;
  let label = i;
  for (; i < url.length; i += 1) {
    const code = url.charCodeAt(i);
    if (code === 0x2e) {
      if (i === label) return undefined;
      label = i + 1;
    } else if (!isHostCode(code)) break;
  }
  const first = url.charCodeAt(label);
  if (i === label || !(first >= 0x61 && first <= 0x7a) || url.includes('xn--')) return undefined;
  if (url.charCodeAt(i) === 0x3a) {
    const port = i + 1;
    for (i = port; i < url.length && isDigitCode(url.charCodeAt(i)); i += 1);
    if (i === port || i - port > 4) return undefined;
  }
  if (i === url.length || url.charCodeAt(i) === 0x3f || url.charCodeAt(i) === 0x23) return '/';
  if (url.charCodeAt(i) !== 0x2f) return undefined;
  const start = i;
  for (; i < url.length; i += 1) {
    const code = url.charCodeAt(i);
    if (code === 0x3f || code === 0x23) break;
    if (!isPlainPathCode(code)) return undefined;
  }
  const path = url.slice(start, i);
  return path.includes('/.') ? undefined : path;
}

function isDigitCode(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** `[a-z0-9-]` */
function isHostCode(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || isDigitCode(code) || code === 0x2d;
}

/** `[A-Za-z0-9-._~!$&'()*+,;=:@/]`: what a URL path keeps as it is. */
function isPlainPathCode(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x40 && code <= 0x5a) || // @ A-Z
    (code >= 0x26 && code <= 0x3b) || // & ' ( ) * + , - . / 0-9 : ;
    code === 0x21 || // !
    code === 0x24 || // $
    code === 0x3d || // =
    code === 0x5f || // _
    code === 0x7e // ~
  );
}
