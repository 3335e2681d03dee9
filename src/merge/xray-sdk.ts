/**
 * What the two X-Ray API modules (xray-client.ts, transaction-search-client.ts) share about
 * `@aws-sdk/client-xray`: the client options, a client made on first use (so the `convert` and
 * `merge` paths never load the SDK) with the SDK's own retries off (`maxAttempts: 1`: callers back
 * off themselves, testably), and how an SDK error is told apart (throttled, server fault, denied).
 *
 * @example
 * const sdk = lazyXRayClient({ region: 'eu-west-1' });
 * const { client, sdk: xray } = await sdk.connect();
 * await client.send(new xray.GetTraceSegmentDestinationCommand({}));
 * sdk.destroy();
 */

import type { XRayClient } from '@aws-sdk/client-xray';

export interface XRayClientOptions {
  /** Region; from the default chain (AWS_REGION, shared config) when absent. */
  readonly region?: string;
  /** Endpoint override, e.g. a loopback stand-in or a VPC endpoint. */
  readonly endpoint?: string;
  /** Static credentials; the default credential chain when absent. */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export interface XRayConnection {
  readonly client: XRayClient;
  readonly sdk: typeof import('@aws-sdk/client-xray');
}

export interface LazyXRayClient {
  /** The client, made (and the SDK loaded) on the first call. */
  connect(): Promise<XRayConnection>;
  /** Closes the client's sockets, if it was ever made; once. */
  destroy(): void;
}

export function lazyXRayClient(options: XRayClientOptions = {}): LazyXRayClient {
  let connection: Promise<XRayConnection> | undefined;
  let destroyed = false;
  return {
    connect() {
      connection ??= import('@aws-sdk/client-xray').then((sdk) => ({
        sdk,
        client: new sdk.XRayClient({
          maxAttempts: 1,
          ...(options.region !== undefined ? { region: options.region } : {}),
          ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
          ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
        }),
      }));
      return connection;
    },
    destroy() {
      if (destroyed || connection === undefined) return;
      destroyed = true;
      void connection.then(({ client }) => client.destroy()).catch(() => undefined);
    },
  };
}

/** Errors worth waiting out: throttling (429) and server faults (5xx). */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
  if (
    e.name === 'ThrottledException' ||
    e.name === 'ThrottlingException' ||
    e.name === 'TooManyRequestsException'
  ) {
    return true;
  }
  const status = e.$metadata?.httpStatusCode;
  return status === 429 || (status !== undefined && status >= 500) || e.$fault === 'server';
}

export function isThrottle(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === 'ThrottledException' || e?.$metadata?.httpStatusCode === 429;
}

/** An error that says the caller's IAM policy does not allow the action (HTTP 403). */
export function isAccessDenied(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return (
    e?.name === 'AccessDeniedException' ||
    e?.name === 'AccessDenied' ||
    e?.name === 'UnauthorizedOperation' ||
    e?.$metadata?.httpStatusCode === 403
  );
}
