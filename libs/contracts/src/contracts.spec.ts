// Contract tests of @hanpyo/contracts. Valid inputs are the real documents of vectors/spec-v1.json
// (known-answer vectors made by an implementation written apart from the project) and of
// docs/vectors/hanpyo-v1.json (the project's own published vectors). Negative cases are grouped by
// reason; each asserts the exact set of JSON paths reported, so a check that silently stops firing,
// or fires at the wrong place, fails.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  ContractError,
  jsonPath,
  parseBoardEntry,
  parseCeremony,
  parseEncryptedBallot,
  parseManifest,
  parsePlaintextSelections,
  parseReceipt,
  parseSignedBlock,
  parseTally,
  parseTokenClaims,
} from './index.js';
import type { ContractIssue } from './index.js';

// ---------------------------------------------------------------------------------------------
// Fixtures: the vector files (this file runs as libs/contracts/dist/contracts.spec.js).

interface CeremonyVector {
  trustees: { index: number; commitments: string[]; proofs: { c: string; z: string }[] }[];
  jointPublicKey: string;
}
interface DecryptionVector {
  A: string;
  B: string;
  trusteesUsed: number[];
  shares: { trustee: number; nonce: string; D: string; c: string; z: string }[];
  count: number;
}
interface BallotVector {
  choice: Record<string, string[]>;
  ballot: { districtId: string; nullifier: string; electionId: string } & Record<string, unknown>;
  trackingCode: string;
}
interface BlockVector {
  block: Record<string, unknown>;
  signatures: Record<string, unknown>;
}
interface ReceiptVector {
  receipt: { receivedAt: string } & Record<string, unknown>;
}
interface ManifestVector {
  manifest: {
    electionId: string;
    contests: { contestId: string; options: { optionId: string }[] }[];
  } & Record<string, unknown>;
}
interface SpecV1 {
  vectors: {
    manifest: ManifestVector;
    ceremony: CeremonyVector;
    ballot: BallotVector;
    receipt: ReceiptVector;
    block: BlockVector;
    decryption: DecryptionVector;
  };
}
interface HanpyoV1 {
  vectors: {
    manifest: ManifestVector;
    ceremony: CeremonyVector;
    ballots: BallotVector[];
    receipt: ReceiptVector;
    blocks: BlockVector[];
    decryption: DecryptionVector;
  };
}

const root = new URL('../../../', import.meta.url);
const load = <T>(path: string): T => JSON.parse(readFileSync(new URL(path, root), 'utf8')) as T;
const specV1 = load<SpecV1>('vectors/spec-v1.json').vectors;
const hanpyoV1 = load<HanpyoV1>('docs/vectors/hanpyo-v1.json').vectors;

/** `ceremony.json` as SPEC §10 defines it: the vectors also carry the secrets, which it must not. */
const ceremonyRecord = (c: CeremonyVector) => ({
  trustees: c.trustees.map(({ index, commitments, proofs }) => ({ index, commitments, proofs })),
  jointPublicKey: c.jointPublicKey,
});

/** A one-option `tally.json` built from a decryption vector (its shares without their nonces). */
const tallyOf = (d: DecryptionVector, districtId: string, contestId: string, optionId: string) => ({
  trusteesUsed: d.trusteesUsed,
  districts: [
    {
      districtId,
      counted: d.count,
      contests: [
        {
          contestId,
          options: [
            {
              optionId,
              A: d.A,
              B: d.B,
              shares: d.shares.map(({ nonce: _nonce, ...share }) => share),
              count: d.count,
            },
          ],
        },
      ],
    },
  ],
});

const boardEntryOf = (b: BallotVector, receipt: ReceiptVector) => ({
  partition: 0,
  offset: 0,
  receivedAt: receipt.receipt.receivedAt,
  trackingCode: b.trackingCode,
  ballot: b.ballot,
});

const claimsOf = (b: BallotVector, issuer: string) => ({
  iss: issuer,
  aud: b.ballot.electionId,
  sub: b.ballot.nullifier,
  dst: b.ballot.districtId,
  nbf: 1_767_225_600,
  exp: 1_767_268_800,
  jti: 'token-0001',
});

const manifest = specV1.manifest.manifest;
const ballot = specV1.ballot.ballot;
const receipt = specV1.receipt.receipt;
const signedBlock = { block: specV1.block.block, signatures: specV1.block.signatures };
const ceremony = ceremonyRecord(specV1.ceremony);
const tally = tallyOf(specV1.decryption, 'd-01', 'mayor', 'b');
const boardEntry = boardEntryOf(specV1.ballot, specV1.receipt);
const claims = claimsOf(specV1.ballot, 'reg-1');

// ---------------------------------------------------------------------------------------------
// Helpers: edit a copy of a document at JSON paths, and collect the issues a parser reports.

type Key = string | number;
type Node = Record<Key, unknown>;
/** Marks a key or array element to delete in `edited`. */
const REMOVE = Symbol('remove');

function at(doc: unknown, path: readonly Key[]): unknown {
  let node = doc;
  for (const k of path) node = (node as Node)[k];
  return node;
}

/** A deep copy of `doc` with each `[path, value]` applied in order (`REMOVE` deletes). */
function edited(doc: unknown, ...edits: (readonly [readonly Key[], unknown])[]): unknown {
  const copy = structuredClone(doc);
  for (const [path, value] of edits) {
    const parent = at(copy, path.slice(0, -1)) as Node;
    const last = path[path.length - 1]!;
    if (value !== REMOVE) parent[last] = value;
    else if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  }
  return copy;
}

type Parser = (value: unknown) => unknown;

