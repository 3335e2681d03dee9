// Differential test of src/xray/header.ts against two independent parsers of the same header:
//
// - aws-xray-sdk-core 3.x, as it reads `_X_AMZN_TRACE_ID` in Lambda (`LambdaUtils.populateTraceData`,
//   on top of `processTraceData` and `TraceID.FromString`);
// - @opentelemetry/propagator-aws-xray, `AWSXRayPropagator.extract`.
//
// Over a seeded corpus of valid, mutated and random headers: ours never throws; every header both
// references accept with the same ids, ours accepts with those ids; and every disagreement between
// ours and either reference matches one of the differences listed (and justified) below. A
// disagreement that matches none fails the test with the header that showed it.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { defaultTextMapGetter, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import fc from 'fast-check';
import { canParent, MAX_TRACE_HEADER_LENGTH, parseTraceHeader } from '../../src/xray/header.ts';

process.env.AWS_XRAY_LOG_LEVEL = 'silent'; // the SDK logs every invalid header it sees
const require = createRequire(import.meta.url);
const sdkUtils = require('aws-xray-sdk-core/dist/lib/utils.js') as {
  processTraceData(header: string): { root?: string; parent?: string; sampled?: string };
  LambdaUtils: { populateTraceData(segment: Record<string, unknown>, header: string): boolean };
};

/** What a parser made of a header: whether it can parent a span on it, and with which ids (lowercased). */
interface Outcome {
  readonly accepted: boolean;
  readonly root?: string;
  readonly parent?: string;
}

function ours(header: string): Outcome {
  const parsed = parseTraceHeader(header);
  return canParent(parsed)
    ? { accepted: true, root: parsed.root, parent: parsed.parent }
    : { accepted: false };
}

function sdk(header: string): Outcome {
  const segment: Record<string, unknown> = {};
  const valid = sdkUtils.LambdaUtils.populateTraceData(segment, header);
  // A Root-only header is "valid" to the SDK as a pass-through (noOp) segment: nothing to parent on.
  if (!valid || segment.noOp) return { accepted: false };
  return {
    accepted: true,
    root: String(segment.trace_id).toLowerCase(),
    parent: String(segment.id).toLowerCase(),
  };
}

const propagator = new AWSXRayPropagator();
function otel(header: string): Outcome {
  const context = propagator.extract(ROOT_CONTEXT, { 'x-amzn-trace-id': header }, defaultTextMapGetter);
  const span = trace.getSpanContext(context);
  if (!span) return { accepted: false };
  const id = span.traceId.toLowerCase();
  return { accepted: true, root: `1-${id.slice(0, 8)}-${id.slice(8)}`, parent: span.spanId.toLowerCase() };
}

const sameIds = (a: Outcome, b: Outcome) =>
  a.accepted && b.accepted && a.root === b.root && a.parent === b.parent;
const disagree = (a: Outcome, b: Outcome) => a.accepted !== b.accepted || (a.accepted && !sameIds(a, b));

// --- What a header contains, for the justifications --------------------------------------------

interface Part {
  readonly raw: string;
  /** Text before the first `=`, trimmed; undefined when there is no `=`. */
  readonly key?: string;
  /** Text after the first `=`, untrimmed. */
  readonly rawValue?: string;
}

function parts(header: string): Part[] {
  return header.split(';').map((raw) => {
    const eq = raw.indexOf('=');
    return eq < 0 ? { raw } : { raw, key: raw.slice(0, eq).trim(), rawValue: raw.slice(eq + 1) };
  });
}

const NAMES = ['Root', 'Parent', 'Sampled'] as const;
const isName = (key: string | undefined) => NAMES.some((n) => n.toLowerCase() === key?.toLowerCase());

const HEX_ROOT = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/i;
const HEX_PARENT = /^[0-9a-f]{16}$/i;

interface Difference {
  readonly id: string;
  /** Why ours differs from this reference, and why ours is right (or the difference harmless). */
  readonly why: string;
  readonly applies: (header: string, mine: Outcome, theirs: Outcome) => boolean;
}

const lengthCap: Difference = {
  id: 'length-cap',
  why:
    `Ours ignores headers over ${MAX_TRACE_HEADER_LENGTH} characters instead of scanning them: real ` +
    'trace headers are under 256 bytes (the SDK itself keeps at most 256 bytes of extra keys), and a ' +
    'huge header is hostile input. The one case where ours refuses a header both references accept.',
  applies: (header, mine) => !mine.accepted && header.length > MAX_TRACE_HEADER_LENGTH,
};

