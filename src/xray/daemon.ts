/**
 * The X-Ray daemon's address, as `AWS_XRAY_DAEMON_ADDRESS` gives it. Two documented forms:
 *
 * - `host:port`: the same endpoint for UDP (segments) and TCP (sampling rules);
 * - `tcp:host:port udp:host:port`, in either order.
 *
 * A host is a name, an IPv4 address, or an IPv6 address in brackets (`[::1]:2000`). Anything else is
 * a configuration error: the caller reports it once and sends nothing. Pure; never throws.
 *
 * @example
 * parseDaemonAddress('tcp:127.0.0.1:2000 udp:169.254.79.129:2000');
 * // { ok: true, address: { udp: { host: '169.254.79.129', port: 2000, family: 4 }, tcp: { … } } }
 * parseDaemonAddress('127.0.0.1'); // { ok: false, reason: 'no port: expected host:port' }
 */

export interface DaemonEndpoint {
  /** A host name or an IP address; IPv6 without its brackets. */
  readonly host: string;
  readonly port: number;
  /** The socket family to send from: 6 for an IPv6 literal, otherwise 4 (names resolve to IPv4). */
  readonly family: 4 | 6;
}

export interface DaemonAddress {
  /** Where segment datagrams go. */
  readonly udp: DaemonEndpoint;
  /** Where the SDKs fetch sampling rules; parsed for completeness, this package never connects to it. */
  readonly tcp: DaemonEndpoint;
}

export type DaemonAddressResult =
  | { readonly ok: true; readonly address: DaemonAddress }
  | { readonly ok: false; readonly reason: string };

// Letters, digits, dots, hyphens and underscores (container hostnames use them); no colons.
const HOST_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
const PORT = /^[0-9]{1,5}$/;

/**
 * `node:net` is loaded on first use, not at import: when dd-trace is initialised before this package
 * loads, requiring `net` makes dd-trace load its instrumentation of it, about 10 ms of a cold start
 * for a check only a bracketed address needs. `getBuiltinModule` loads it without that hook.
 */
function isIPv6(host: string): boolean {
  return process.getBuiltinModule('node:net').isIPv6(host);
}

type EndpointResult = { ok: true; endpoint: DaemonEndpoint } | { ok: false; reason: string };

function parseEndpoint(text: string): EndpointResult {
  let host: string;
  let portText: string;
  let family: 4 | 6 = 4;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return { ok: false, reason: `no closing bracket in "${text}"` };
    host = text.slice(1, close);
    if (!isIPv6(host)) return { ok: false, reason: `"${host}" in brackets is not an IPv6 address` };
    if (text[close + 1] !== ':') return { ok: false, reason: `no port after "[${host}]"` };
    portText = text.slice(close + 2);
    family = 6;
  } else {
    const colon = text.indexOf(':');
    if (colon < 0) return { ok: false, reason: `no port in "${text}": expected host:port` };
    if (text.indexOf(':', colon + 1) >= 0) {
      return { ok: false, reason: `too many colons in "${text}" (an IPv6 host goes in brackets)` };
    }
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.length === 0) return { ok: false, reason: `no host in "${text}"` };
    if (!HOST_NAME.test(host)) return { ok: false, reason: `"${host}" is not a host name or address` };
  }
  if (!PORT.test(portText)) return { ok: false, reason: `port "${portText}" is not a number` };
  const port = Number(portText);
  if (port < 1 || port > 65_535) return { ok: false, reason: `port ${port} is out of range 1-65535` };
  return { ok: true, endpoint: { host, port, family } };
}

/** Parses an `AWS_XRAY_DAEMON_ADDRESS` value; the reason on failure is short enough for a log line. */
export function parseDaemonAddress(value: unknown): DaemonAddressResult {
  if (typeof value !== 'string') return { ok: false, reason: 'not a string' };
  const parts = value.trim().split(/\s+/);
  const [first, second] = parts;
  if (first === undefined || first === '') return { ok: false, reason: 'empty' };
  if (parts.length > 2) return { ok: false, reason: 'more than two addresses' };

  if (second === undefined) {
    if (/^(tcp|udp):/i.test(first)) {
      return { ok: false, reason: 'a tcp: or udp: address needs the other one too' };
    }
    const single = parseEndpoint(first);
    if (!single.ok) return single;
    return { ok: true, address: { udp: single.endpoint, tcp: single.endpoint } };
  }

  const byProtocol: Partial<Record<'tcp' | 'udp', DaemonEndpoint>> = {};
  for (const part of [first, second]) {
    const protocol = part.slice(0, 4);
    if (protocol !== 'tcp:' && protocol !== 'udp:') {
      return { ok: false, reason: `"${part}" does not start with tcp: or udp:` };
    }
    const key = protocol === 'tcp:' ? 'tcp' : 'udp';
    if (byProtocol[key]) return { ok: false, reason: `${key}: given twice` };
    const parsed = parseEndpoint(part.slice(4));
    if (!parsed.ok) return parsed;
    byProtocol[key] = parsed.endpoint;
  }
  const { udp, tcp } = byProtocol;
  // Two distinct prefixes were checked above, so both are present.
  if (!udp || !tcp) return { ok: false, reason: 'expected one tcp: and one udp: address' };
  return { ok: true, address: { udp, tcp } };
}