/** The issues of the ContractError `parse` must throw (fails the test if it does not throw one). */
function issuesOf(parse: Parser, value: unknown): readonly ContractIssue[] {
  try {
    parse(value);
  } catch (e) {
    assert.ok(e instanceof ContractError, `expected a ContractError, got ${String(e)}`);
    assert.equal(e.code, 'CONTRACT_INVALID');
    assert.equal(e.name, 'ContractError');
    assert.ok(e.issues.length > 0, 'a ContractError lists at least one issue');
    return e.issues;
  }
  assert.fail('expected the document to be rejected');
}

/**
 * Asserts that `parse` rejects `value` with issues at exactly `paths` (as a set: zod may report two
 * messages for one place) and, where given, a message matching `message`.
 */
function rejects(
  parse: Parser,
  value: unknown,
  paths: readonly string[],
  message?: RegExp,
): readonly ContractIssue[] {
  const issues = issuesOf(parse, value);
  const reported = [...new Set(issues.map((i) => i.path))].sort();
  assert.deepEqual(reported, [...paths].sort(), `reported: ${JSON.stringify(issues)}`);
  if (message) {
    assert.ok(
      issues.some((i) => message.test(i.message)),
      `no message matches ${String(message)}: ${JSON.stringify(issues)}`,
    );
  }
  return issues;
}

// ---------------------------------------------------------------------------------------------

void describe('valid documents: vectors/spec-v1.json (written apart from the project)', () => {
  void it('the manifest parses to an equal document', () => {
    assert.deepEqual(parseManifest(manifest), manifest);
  });
  void it('the encrypted ballot parses to an equal document', () => {
    assert.deepEqual(parseEncryptedBallot(ballot), ballot);
  });
  void it('the receipt parses to an equal document', () => {
    assert.deepEqual(parseReceipt(receipt), receipt);
  });
  void it('the block with its signatures parses to an equal document', () => {
    assert.deepEqual(parseSignedBlock(signedBlock), signedBlock);
  });
  void it('the ceremony record (index, commitments, proofs, jointPublicKey) parses', () => {
    assert.deepEqual(parseCeremony(ceremony), ceremony);
    assert.equal(ceremony.trustees.length, 3);
  });
  void it('a tally built from the decryption vector parses', () => {
    assert.deepEqual(parseTally(tally), tally);
  });
  void it('a board entry of the ballot parses', () => {
    assert.deepEqual(parseBoardEntry(boardEntry), boardEntry);
  });
  void it("the ballot's plaintext choice parses as edge-mode selections", () => {
    assert.deepEqual(parsePlaintextSelections(specV1.ballot.choice), { mayor: ['b'] });
  });
  void it('token claims for the ballot parse', () => {
    assert.deepEqual(parseTokenClaims(claims), claims);
  });
});

void describe('valid documents: docs/vectors/hanpyo-v1.json (the published vectors)', () => {
  void it('the manifest (two contests, two styles, three districts) parses', () => {
    const m = hanpyoV1.manifest.manifest;
    assert.deepEqual(parseManifest(m), m);
  });
  void it('every ballot, its board entry and its plaintext choice parse', () => {
    assert.equal(hanpyoV1.ballots.length, 3);
    for (const b of hanpyoV1.ballots) {
      assert.deepEqual(parseEncryptedBallot(b.ballot), b.ballot);
      const entry = boardEntryOf(b, hanpyoV1.receipt);
      assert.deepEqual(parseBoardEntry(entry), entry);
      assert.deepEqual(parsePlaintextSelections(b.choice), b.choice);
      const c = claimsOf(b, 'registrar-1');
      assert.deepEqual(parseTokenClaims(c), c);
    }
  });
  void it('the receipt parses', () => {
    assert.deepEqual(parseReceipt(hanpyoV1.receipt.receipt), hanpyoV1.receipt.receipt);
  });
  void it('every block with its signatures parses', () => {
    assert.equal(hanpyoV1.blocks.length, 2);
    for (const b of hanpyoV1.blocks) {
      const doc = { block: b.block, signatures: b.signatures };
      assert.deepEqual(parseSignedBlock(doc), doc);
    }
  });
  void it('the 3-of-5 ceremony record parses', () => {
    const c = ceremonyRecord(hanpyoV1.ceremony);
    assert.deepEqual(parseCeremony(c), c);
    assert.equal(c.trustees.length, 5);
  });
  void it('a tally built from the decryption vector parses', () => {
    const t = tallyOf(hanpyoV1.decryption, 'd-001', 'mayor', 'park');
    assert.deepEqual(parseTally(t), t);
  });
});

void describe('ContractError and jsonPath', () => {
  void it('names what was parsed and lists every issue in its message', () => {
    const bad = edited(receipt, [['offset'], -1], [['keyId'], '']);
    try {
      parseReceipt(bad);
      assert.fail('expected a ContractError');
    } catch (e) {
      assert.ok(e instanceof ContractError);
      assert.equal(e.what, 'receipt');
      assert.match(e.message, /^receipt is invalid: /);
      assert.match(e.message, /\$\.offset: /);
      assert.match(e.message, /\$\.keyId: /);
    }
  });
  void it('renders identifiers with dots, indices in brackets, other keys as quoted strings', () => {
    assert.equal(jsonPath([]), '$');
    assert.equal(
      jsonPath(['contests', 0, 'selections', 12, 'alpha']),
      '$.contests[0].selections[12].alpha',
    );
    assert.equal(jsonPath(['d-01', 0]), '$["d-01"][0]');
    assert.equal(jsonPath(['a"b']), '$["a\\"b"]');
    assert.equal(jsonPath(['']), '$[""]');
    assert.equal(jsonPath(['0abc']), '$["0abc"]');
  });
  void it('a non-object document is rejected at $', () => {
    for (const parse of [
      parseManifest,
      parseEncryptedBallot,
      parseReceipt,
      parseTally,
    ] as Parser[]) {
      rejects(parse, null, ['$']);
      rejects(parse, [], ['$']);
      rejects(parse, 'manifest', ['$']);
    }
  });
});

