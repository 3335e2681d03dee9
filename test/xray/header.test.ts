import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canParent, formatTraceHeader, parseTraceHeader } from '../../src/xray/header.ts';

const ROOT = '1-5e272390-8c398be037738dc042009320';
const PARENT = '94ae789b969f1cc5';

// [name, header, expected root, parent, sampled, extra]
const cases: Array<
  [string, unknown, string | undefined, string | undefined, string | undefined, string[][]]
> = [
  ['canonical', `Root=${ROOT};Parent=${PARENT};Sampled=1`, ROOT, PARENT, '1', []],
  ['reordered', `Sampled=0;Parent=${PARENT};Root=${ROOT}`, ROOT, PARENT, '0', []],
  ['Sampled=?', `Root=${ROOT};Parent=${PARENT};Sampled=?`, ROOT, PARENT, '?', []],
  ['only Root', `Root=${ROOT}`, ROOT, undefined, undefined, []],
  [
    'Lineage kept',
    `Root=${ROOT};Parent=${PARENT};Sampled=1;Lineage=1:fe460cdd:0`,
    ROOT,
    PARENT,
    '1',
    [['Lineage', '1:fe460cdd:0']],
  ],
  [
    'Lineage before Root (positional parsers break here)',
    `Lineage=a87bd80c:1|68fd508a:5;Root=${ROOT};Parent=${PARENT};Sampled=1`,
    ROOT,
    PARENT,
    '1',
    [['Lineage', 'a87bd80c:1|68fd508a:5']],
  ],
  [
    'Self and CalledFrom kept in order',
    `Self=1-67891234-12456789abcdef012345678;Root=${ROOT};CalledFrom=alb`,
    ROOT,
    undefined,
    undefined,
    [
      ['Self', '1-67891234-12456789abcdef012345678'],
      ['CalledFrom', 'alb'],
    ],
  ],
  ['whitespace trimmed', `  Root = ${ROOT} ;  Parent=${PARENT} ; Sampled= 1 `, ROOT, PARENT, '1', []],
  ['keys case-insensitive', `root=${ROOT};PARENT=${PARENT};sampled=1`, ROOT, PARENT, '1', []],
  [
    'hex lowercased',
    `Root=${ROOT.toUpperCase()};Parent=${PARENT.toUpperCase()}`,
    ROOT,
    PARENT,
    undefined,
    [],
  ],
  [
    'last duplicate wins',
    `Root=1-00000000-000000000000000000000001;Root=${ROOT};Parent=0000000000000001;Parent=${PARENT}`,
    ROOT,
    PARENT,
    undefined,
    [],
  ],
  ['RootX is an unknown key, not Root', `RootX=${ROOT}`, undefined, undefined, undefined, [['RootX', ROOT]]],
  ['all-zero Parent is invalid', `Root=${ROOT};Parent=0000000000000000;Sampled=1`, ROOT, undefined, '1', []],
  ['short Parent is invalid', `Root=${ROOT};Parent=94ae789b969f1cc`, ROOT, undefined, undefined, []],
  ['non-hex Parent is invalid', `Root=${ROOT};Parent=94ae789b969f1cgz`, ROOT, undefined, undefined, []],
  ['Root version must be 1', `Root=2-5e272390-8c398be037738dc042009320`, undefined, undefined, undefined, []],
  [
    'Root random part too short',
    `Root=1-5e272390-8c398be037738dc04200932`,
    undefined,
    undefined,
    undefined,
    [],
  ],
  ['Root without dashes', `Root=15e2723908c398be037738dc042009320`, undefined, undefined, undefined, []],
  ['Sampled=true is not a value', `Root=${ROOT};Sampled=true`, ROOT, undefined, undefined, []],
  ['empty string', '', undefined, undefined, undefined, []],
  ['no equals signs', 'garbage;;;', undefined, undefined, undefined, []],
  ['not a string', 42, undefined, undefined, undefined, []],
  ['undefined', undefined, undefined, undefined, undefined, []],
  ['value containing =', `Root=${ROOT};Foo=a=b`, ROOT, undefined, undefined, [['Foo', 'a=b']]],
];

describe('parseTraceHeader', () => {
  for (const [name, input, root, parent, sampled, extra] of cases) {
    it(name, () => {
      const header = parseTraceHeader(input);
      assert.equal(header.root, root);
      assert.equal(header.parent, parent);
      assert.equal(header.sampled, sampled);
      assert.deepEqual(header.extra, extra);
    });
  }

  it('ignores a header too long to be one, without scanning it', () => {
    const header = parseTraceHeader(`Root=${ROOT};${'x'.repeat(70_000)}`);
    assert.equal(header.root, undefined);
  });
});

describe('canParent', () => {
  it('needs both Root and Parent', () => {
    assert.equal(canParent(parseTraceHeader(`Root=${ROOT};Parent=${PARENT}`)), true);
    assert.equal(canParent(parseTraceHeader(`Root=${ROOT}`)), false);
    assert.equal(canParent(parseTraceHeader(`Parent=${PARENT}`)), false);
  });
});

describe('formatTraceHeader', () => {
  it('round-trips, unknown keys after the known ones in their order', () => {
    const input = `Lineage=1:fe460cdd:0;Root=${ROOT};Sampled=1;Parent=${PARENT};Self=x`;
    assert.equal(
      formatTraceHeader(parseTraceHeader(input)),
      `Root=${ROOT};Parent=${PARENT};Sampled=1;Lineage=1:fe460cdd:0;Self=x`,
    );
  });
  it('formats only what is there', () => {
    assert.equal(formatTraceHeader(parseTraceHeader(`Root=${ROOT}`)), `Root=${ROOT}`);
  });
});
