/**
 * Seeded `aws/spans` span records for the stream tests and the bench, in the flat record shape of
 * Transaction Search that `test/fixtures/otel/twin/otel.ndjson` follows (flat attribute maps, kind and
 * status as names, nanosecond times as bare JSON numbers above 2^53, `aws.xray` scope). Each trace is
 * a Lambda invocation as X-Ray sees it: the function's SERVER span, two CLIENT calls (DynamoDB, an
 * HTTP API); a hybrid trace adds the `datadog-metadata` span under the function span, carrying the
 * upstream Datadog context in `aws.xray.metadata.datadog` (the collector's awsxray translation of
 * segment metadata). Written here, not captured: no public capture of `aws/spans` records was found.
 */

export interface GeneratedTrace {
  /** 32 hex. */
  readonly traceId: string;
  readonly records: readonly string[];
  /** For a hybrid trace: the upstream Datadog trace and span ids (decimal). */
  readonly upstream?: { readonly traceId: string; readonly parentId: string };
  readonly functionSpanId: string;
}

/** mulberry32: small, seeded, enough for test data. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(random: () => number, digits: number): string {
  let out = '';
  while (out.length < digits)
    out += Math.floor(random() * 0x10000)
      .toString(16)
      .padStart(4, '0');
  return out.slice(0, digits);
}

const BASE_NS = 1_765_000_000_000_000_000n;

export function generateTraces(
  count: number,
  options: { seed: number; hybridShare?: number },
): GeneratedTrace[] {
  const random = seeded(options.seed);
  const traces: GeneratedTrace[] = [];
  for (let i = 0; i < count; i += 1) {
    const epoch = (0x69000000 + i).toString(16);
    const traceId = `${epoch}${hex(random, 24)}`;
    const start = BASE_NS + BigInt(i) * 1_000_000n;
    const fn = hex(random, 16);
    const hybrid = random() < (options.hybridShare ?? 0.5);
    const resource = {
      attributes: {
        'service.name': 'checkout-fn',
        'cloud.provider': 'aws',
        'cloud.platform': 'aws_lambda',
        'cloud.region': 'us-east-1',
        'faas.name': 'checkout-fn',
        'deployment.environment.name': 'prod',
      },
    };
    const span = (
      fields: Record<string, unknown>,
      attributes: Record<string, unknown>,
      startNs: bigint,
      endNs: bigint,
    ) =>
      // Nanoseconds as bare JSON numbers, as aws/spans writes them.
      JSON.stringify({
        resource,
        scope: { name: 'aws.xray' },
        traceId,
        ...fields,
        startTimeUnixNano: '@S@',
        endTimeUnixNano: '@E@',
        attributes,
        status: { code: 'UNSET' },
      })
        .replace('"@S@"', startNs.toString())
        .replace('"@E@"', endNs.toString());
    const records = [
      span(
        { spanId: fn, name: 'checkout-fn', kind: 'SERVER' },
        {
          'faas.invocation_id': hex(random, 32),
          'faas.coldstart': false,
          'aws.xray.origin': 'AWS::Lambda::Function',
        },
        start,
        start + 40_000_000n,
      ),
      span(
        { spanId: hex(random, 16), parentSpanId: fn, name: 'DynamoDB', kind: 'CLIENT' },
        {
          'rpc.system': 'aws-api',
          'rpc.service': 'DynamoDB',
          'rpc.method': 'GetItem',
          'aws.dynamodb.table_names': ['orders'],
          'http.response.status_code': 200,
        },
        start + 2_000_000n,
        start + 9_000_000n,
      ),
      span(
        { spanId: hex(random, 16), parentSpanId: fn, name: 'payments.example.com', kind: 'CLIENT' },
        {
          'http.request.method': 'POST',
          'url.full': 'https://payments.example.com/charge',
          'http.response.status_code': 201,
        },
        start + 10_000_000n,
        start + 30_000_000n,
      ),
    ];
    let upstream: GeneratedTrace['upstream'];
    if (hybrid) {
      upstream = {
        traceId: (BigInt(`0x${hex(random, 16)}`) >> 1n).toString(),
        parentId: BigInt(`0x${hex(random, 16)}`).toString(),
      };
      records.push(
        span(
          { spanId: hex(random, 16), parentSpanId: fn, name: 'datadog-metadata', kind: 'INTERNAL' },
          {
            'aws.xray.metadata.datadog': {
              trace: {
                'trace-id': upstream.traceId,
                'parent-id': upstream.parentId,
                'sampling-priority': '1',
              },
            },
          },
          start + 1_000_000n,
          start + 1_000_000n,
        ),
      );
    }
    traces.push({ traceId, records, functionSpanId: fn, ...(upstream ? { upstream } : {}) });
  }
  return traces;
}

/** Shuffles in place with the seeded source (Fisher-Yates). */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