void describe('rejects: wrong spec literal', () => {
  void it('manifest spec "hanpyo/2"', () => {
    rejects(parseManifest, edited(manifest, [['spec'], 'hanpyo/2']), ['$.spec']);
  });
  void it('manifest without spec', () => {
    rejects(parseManifest, edited(manifest, [['spec'], REMOVE]), ['$.spec']);
  });
  void it('block spec "hanpyo/1 " (trailing space)', () => {
    rejects(parseSignedBlock, edited(signedBlock, [['block', 'spec'], 'hanpyo/1 ']), [
      '$.block.spec',
    ]);
  });
  void it('other closed vocabularies: revotePolicy, encryptionModes, JWK kty and crv', () => {
    rejects(parseManifest, edited(manifest, [['revotePolicy'], 'random']), ['$.revotePolicy']);
    rejects(parseManifest, edited(manifest, [['encryptionModes'], ['client', 'paper']]), [
      '$.encryptionModes[1]',
    ]);
    rejects(parseManifest, edited(manifest, [['tokenIssuers', 0, 'kty'], 'EC']), [
      '$.tokenIssuers[0].kty',
    ]);
    rejects(parseManifest, edited(manifest, [['tokenIssuers', 0, 'crv'], 'X25519']), [
      '$.tokenIssuers[0].crv',
    ]);
  });
});

void describe('rejects: unknown keys (strict objects)', () => {
  const cases: [string, Parser, unknown, readonly Key[], string][] = [
    ['manifest', parseManifest, manifest, [], '$'],
    ['manifest contest', parseManifest, manifest, ['contests', 0], '$.contests[0]'],
    [
      'manifest option',
      parseManifest,
      manifest,
      ['contests', 0, 'options', 2],
      '$.contests[0].options[2]',
    ],
    ['manifest ballot style', parseManifest, manifest, ['ballotStyles', 0], '$.ballotStyles[0]'],
    ['manifest district', parseManifest, manifest, ['districts', 0], '$.districts[0]'],
    ['manifest trustees', parseManifest, manifest, ['trustees'], '$.trustees'],
    ['manifest edge signer', parseManifest, manifest, ['edgeSigners', 0], '$.edgeSigners[0]'],
    ['manifest witness', parseManifest, manifest, ['witnesses', 0], '$.witnesses[0]'],
    ['ballot', parseEncryptedBallot, ballot, [], '$'],
    ['ballot contest', parseEncryptedBallot, ballot, ['contests', 0], '$.contests[0]'],
    [
      'ballot selection',
      parseEncryptedBallot,
      ballot,
      ['contests', 0, 'selections', 1],
      '$.contests[0].selections[1]',
    ],
    [
      'selection proof',
      parseEncryptedBallot,
      ballot,
      ['contests', 0, 'selections', 2, 'proof'],
      '$.contests[0].selections[2].proof',
    ],
    [
      'limit proof',
      parseEncryptedBallot,
      ballot,
      ['contests', 0, 'limitProof'],
      '$.contests[0].limitProof',
    ],
    ['receipt', parseReceipt, receipt, [], '$'],
    ['board entry', parseBoardEntry, boardEntry, [], '$'],
    ['ballot inside a board entry', parseBoardEntry, boardEntry, ['ballot'], '$.ballot'],
    ['signed block', parseSignedBlock, signedBlock, [], '$'],
    ['block', parseSignedBlock, signedBlock, ['block'], '$.block'],
    ['block cut', parseSignedBlock, signedBlock, ['block', 'cuts', 1], '$.block.cuts[1]'],
    [
      'block district head',
      parseSignedBlock,
      signedBlock,
      ['block', 'districts', 0],
      '$.block.districts[0]',
    ],
    ['block signatures', parseSignedBlock, signedBlock, ['signatures'], '$.signatures'],
    [
      'one block signature',
      parseSignedBlock,
      signedBlock,
      ['signatures', 'signatures', 1],
      '$.signatures.signatures[1]',
    ],
    ['ceremony', parseCeremony, ceremony, [], '$'],
    ['ceremony trustee', parseCeremony, ceremony, ['trustees', 2], '$.trustees[2]'],
    [
      'ceremony proof',
      parseCeremony,
      ceremony,
      ['trustees', 0, 'proofs', 1],
      '$.trustees[0].proofs[1]',
    ],
    ['tally', parseTally, tally, [], '$'],
    ['tally district', parseTally, tally, ['districts', 0], '$.districts[0]'],
    [
      'tally option',
      parseTally,
      tally,
      ['districts', 0, 'contests', 0, 'options', 0],
      '$.districts[0].contests[0].options[0]',
    ],
    [
      'tally decryption share',
      parseTally,
      tally,
      ['districts', 0, 'contests', 0, 'options', 0, 'shares', 1],
      '$.districts[0].contests[0].options[0].shares[1]',
    ],
  ];
  for (const [what, parse, doc, where, path] of cases) {
    void it(`${what}: an extra key is reported at ${path}, naming the key`, () => {
      rejects(parse, edited(doc, [[...where, 'surplusKey'], 1]), [path], /surplusKey/);
    });
  }
  void it('a ceremony record that carries the secret coefficients is rejected', () => {
    const leaky = { ...ceremony, trustees: specV1.ceremony.trustees };
    rejects(
      parseCeremony,
      leaky,
      ceremony.trustees.map((_, i) => `$.trustees[${i}]`),
      /coefficients/,
    );
  });
  void it('a JWK may carry other members (RFC 7517 use, alg); token claims other claims', () => {
    const withUse = edited(manifest, [['tokenIssuers', 0, 'use'], 'sig']);
    assert.deepEqual(parseManifest(withUse), withUse);
    const withIat = { ...claims, iat: 1_767_225_600 };
    assert.deepEqual(parseTokenClaims(withIat), withIat);
  });
});

