// The span resource `METHOD /path` of an HTTP call is the WHATWG URL parser's path: over generated
// web URLs, URLs assembled from pieces the parser treats specially (dot segments, escapes,
// backslashes, IPv4-like and punycode hosts, long ports, capitals, spaces), and arbitrary strings,
// the resource is what `new URL(url).pathname` gives (a fast path that read plain URLs by hand was
// held to this; it was removed when the bench showed it bought nothing, and any other must pass).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { convertDocuments } from '../../src/merge/convert.ts';

const SEED = 0x0a7b_5eed;
const RUNS = 4000;

/** The resource as the converter computed it before the fast path. */
function expectedResource(url: string): string {
  let path: string | undefined;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url.startsWith('/') ? url.split('?')[0] : undefined;
  }
  return path !== undefined ? `GET ${path}` : 'GET';
}

function resource(url: string): string | undefined {
  const { spans } = convertDocuments([
    JSON.stringify({
      id: '1111111111111111',
      name: 'svc',
      trace_id: '1-5e272390-8c398be037738dc042009320',
      start_time: 10,
      end_time: 11,
      http: { request: { method: 'get', url } },
    }),
  ]);
  return spans[0]?.resource;
}

const label = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/),
  fc.stringMatching(/^[0-9]{1,3}$/),
  fc.constantFrom('xn--nxasmq6b', 'xn--a', 'xn--', 'XN--abc', 'Example', '0x1f', '-a', 'a-', '', 'b_c', 'ä'),
);
const host = fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.'));
const port = fc.oneof(
  fc.constant(''),
  fc.integer({ min: 0, max: 999_999 }).map((p) => `:${p}`),
  fc.constantFrom(':', ':08080', ':x'),
);
const segment = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9\-._~!$&'()*+,;=:@]{0,8}$/),
  fc.constantFrom(
    '.',
    '..',
    '%2e',
    '%2E%2e',
    'a b',
    'a%20b',
    'a\\b',
    'a^b',
    'a|b',
    '{x}',
    '`',
    '"',
    '<>',
    'ü',
    'a\tb',
    '[1]',
  ),
);
const path = fc.array(segment, { maxLength: 4 }).map((segments) => segments.map((s) => `/${s}`).join(''));
const tail = fc.constantFrom('', '?', '?a=1&b=/../x', '#frag', '?q#f', '? x', '#/../..');
const scheme = fc.constantFrom('http://', 'https://', 'HTTP://', 'ftp://', 'http:/', 'https:', '');
const assembled = fc.tuple(scheme, host, port, path, tail).map(([s, h, p, pa, t]) => `${s}${h}${p}${pa}${t}`);

describe('converter: an HTTP span resource names the URL path as the URL parser reads it', () => {
  const table: Array<[string, string]> = [
    ['https://payments.example.com/v1/charges', 'GET /v1/charges'],
    ['https://payments.example.com/v1/charges?idempotency=1#x', 'GET /v1/charges'],
    ['https://payments.example.com', 'GET /'],
    ['http://orders.internal:8080/orders', 'GET /orders'],
    ['https://api.example.com/a/../b', 'GET /b'],
    ['https://api.example.com/a b', 'GET /a%20b'],
    ['https://10.0.0.1/x', 'GET /x'],
    ['not a url', 'GET'],
    ['/relative/path?x', 'GET /relative/path'],
  ];
  for (const [url, expected] of table) {
    it(`${JSON.stringify(url)} -> ${expected}`, () => {
      assert.equal(resource(url), expected);
      assert.equal(expectedResource(url), expected);
    });
  }

  it('on generated web URLs', () => {
    const urls = fc.webUrl({
      validSchemes: ['http', 'https'],
      withQueryParameters: true,
      withFragments: true,
    });
    fc.assert(
      fc.property(urls, (url) => assert.equal(resource(url), expectedResource(url), url)),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('on URLs assembled from pieces the parser treats specially', () => {
    fc.assert(
      fc.property(assembled, (url) => assert.equal(resource(url), expectedResource(url), url)),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string(), (url) => assert.equal(resource(url), expectedResource(url), url)),
      { seed: SEED, numRuns: RUNS / 4 },
    );
  });
});