const SDK_DIFFERENCES: readonly Difference[] = [
  lengthCap,
  {
    id: 'sdk-does-not-validate-ids',
    why:
      'The SDK checks only that Root round-trips through TraceID.FromString (the random part can be ' +
      'anything) and takes any non-empty Parent, including all zeros. Ours requires 24 hex and a ' +
      'non-zero 16-hex Parent, the documented format, because these become Datadog ids.',
    applies: (_h, mine, theirs) =>
      !mine.accepted &&
      theirs.accepted &&
      (!HEX_ROOT.test(theirs.root ?? '') ||
        !HEX_PARENT.test(theirs.parent ?? '') ||
        /^0+$/.test(theirs.parent ?? '')),
  },
  {
    id: 'sdk-cuts-value-at-second-equals',
    why:
      'The SDK splits each part on every "=" and keeps only the text between the first and second, so ' +
      '"Root=1-…=junk" is Root "1-…" to it. Ours takes everything after the first "=" as the value ' +
      'and refuses the malformed value rather than guessing.',
    applies: (header) => parts(header).some((p) => isName(p.key) && (p.rawValue ?? '').includes('=')),
  },
  {
    id: 'sdk-skips-empty-values',
    why:
      'The SDK skips a part with an empty value, so "Root=…;Root=" keeps the first Root. Ours applies ' +
      'the documented rule (last duplicate wins) to every part, so an empty later value clears it.',
    applies: (header) =>
      parts(header).some((p) => isName(p.key) && (p.rawValue === '' || p.rawValue?.split('=')[0] === '')),
  },
  {
    id: 'sdk-requires-sampled',
    why:
      'The SDK needs a Sampled value to accept a header. Ours can parent a span on Root+Parent alone ' +
      '(Sampled only sets the priority; Lambda always sends it anyway).',
    applies: (header, mine, theirs) =>
      mine.accepted && !theirs.accepted && !sdkUtils.processTraceData(header).sampled,
  },
  {
    id: 'sdk-case-sensitive-epoch',
    why:
      'TraceID.FromString lowercases the epoch part, so a Root with uppercase epoch hex does not ' +
      'round-trip and the SDK refuses it. Ours lowercases all hex: same ids, case aside.',
    applies: (header, mine, theirs) => {
      const root = sdkUtils.processTraceData(header).root ?? '';
      return mine.accepted && !theirs.accepted && root !== root.toLowerCase();
    },
  },
];

const OTEL_DIFFERENCES: readonly Difference[] = [
  lengthCap,
  {
    id: 'otel-matches-key-prefixes',
    why:
      'The propagator matches keys with startsWith, so "RootX=…", "Parentage=…" or "Sampled1" count as ' +
      'Root, Parent, Sampled. Ours matches keys exactly (RootX is an unknown key), as the header spec ' +
      'and the SDK do.',
    applies: (header) =>
      parts(header).some((p) => {
        const text = p.raw.trim();
        return NAMES.some((n) => text.startsWith(n) && p.key !== n);
      }),
  },
  {
    id: 'otel-case-sensitive-keys',
    why:
      'The propagator only knows "Root", "Parent", "Sampled" in that case. Ours, like the SDK, reads ' +
      'keys case-insensitively.',
    applies: (header) => parts(header).some((p) => isName(p.key) && !NAMES.some((n) => n === p.key)),
  },
  {
    id: 'otel-untrimmed-values',
    why:
      'The propagator trims each part but not the value after "=", so "Root= 1-…" has a 36-character ' +
      'value to it. Ours trims keys and values (whitespace is never part of an id).',
    applies: (header) =>
      parts(header).some((p) => isName(p.key) && p.rawValue !== undefined && /^\s/.test(p.rawValue)),
  },
  {
    id: 'otel-requires-sampled-0-or-1',
    why:
      'The propagator refuses a header without Sampled=0 or Sampled=1 (so also Sampled=?, which X-Ray ' +
      'sends for a deferred decision). Ours parents on Root+Parent; Sampled only sets the priority.',
    applies: (header, mine, theirs) => {
      const sampled = parseTraceHeader(header).sampled;
      return mine.accepted && !theirs.accepted && sampled !== '0' && sampled !== '1';
    },
  },
  {
    id: 'otel-refuses-all-zero-trace-id',
    why:
      'An all-zero epoch and random part is an invalid OpenTelemetry trace id. X-Ray never issues it; ' +
      'ours accepts it as well-formed, which is harmless.',
    applies: (_h, mine, theirs) =>
      mine.accepted && !theirs.accepted && mine.root === `1-${'0'.repeat(8)}-${'0'.repeat(24)}`,
  },
];

// --- The corpus -------------------------------------------------------------------------------

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: length, maxLength: length });
const lowerHex = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });
const space = fc.constantFrom('', '', '', ' ', '  ', '\t');
/** Mostly as X-Ray writes keys, sometimes in another case. */
const keyCase = (key: string) =>
  fc.oneof({ arbitrary: fc.constant(key), weight: 8 }, fc.constantFrom(key.toLowerCase(), key.toUpperCase()));