void describe('rejects: duplicate identifiers', () => {
  const mayor = manifest.contests[0]!;
  void it('contestId', () => {
    rejects(
      parseManifest,
      edited(manifest, [['contests', 1], structuredClone(mayor)]),
      ['$.contests[1]'],
      /duplicate contestId 'mayor'/,
    );
  });
  void it('optionId within a contest', () => {
    rejects(
      parseManifest,
      edited(manifest, [['contests', 0, 'options', 2, 'optionId'], 'a']),
      ['$.contests[0].options[2]'],
      /duplicate optionId 'a'/,
    );
  });
  void it('the same optionId in two contests is allowed', () => {
    const other = { ...structuredClone(mayor), contestId: 'council' };
    const doc = edited(
      manifest,
      [['contests', 1], other],
      [['ballotStyles', 0, 'contestIds', 1], 'council'],
    );
    assert.deepEqual(parseManifest(doc), doc);
  });
  void it('ballotStyleId', () => {
    const style = at(manifest, ['ballotStyles', 0]);
    rejects(parseManifest, edited(manifest, [['ballotStyles', 1], style]), ['$.ballotStyles[1]']);
  });
  void it('contestId twice on one ballot style', () => {
    rejects(parseManifest, edited(manifest, [['ballotStyles', 0, 'contestIds', 1], 'mayor']), [
      '$.ballotStyles[0].contestIds[1]',
    ]);
  });
  void it('districtId', () => {
    const district = { ...(at(manifest, ['districts', 0]) as Node), name: 'Other' };
    rejects(parseManifest, edited(manifest, [['districts', 1], district]), ['$.districts[1]']);
  });
  void it('keyId within edgeSigners', () => {
    const key = at(manifest, ['edgeSigners', 0]);
    rejects(parseManifest, edited(manifest, [['edgeSigners', 1], key]), ['$.edgeSigners[1]']);
  });
  void it('keyId within witnesses', () => {
    const key = at(manifest, ['witnesses', 0]);
    rejects(parseManifest, edited(manifest, [['witnesses', 1], key]), ['$.witnesses[1]']);
  });
  // The three signer lists share one keyId space; the duplicate must be reported where it is.
  void it('keyId across lists: a witness reusing a ledger keyId is reported at $.witnesses[0]', () => {
    rejects(parseManifest, edited(manifest, [['witnesses', 0, 'keyId'], 'ledger-1']), [
      '$.witnesses[0]',
    ]);
  });
  void it('keyId across lists: a ledger signer reusing an edge keyId is reported at $.ledgerSigners[0]', () => {
    rejects(parseManifest, edited(manifest, [['ledgerSigners', 0, 'keyId'], 'edge-1']), [
      '$.ledgerSigners[0]',
    ]);
  });
  void it('token issuer kid', () => {
    const jwk = at(manifest, ['tokenIssuers', 0]);
    rejects(parseManifest, edited(manifest, [['tokenIssuers', 1], jwk]), ['$.tokenIssuers[1]']);
  });
  void it('encryption mode', () => {
    rejects(parseManifest, edited(manifest, [['encryptionModes'], ['edge', 'edge']]), [
      '$.encryptionModes',
    ]);
  });
});

void describe('rejects: broken cross-references', () => {
  void it('a ballot style referencing an unknown contest', () => {
    rejects(
      parseManifest,
      edited(manifest, [['ballotStyles', 0, 'contestIds', 1], 'council']),
      ['$.ballotStyles[0].contestIds[1]'],
      /unknown contest 'council'/,
    );
  });
  void it('a district with an unknown ballot style', () => {
    rejects(
      parseManifest,
      edited(manifest, [['districts', 0, 'ballotStyleId'], 's2']),
      ['$.districts[0].ballotStyleId'],
      /unknown ballot style 's2'/,
    );
  });
  void it('a district of the published manifest pointed at a style id that differs in case', () => {
    rejects(
      parseManifest,
      edited(hanpyoV1.manifest.manifest, [['districts', 2, 'ballotStyleId'], 'Mayor-only']),
      ['$.districts[2].ballotStyleId'],
    );
  });
});

void describe('rejects: selection limits', () => {
  void it('minSelections > maxSelections', () => {
    rejects(parseManifest, edited(manifest, [['contests', 0, 'minSelections'], 2]), [
      '$.contests[0].minSelections',
    ]);
  });
  void it('maxSelections > number of options', () => {
    rejects(parseManifest, edited(manifest, [['contests', 0, 'maxSelections'], 4]), [
      '$.contests[0].maxSelections',
    ]);
  });
  void it('both at once (min 5 > max 4 > 3 options)', () => {
    rejects(
      parseManifest,
      edited(
        manifest,
        [['contests', 0, 'minSelections'], 5],
        [['contests', 0, 'maxSelections'], 4],
      ),
      ['$.contests[0].minSelections', '$.contests[0].maxSelections'],
    );
  });
  void it('the edges are accepted: min = max = number of options, and 0..0', () => {
    for (const [min, max] of [
      [3, 3],
      [0, 0],
      [0, 3],
    ] as const) {
      const doc = edited(
        manifest,
        [['contests', 0, 'minSelections'], min],
        [['contests', 0, 'maxSelections'], max],
      );
      assert.deepEqual(parseManifest(doc), doc);
    }
  });
  void it('the second contest of the published manifest: max 7 > 6 options', () => {
    rejects(
      parseManifest,
      edited(hanpyoV1.manifest.manifest, [['contests', 1, 'maxSelections'], 7]),
      ['$.contests[1].maxSelections'],
    );
  });
});

void describe('rejects: opens and closes', () => {
  void it('closes = opens', () => {
    rejects(parseManifest, edited(manifest, [['closes'], manifest['opens']]), ['$.closes']);
  });
  void it('closes before opens', () => {
    rejects(parseManifest, edited(manifest, [['closes'], '2025-12-31T23:59:59.999Z']), [
      '$.closes',
    ]);
  });
  void it('compares instants, not text: 09:00+09:00 is the same instant as 00:00Z', () => {
    rejects(
      parseManifest,
      edited(
        manifest,
        [['opens'], '2026-01-01T09:00:00+09:00'],
        [['closes'], '2026-01-01T00:00:00Z'],
      ),
      ['$.closes'],
    );
    const ok = edited(
      manifest,
      [['opens'], '2026-01-01T08:59:59+09:00'],
      [['closes'], '2026-01-01T00:00:00Z'],
    );
    assert.deepEqual(parseManifest(ok), ok);
  });
  void it('accepts fractional seconds and numeric offsets', () => {
    for (const closes of [
      '2026-01-01T12:00:00.5Z',
      '2026-01-01T12:00:00.123456789+01:00',
      '2026-01-01T12:00:00-00:00',
    ]) {
      const doc = edited(manifest, [['closes'], closes]);
      assert.deepEqual(parseManifest(doc), doc, closes);
    }
  });
});

void describe('rejects: invalid RFC 3339 instants', () => {
  // Every value is later than `opens`, so the only issue can be the instant itself, at $.closes.
  const invalid: [string, string][] = [
    ['no zone designator', '2026-01-02T00:00:00'],
    ['a space instead of T', '2026-01-02 00:00:00Z'],
    ['a date only', '2026-01-02'],
    ['lowercase t and z', '2026-01-02t00:00:00z'],
    ['no seconds', '2026-01-02T00:00Z'],
    ['month 13', '2026-13-02T00:00:00Z'],
    ['day 00', '2026-01-00T00:00:00Z'],
    ['hour 25', '2026-01-02T25:00:00Z'],
    ['minute 60', '2026-01-02T00:60:00Z'],
    ['offset +24:00', '2026-01-02T00:00:00+24:00'],
    ['ten fraction digits', '2026-01-02T00:00:00.1234567890Z'],
    ['a Unix time as text', '1767312000'],
    // RFC 3339 §5.7: date-mday is bounded by the month and year, time-hour is 00-23.
    ['February 30', '2026-02-30T00:00:00Z'],
    ['February 29 of a common year', '2026-02-29T00:00:00Z'],
    ['April 31', '2026-04-31T00:00:00Z'],
    ['hour 24', '2026-01-02T24:00:00Z'],
  ];
  for (const [what, value] of invalid) {
    void it(`${what}: ${value}`, () => {
      rejects(parseManifest, edited(manifest, [['closes'], value]), ['$.closes']);
    });
  }
  void it('a number instead of a string', () => {
    rejects(parseManifest, edited(manifest, [['closes'], 1767312000]), ['$.closes']);
  });
  void it('receipt receivedAt, board entry receivedAt, block closedAt', () => {
    rejects(parseReceipt, edited(receipt, [['receivedAt'], '2026-01-01T01:00:00']), [
      '$.receivedAt',
    ]);
    rejects(parseBoardEntry, edited(boardEntry, [['receivedAt'], 'yesterday']), ['$.receivedAt']);
    rejects(parseSignedBlock, edited(signedBlock, [['block', 'closedAt'], '2026-01-01']), [
      '$.block.closedAt',
    ]);
  });
  void it('February 29 of a leap year is accepted', () => {
    const doc = edited(manifest, [['closes'], '2028-02-29T00:00:00Z']);
    assert.deepEqual(parseManifest(doc), doc);
  });
});

void describe('rejects: trustee parameters', () => {
  void it('threshold > count', () => {
    rejects(parseManifest, edited(manifest, [['trustees', 'threshold'], 4]), [
      '$.trustees.threshold',
    ]);
  });
  void it('count 0 and threshold 0', () => {
    rejects(parseManifest, edited(manifest, [['trustees', 'count'], 0]), [
      '$.trustees.count',
      // threshold 2 > count 0 as well
      '$.trustees.threshold',
    ]);
    rejects(parseManifest, edited(manifest, [['trustees', 'threshold'], 0]), [
      '$.trustees.threshold',
    ]);
  });
  void it('threshold = count is accepted', () => {
    const doc = edited(manifest, [['trustees', 'threshold'], 3]);
    assert.deepEqual(parseManifest(doc), doc);
  });
});

void describe('rejects: integers that are not non-negative safe integers', () => {
  const bad: [string, unknown][] = [
    ['non-integer', 1.5],
    ['negative', -1],
    ['unsafe (2^53)', 2 ** 53],
    ['a numeric string', '100'],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['null', null],
  ];
  for (const [what, value] of bad) {
    void it(`${what}: registeredVoters, receipt offset, block ballotCount, tally count`, () => {
      rejects(parseManifest, edited(manifest, [['districts', 0, 'registeredVoters'], value]), [
        '$.districts[0].registeredVoters',
      ]);
      rejects(parseReceipt, edited(receipt, [['offset'], value]), ['$.offset']);
      rejects(parseSignedBlock, edited(signedBlock, [['block', 'ballotCount'], value]), [
        '$.block.ballotCount',
      ]);
      rejects(
        parseTally,
        edited(tally, [['districts', 0, 'contests', 0, 'options', 0, 'count'], value]),
        ['$.districts[0].contests[0].options[0].count'],
      );
    });
  }
  void it('the largest safe integer is accepted', () => {
    const doc = edited(receipt, [['offset'], Number.MAX_SAFE_INTEGER]);
    assert.deepEqual(parseReceipt(doc), doc);
  });
  void it('1-based numbers: block height, trustee index, tally trustee 0 are rejected', () => {
    rejects(parseSignedBlock, edited(signedBlock, [['block', 'height'], 0]), ['$.block.height']);
    rejects(parseSignedBlock, edited(signedBlock, [['signatures', 'height'], 0]), [
      '$.signatures.height',
    ]);
    rejects(parseCeremony, edited(ceremony, [['trustees', 1, 'index'], 0]), [
      '$.trustees[1].index',
    ]);
    rejects(parseTally, edited(tally, [['trusteesUsed', 1], 0]), ['$.trusteesUsed[1]']);
    rejects(
      parseTally,
      edited(tally, [['districts', 0, 'contests', 0, 'options', 0, 'shares', 0, 'trustee'], 1.5]),
      ['$.districts[0].contests[0].options[0].shares[0].trustee'],
    );
  });
  void it('commitmentIntervalSeconds 0 and 0.5; cut offsets; token nbf, exp', () => {
    rejects(parseManifest, edited(manifest, [['commitmentIntervalSeconds'], 0]), [
      '$.commitmentIntervalSeconds',
    ]);
    rejects(parseManifest, edited(manifest, [['commitmentIntervalSeconds'], 0.5]), [
      '$.commitmentIntervalSeconds',
    ]);
    rejects(parseSignedBlock, edited(signedBlock, [['block', 'cuts', 1, 'toOffset'], -1]), [
      '$.block.cuts[1].toOffset',
    ]);
    rejects(parseTokenClaims, edited(claims, [['nbf'], 1.5]), ['$.nbf']);
    rejects(parseTokenClaims, edited(claims, [['exp'], 2 ** 53]), ['$.exp']);
  });
});