const validPart = fc.oneof(
  fc.tuple(keyCase('Root'), lowerHex(8), hex(24)).map(([k, e, r]) => `${k}=1-${e}-${r}`),
  fc.tuple(keyCase('Parent'), hex(16)).map(([k, p]) => `${k}=${p}`),
  fc.tuple(keyCase('Sampled'), fc.constantFrom('0', '1', '?')).map(([k, s]) => `${k}=${s}`),
  fc.constantFrom(
    'Lineage=1:fe460cdd:0',
    'Lineage=a87bd80c:1|68fd508a:5',
    'Self=1-67891234-12456789abcdef012345678',
    'CalledFrom=alb',
  ),
);

/** Well-formed headers: the three keys in any order with extras, padding and key case varied. */
const validHeader = fc
  .tuple(
    lowerHex(8),
    hex(24),
    hex(16),
    fc.constantFrom('0', '1', '1', '1', '?', undefined),
    fc.array(validPart, { maxLength: 3 }),
    fc.array(space, { minLength: 12, maxLength: 12 }),
    keyCase('Root'),
    keyCase('Parent'),
    fc.boolean(),
  )
  .chain(([epoch, random, parent, sampled, extra, pads, rootKey, parentKey, shuffle]) => {
    const core = [`${rootKey}=1-${epoch}-${random}`, `${parentKey}=${parent}`];
    if (sampled !== undefined) core.push(`Sampled=${sampled}`);
    const all = [...core, ...extra];
    const ordered = shuffle ? fc.shuffledSubarray(all, { minLength: all.length }) : fc.constant(all);
    return ordered.map((list) => list.map((p, i) => `${pads[i % 12]}${p}${pads[(i + 6) % 12]}`).join(';'));
  });

type Mutation = (header: string, at: number, text: string) => string;
const mutations: Mutation[] = [
  (h, at) => h.slice(0, at) + h.slice(at + 1), // delete a character
  (h, at, text) => h.slice(0, at) + text + h.slice(at), // insert text
  (h, at, text) => h.slice(0, at) + text + h.slice(at + text.length), // overwrite
  (h, at) => h.slice(0, at), // truncate
  (h, _at, text) => `${h};${text}`, // append a part
  (h, at) => `${h};${h.slice(at)}`, // duplicate a tail as a new part
  (h) => h.replace(/Root|Parent|Sampled/i, (k) => `${k}X`), // prefix-extended key
  (h) => h.replace(/=/, ' = '), // spaces around "="
  (h) => h.toUpperCase(),
  (h) => h.replace(/Parent=[^;]*/i, 'Parent=0000000000000000'),
  (h) => h.replace(/-[0-9a-f]{8}-/i, '-00000000-'),
  (h) => `${h};Root=`,
];
const insertion = fc.oneof(
  fc.constantFrom(
    ';',
    '=',
    ' ',
    '-',
    '1-',
    'Root=',
    'Parent=',
    'Sampled=1',
    '\u00a0',
    '\u0000',
    'é',
    '\ud83d',
  ),
  hex(4),
  fc.string({ maxLength: 6 }),
);

/** Valid headers with one to three mutations applied. */
const mutatedHeader = fc
  .tuple(
    validHeader,
    fc.array(fc.tuple(fc.nat(mutations.length - 1), fc.nat(200), insertion), { minLength: 1, maxLength: 3 }),
  )
  .map(([header, steps]) =>
    steps.reduce(
      (h, [which, at, text]) => (mutations[which] as Mutation)(h, at % (h.length + 1), text),
      header,
    ),
  );

/** Random bytes read as a header (the runtime hands over whatever arrived), and random strings. */
const randomHeader = fc.oneof(
  fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b).toString('latin1')),
  fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b).toString('utf8')),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.array(fc.oneof(validPart, fc.string({ maxLength: 12 })), { maxLength: 5 }).map((list) => list.join(';')),
);