void describe('rejects: base64url of the wrong length or alphabet', () => {
  const point = ballot.nullifier;
  const signature = receipt['signature'] as string;
  void it('a point of 42 or 44 characters', () => {
    rejects(
      parseEncryptedBallot,
      edited(ballot, [['contests', 0, 'selections', 1, 'alpha'], point.slice(1)]),
      ['$.contests[0].selections[1].alpha'],
    );
    rejects(
      parseEncryptedBallot,
      edited(ballot, [['contests', 0, 'selections', 2, 'beta'], `${point}A`]),
      ['$.contests[0].selections[2].beta'],
    );
  });
  void it('a point with padding, or in the standard (+/) alphabet', () => {
    rejects(parseEncryptedBallot, edited(ballot, [['nullifier'], `${point.slice(0, 42)}=`]), [
      '$.nullifier',
    ]);
    rejects(parseEncryptedBallot, edited(ballot, [['nullifier'], `${point}=`]), ['$.nullifier']);
    rejects(parseEncryptedBallot, edited(ballot, [['nullifier'], `+/${point.slice(2)}`]), [
      '$.nullifier',
    ]);
  });
  void it('proof scalars, ceremony commitments and proofs, joint key, tally points', () => {
    rejects(
      parseEncryptedBallot,
      edited(ballot, [['contests', 0, 'selections', 0, 'proof', 'z', 1], point.slice(0, 40)]),
      ['$.contests[0].selections[0].proof.z[1]'],
    );
    rejects(parseEncryptedBallot, edited(ballot, [['contests', 0, 'limitProof', 'c', 0], '']), [
      '$.contests[0].limitProof.c[0]',
    ]);
    rejects(parseCeremony, edited(ceremony, [['trustees', 2, 'commitments', 1], signature]), [
      '$.trustees[2].commitments[1]',
    ]);
    rejects(parseCeremony, edited(ceremony, [['trustees', 0, 'proofs', 1, 'c'], `${point}AA`]), [
      '$.trustees[0].proofs[1].c',
    ]);
    rejects(parseCeremony, edited(ceremony, [['jointPublicKey'], point.slice(3)]), [
      '$.jointPublicKey',
    ]);
    rejects(parseTally, edited(tally, [['districts', 0, 'contests', 0, 'options', 0, 'B'], 'AA']), [
      '$.districts[0].contests[0].options[0].B',
    ]);
    rejects(
      parseTally,
      edited(tally, [['districts', 0, 'contests', 0, 'options', 0, 'shares', 1, 'D'], signature]),
      ['$.districts[0].contests[0].options[0].shares[1].D'],
    );
  });
  void it('public keys: signer keys, JWK x, token sub', () => {
    rejects(parseManifest, edited(manifest, [['ledgerSigners', 0, 'publicKey'], signature]), [
      '$.ledgerSigners[0].publicKey',
    ]);
    rejects(parseManifest, edited(manifest, [['tokenIssuers', 0, 'x'], point.slice(1)]), [
      '$.tokenIssuers[0].x',
    ]);
    rejects(parseTokenClaims, edited(claims, [['sub'], `${point}A`]), ['$.sub']);
  });
  void it('signatures of 85 or 87 characters, or 32 bytes where 64 belong', () => {
    rejects(parseReceipt, edited(receipt, [['signature'], signature.slice(1)]), ['$.signature']);
    rejects(parseReceipt, edited(receipt, [['signature'], `${signature}A`]), ['$.signature']);
    rejects(
      parseSignedBlock,
      edited(signedBlock, [['signatures', 'signatures', 0, 'signature'], point]),
      ['$.signatures.signatures[0].signature'],
    );
  });
});

void describe('rejects: SHA-256 identifiers that are not 64 lowercase hex digits', () => {
  const code = receipt['trackingCode'] as string;
  void it('an uppercase tracking code (receipt and board entry)', () => {
    rejects(parseReceipt, edited(receipt, [['trackingCode'], code.toUpperCase()]), [
      '$.trackingCode',
    ]);
    rejects(parseBoardEntry, edited(boardEntry, [['trackingCode'], code.toUpperCase()]), [
      '$.trackingCode',
    ]);
  });
  void it('one uppercase digit is enough', () => {
    const i = code.search(/[a-f]/);
    const mixed = code.slice(0, i) + code[i]!.toUpperCase() + code.slice(i + 1);
    rejects(parseReceipt, edited(receipt, [['trackingCode'], mixed]), ['$.trackingCode']);
  });
  void it('63 or 65 digits, a 0x prefix', () => {
    rejects(parseReceipt, edited(receipt, [['trackingCode'], code.slice(1)]), ['$.trackingCode']);
    rejects(parseReceipt, edited(receipt, [['trackingCode'], `${code}0`]), ['$.trackingCode']);
    rejects(parseReceipt, edited(receipt, [['trackingCode'], `0x${code.slice(2)}`]), [
      '$.trackingCode',
    ]);
  });
  void it('block prevBlockHash, district root, blockHash beside the block', () => {
    const block = signedBlock.block as { prevBlockHash: string };
    rejects(
      parseSignedBlock,
      edited(signedBlock, [['block', 'prevBlockHash'], block.prevBlockHash.toUpperCase()]),
      ['$.block.prevBlockHash'],
    );
    rejects(
      parseSignedBlock,
      edited(signedBlock, [['block', 'districts', 0, 'root'], code.slice(2)]),
      ['$.block.districts[0].root'],
    );
    rejects(
      parseSignedBlock,
      edited(signedBlock, [['signatures', 'blockHash'], code.toUpperCase()]),
      ['$.signatures.blockHash'],
    );
  });
});

void describe('rejects: proofs whose c and z differ in length', () => {
  void it('a selection proof with one z too few', () => {
    rejects(
      parseEncryptedBallot,
      edited(ballot, [['contests', 0, 'selections', 1, 'proof', 'z', 1], REMOVE]),
      ['$.contests[0].selections[1].proof'],
      /same length/,
    );
  });
  void it('a limit proof with one c too many', () => {
    const c = at(ballot, ['contests', 0, 'limitProof', 'c', 0]);
    rejects(parseEncryptedBallot, edited(ballot, [['contests', 0, 'limitProof', 'c', 1], c]), [
      '$.contests[0].limitProof',
    ]);
  });
  void it('empty c and z', () => {
    rejects(
      parseEncryptedBallot,
      edited(ballot, [['contests', 0, 'selections', 0, 'proof'], { c: [], z: [] }]),
      ['$.contests[0].selections[0].proof.c', '$.contests[0].selections[0].proof.z'],
    );
  });
  void it('a ceremony trustee with fewer proofs than commitments', () => {
    rejects(
      parseCeremony,
      edited(ceremony, [['trustees', 1, 'proofs', 1], REMOVE]),
      ['$.trustees[1]'],
      /one proof per commitment/,
    );
  });
});

void describe('rejects: empty collections and identifiers', () => {
  void it('a manifest without contests (its style now references an unknown contest too)', () => {
    rejects(parseManifest, edited(manifest, [['contests'], []]), [
      '$.contests',
      '$.ballotStyles[0].contestIds[0]',
    ]);
  });
  void it('a contest without options (and so max 1 > 0 options)', () => {
    rejects(parseManifest, edited(manifest, [['contests', 0, 'options'], []]), [
      '$.contests[0].options',
      '$.contests[0].maxSelections',
    ]);
  });
  void it('no ballot styles, no districts, an empty style, no encryption mode', () => {
    rejects(parseManifest, edited(manifest, [['ballotStyles'], []]), [
      '$.ballotStyles',
      '$.districts[0].ballotStyleId',
    ]);
    rejects(parseManifest, edited(manifest, [['districts'], []]), ['$.districts']);
    rejects(parseManifest, edited(manifest, [['ballotStyles', 0, 'contestIds'], []]), [
      '$.ballotStyles[0].contestIds',
    ]);
    rejects(parseManifest, edited(manifest, [['encryptionModes'], []]), ['$.encryptionModes']);
  });
  void it('a ballot without contests, a contest without selections', () => {
    rejects(parseEncryptedBallot, edited(ballot, [['contests'], []]), ['$.contests']);
    rejects(parseEncryptedBallot, edited(ballot, [['contests', 0, 'selections'], []]), [
      '$.contests[0].selections',
    ]);
  });
  void it('a ceremony without trustees, a trustee without commitments', () => {
    rejects(parseCeremony, edited(ceremony, [['trustees'], []]), ['$.trustees']);
    rejects(
      parseCeremony,
      edited(ceremony, [['trustees', 0, 'commitments'], []], [['trustees', 0, 'proofs'], []]),
      ['$.trustees[0].commitments', '$.trustees[0].proofs'],
    );
  });
  void it('an empty or 129-character identifier', () => {
    rejects(parseManifest, edited(manifest, [['electionId'], '']), ['$.electionId']);
    rejects(parseEncryptedBallot, edited(ballot, [['contests', 0, 'contestId'], 'x'.repeat(129)]), [
      '$.contests[0].contestId',
    ]);
    rejects(parseReceipt, edited(receipt, [['keyId'], '']), ['$.keyId']);
  });
});