const SEED = 20_240_611;
const corpus = [
  ...fc.sample(validHeader, { seed: SEED, numRuns: 4_000 }),
  ...fc.sample(mutatedHeader, { seed: SEED + 1, numRuns: 8_000 }),
  ...fc.sample(randomHeader, { seed: SEED + 2, numRuns: 4_000 }),
  ...fc
    .sample(validHeader, { seed: SEED + 3, numRuns: 50 })
    .map((h) => `${h};Pad=${'x'.repeat(MAX_TRACE_HEADER_LENGTH)}`),
  // Hand-picked headers that exercise each listed difference.
  'Root=1-5e272390-8c398be037738dc042009320;Parent=94ae789b969f1cc5;Sampled=1',
  `Root=1-5e272390-8c398be037738dc042009320;Parent=94ae789b969f1cc5;Sampled=1;Pad=${'x'.repeat(9_000)}`,
  'Root=1-5e272390-nothexnothexnothexnothex;Parent=94ae789b969f1cc5;Sampled=1',
  'Root=1-5e272390-8c398be037738dc042009320;Parent=0000000000000000;Sampled=1',
  'Root=1-5e272390-8c398be037738dc042009320=x;Parent=94ae789b969f1cc5;Sampled=1',
  'Root=1-5e272390-8c398be037738dc042009320;Parent=94ae789b969f1cc5;Sampled=1;Root=',
  'Root=1-5e272390-8c398be037738dc042009320;Parent=94ae789b969f1cc5',
  'Root=1-5E272390-8c398be037738dc042009320;Parent=94ae789b969f1cc5;Sampled=1',
  'RootX=1-5e272390-8c398be037738dc042009320;Parent=94ae789b969f1cc5;Sampled=1',
  'root=1-5e272390-8c398be037738dc042009320;parent=94ae789b969f1cc5;sampled=1',
  'Root= 1-5e272390-8c398be037738dc042009320;Parent=94ae789b969f1cc5;Sampled=1',
  'Root=1-5e272390-8c398be037738dc042009320;Parent=94ae789b969f1cc5;Sampled=?',
  'Root=1-00000000-000000000000000000000000;Parent=94ae789b969f1cc5;Sampled=1',
];

describe('header parser, differential against aws-xray-sdk-core and the OpenTelemetry propagator', () => {
  const results = corpus.map((header) => {
    let mine: Outcome | Error;
    try {
      mine = ours(header);
    } catch (error) {
      mine = error as Error;
    }
    return { header, mine, sdk: sdk(header), otel: otel(header) };
  });

  it('ours never throws', () => {
    const thrown = results.filter((r) => r.mine instanceof Error);
    assert.deepEqual(
      thrown.map((r) => r.header),
      [],
    );
  });

  const settled = results.filter(
    (r): r is { header: string; mine: Outcome; sdk: Outcome; otel: Outcome } => !(r.mine instanceof Error),
  );

  it('accepts every header both references accept with the same ids, with those ids', (t) => {
    const agreed = settled.filter((r) => sameIds(r.sdk, r.otel));
    // The corpus must really exercise this: most valid headers are accepted by both.
    assert.ok(agreed.length >= 2_000, `only ${agreed.length} headers accepted by both references`);
    const missed = agreed.filter(
      (r) => !sameIds(r.mine, r.sdk) && !lengthCap.applies(r.header, r.mine, r.sdk),
    );
    assert.deepEqual(
      missed.map((r) => r.header),
      [],
    );
    t.diagnostic(`${agreed.length} of ${settled.length} headers accepted by both references`);
  });

  for (const [name, reference, differences] of [
    ['aws-xray-sdk-core', 'sdk', SDK_DIFFERENCES],
    ['@opentelemetry/propagator-aws-xray', 'otel', OTEL_DIFFERENCES],
  ] as const) {
    it(`every disagreement with ${name} is a listed, justified difference`, (t) => {
      const counts = new Map<string, number>();
      const unexplained: string[] = [];
      for (const r of settled) {
        const theirs = r[reference];
        if (!disagree(r.mine, theirs)) continue;
        const reason = differences.find((d) => d.applies(r.header, r.mine, theirs));
        if (!reason) {
          unexplained.push(
            `${JSON.stringify(r.header)} ours=${JSON.stringify(r.mine)} theirs=${JSON.stringify(theirs)}`,
          );
          continue;
        }
        counts.set(reason.id, (counts.get(reason.id) ?? 0) + 1);
      }
      assert.deepEqual(unexplained.slice(0, 10), []);
      for (const d of differences) t.diagnostic(`${d.id}: ${counts.get(d.id) ?? 0} headers. ${d.why}`);
      // Every listed difference is real: the corpus shows each at least once.
      assert.deepEqual(
        differences.filter((d) => !counts.has(d.id)).map((d) => d.id),
        [],
        'a listed difference never occurred: remove it or add a header that shows it',
      );
    });
  }

  it('where ours and both references accept, all three agree on the ids', () => {
    const all = settled.filter((r) => r.mine.accepted && r.sdk.accepted && r.otel.accepted);
    assert.ok(all.length > 0);
    const split = all.filter((r) => !sameIds(r.mine, r.sdk) || !sameIds(r.mine, r.otel));
    // Only headers the reference parsers themselves disagree on (a prefix key, a cut value) may split.
    for (const r of split) {
      const explained =
        (sameIds(r.mine, r.sdk) || SDK_DIFFERENCES.some((d) => d.applies(r.header, r.mine, r.sdk))) &&
        (sameIds(r.mine, r.otel) || OTEL_DIFFERENCES.some((d) => d.applies(r.header, r.mine, r.otel)));
      assert.ok(explained, JSON.stringify(r));
    }
  });
});