void describe('rejects: missing fields', () => {
  const tallyOption = ['districts', 0, 'contests', 0, 'options', 0] as const;
  const tallyCases: [readonly Key[], string][] = [
    [['trusteesUsed'], '$.trusteesUsed'],
    [['districts'], '$.districts'],
    [['districts', 0, 'districtId'], '$.districts[0].districtId'],
    [['districts', 0, 'counted'], '$.districts[0].counted'],
    [['districts', 0, 'contests'], '$.districts[0].contests'],
    [['districts', 0, 'contests', 0, 'contestId'], '$.districts[0].contests[0].contestId'],
    [['districts', 0, 'contests', 0, 'options'], '$.districts[0].contests[0].options'],
    [[...tallyOption, 'optionId'], '$.districts[0].contests[0].options[0].optionId'],
    [[...tallyOption, 'A'], '$.districts[0].contests[0].options[0].A'],
    [[...tallyOption, 'B'], '$.districts[0].contests[0].options[0].B'],
    [[...tallyOption, 'shares'], '$.districts[0].contests[0].options[0].shares'],
    [[...tallyOption, 'count'], '$.districts[0].contests[0].options[0].count'],
    [[...tallyOption, 'shares', 0, 'D'], '$.districts[0].contests[0].options[0].shares[0].D'],
    [[...tallyOption, 'shares', 1, 'z'], '$.districts[0].contests[0].options[0].shares[1].z'],
  ];
  for (const [path, expected] of tallyCases) {
    void it(`tally without ${expected}`, () => {
      rejects(parseTally, edited(tally, [path, REMOVE]), [expected]);
    });
  }
  void it('a tally without trusteesUsed and without a count reports both', () => {
    rejects(
      parseTally,
      edited(tally, [['trusteesUsed'], REMOVE], [[...tallyOption, 'count'], REMOVE]),
      ['$.trusteesUsed', '$.districts[0].contests[0].options[0].count'],
    );
  });
  void it('every field of a receipt', () => {
    for (const key of Object.keys(receipt)) {
      rejects(parseReceipt, edited(receipt, [[key], REMOVE]), [`$.${key}`]);
    }
  });
  void it('every field of a block', () => {
    for (const key of Object.keys(signedBlock.block)) {
      rejects(parseSignedBlock, edited(signedBlock, [['block', key], REMOVE]), [`$.block.${key}`]);
    }
    rejects(parseSignedBlock, edited(signedBlock, [['signatures'], REMOVE]), ['$.signatures']);
  });
  void it('every claim of a token', () => {
    for (const key of Object.keys(claims)) {
      rejects(parseTokenClaims, edited(claims, [[key], REMOVE]), [`$.${key}`]);
    }
  });
  void it("a ballot selection's proof, a board entry's ballot", () => {
    rejects(
      parseEncryptedBallot,
      edited(ballot, [['contests', 0, 'selections', 2, 'proof'], REMOVE]),
      ['$.contests[0].selections[2].proof'],
    );
    rejects(parseBoardEntry, edited(boardEntry, [['ballot'], REMOVE]), ['$.ballot']);
  });
});

void describe('rejects: plaintext selections', () => {
  void it('a contest id that is not an identifier, rendered as a quoted key', () => {
    rejects(parsePlaintextSelections, { '': ['a'] }, ['$[""]']);
  });
  void it('an option that is not a string, under a contest id with a dash', () => {
    rejects(parsePlaintextSelections, { 'council-2': ['c1', 7] }, ['$["council-2"][1]']);
  });
  void it('a single option instead of a list', () => {
    rejects(parsePlaintextSelections, { mayor: 'b' }, ['$.mayor']);
  });
  void it('an empty option id', () => {
    rejects(parsePlaintextSelections, { mayor: [''] }, ['$.mayor[0]']);
  });
  void it('an empty selection object and an empty list are accepted (0-of-n contests)', () => {
    assert.deepEqual(parsePlaintextSelections({}), {});
    assert.deepEqual(parsePlaintextSelections({ council: [] }), { council: [] });
  });
});

void describe('every issue is reported, not only the first', () => {
  void it('two shape errors in different contests of a ballot', () => {
    const doc = hanpyoV1.ballots[0]!.ballot;
    rejects(
      parseEncryptedBallot,
      edited(
        doc,
        [['contests', 0, 'selections', 3, 'alpha'], 'short'],
        [['contests', 1, 'limitProof', 'z', 2], 'short'],
      ),
      ['$.contests[0].selections[3].alpha', '$.contests[1].limitProof.z[2]'],
    );
  });
  void it('three errors in one receipt', () => {
    rejects(
      parseReceipt,
      edited(receipt, [['partition'], -1], [['trackingCode'], 'ABC'], [['surplusKey'], true]),
      ['$.partition', '$.trackingCode', '$'],
    );
  });
  void it('two cross-reference errors in one manifest', () => {
    rejects(
      parseManifest,
      edited(
        manifest,
        [['contests', 0, 'minSelections'], 2],
        [['districts', 0, 'ballotStyleId'], 's9'],
      ),
      ['$.contests[0].minSelections', '$.districts[0].ballotStyleId'],
    );
  });
  void it('an unknown key and a duplicate contestId', () => {
    rejects(
      parseManifest,
      edited(manifest, [['surplusKey'], 1], [['contests', 1], manifest.contests[0]]),
      ['$', '$.contests[1]'],
    );
  });
  void it('a bad point and closes before opens', () => {
    rejects(
      parseManifest,
      edited(
        manifest,
        [['edgeSigners', 0, 'publicKey'], 'x'],
        [['closes'], '2025-01-01T00:00:00Z'],
      ),
      ['$.edgeSigners[0].publicKey', '$.closes'],
    );
  });
  // A wrong JSON type, a missing field or a value outside a closed vocabulary must not hide the
  // cross-reference checks (duplicates, unknown references, limits, opens/closes) elsewhere.
  void it('a type error in one field does not hide min > max in a contest', () => {
    const typeErrors: [string, readonly Key[], unknown, string][] = [
      ['title is a number', ['title'], 5, '$.title'],
      ['revotePolicy outside its enum', ['revotePolicy'], 'random', '$.revotePolicy'],
      ['spec "hanpyo/2"', ['spec'], 'hanpyo/2', '$.spec'],
      [
        'registeredVoters 1.5',
        ['districts', 0, 'registeredVoters'],
        1.5,
        '$.districts[0].registeredVoters',
      ],
      ['a district without name', ['districts', 0, 'name'], REMOVE, '$.districts[0].name'],
    ];
    const missed: string[] = [];
    for (const [what, path, value, expected] of typeErrors) {
      const issues = issuesOf(
        parseManifest,
        edited(manifest, [path, value], [['contests', 0, 'minSelections'], 2]),
      );
      const paths = new Set(issues.map((i) => i.path));
      assert.ok(paths.has(expected), `${what}: ${JSON.stringify(issues)}`);
      if (!paths.has('$.contests[0].minSelections')) missed.push(`${what} hid min > max`);
    }
    assert.deepEqual(missed, []);
  });
});
