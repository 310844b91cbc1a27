// SPEC §8 blocks: the known-answer vector of ../shared/vectors/spec-v1.json (made by an
// implementation written apart from this project) reproduced byte for byte, then the builder, the
// chain checks and the replayer, with negative cases grouped by reason.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseManifest, parseSignedBlock } from '@hanpyo/contracts';
import type { Block, BlockSignatures, BoardEntry, Manifest } from '@hanpyo/contracts';
import {
  H,
  base64url,
  jcs,
  fromBase64url,
  fromHex,
  signingKeyFromSeed,
  toHex,
  verifySignature,
} from '@hanpyo/crypto';
import {
  blockHash,
  blockHashBytes,
  blockSignatures,
  signBlock,
  signBlockHash,
  verifyBlockSignatures,
} from './block.js';
import { BlockBuilder } from './builder.js';
import { ChainVerifier, verifyChain } from './chain.js';
import { DistrictLogs, ledgerEntry } from './district-logs.js';
import type { LedgerEntry } from './district-logs.js';
import { compareUtf8 } from './encoding.js';
import type { LedgerFailure } from './errors.js';
import { MerkleLog, leafHash, merkleRoot, verifyConsistency, verifyInclusion } from './merkle.js';
import { BlockReplayer } from './replayer.js';

interface Vectors {
  vectors: {
    manifest: { manifest: unknown; ed25519SeedsHex: Record<string, string> };
    ceremony: { Q: string };
    ballot: { trackingCode: string };
    block: { block: Block; blockHash: string; signatures: BlockSignatures };
  };
}

// dist/block.spec.js → ../../../vectors is the vendored copy of ../shared/vectors.
const { vectors } = JSON.parse(
  readFileSync(new URL('../../../vectors/spec-v1.json', import.meta.url), 'utf8'),
) as Vectors;
const manifest: Manifest = parseManifest(vectors.manifest.manifest);
const Q = vectors.ceremony.Q;
const seeds = vectors.manifest.ed25519SeedsHex;
const ledgerKey = signingKeyFromSeed(manifest.ledgerSigners[0]!.keyId, fromHex(seeds.ledger!));
const observerKey = signingKeyFromSeed(manifest.witnesses[0]!.keyId, fromHex(seeds.observer!));
const vector = vectors.block;

const clone = <T>(value: T): T => structuredClone(value);
const codes = (failures: readonly LedgerFailure[]) => failures.map((f) => `${f.height}:${f.code}`);

describe('SPEC §8 known-answer vector (spec-v1.json vectors.block)', () => {
  it('the vector is a well-formed signed block', () => {
    parseSignedBlock({ block: vector.block, signatures: vector.signatures });
  });

  it('blockHash = H("hanpyo/1/block", JCS(block))', () => {
    assert.equal(blockHash(vector.block), vector.blockHash);
    assert.equal(vector.signatures.blockHash, vector.blockHash);
    assert.equal(
      toHex(blockHashBytes(vector.block)),
      toHex(H('hanpyo/1/block', jcs(vector.block))),
    );
  });

  it('block 1 links to Q', () => {
    assert.equal(vector.block.prevBlockHash, Q);
  });

  it('the ledger signature verifies under the manifest ledger key and is reproduced byte for byte', () => {
    const sig = vector.signatures.signatures[0]!;
    assert.equal(sig.keyId, manifest.ledgerSigners[0]!.keyId);
    const publicKey = fromBase64url(manifest.ledgerSigners[0]!.publicKey, 32);
    assert.equal(base64url(ledgerKey.publicKey), manifest.ledgerSigners[0]!.publicKey);
    assert.equal(
      verifySignature(publicKey, fromHex(vector.blockHash), fromBase64url(sig.signature)),
      true,
    );
    // Ed25519 (RFC 8032) is deterministic: the seed reproduces the signature exactly.
    assert.deepEqual(signBlock(vector.block, ledgerKey), sig);
    assert.deepEqual(signBlockHash(vector.blockHash, ledgerKey), sig);
  });

  it("the witness 'observer-1' signature verifies under the observer key and is reproduced", () => {
    const sig = vector.signatures.signatures[1]!;
    assert.equal(sig.keyId, 'observer-1');
    const publicKey = fromBase64url(manifest.witnesses[0]!.publicKey, 32);
    assert.equal(
      verifySignature(publicKey, fromHex(vector.blockHash), fromBase64url(sig.signature)),
      true,
    );
    assert.deepEqual(signBlock(vector.block, observerKey), sig);
  });

  it('blockSignatures reproduces the whole signatures object', () => {
    assert.deepEqual(blockSignatures(vector.block, [ledgerKey, observerKey]), vector.signatures);
  });

  it('verifyBlockSignatures accepts it, naming the ledger signer and the witness', () => {
    const report = verifyBlockSignatures(
      { block: vector.block, signatures: vector.signatures },
      manifest,
    );
    assert.deepEqual(report.failures, []);
    assert.equal(report.valid, true);
    assert.equal(report.blockHash, vector.blockHash);
    assert.deepEqual(report.ledgerSigners, ['ledger-1']);
    assert.deepEqual(report.witnesses, ['observer-1']);
  });

  it('the district root is the Merkle root of the single leaf = the ballot tracking code', () => {
    const [head] = vector.block.districts;
    const code = fromHex(vectors.ballot.trackingCode, 32);
    assert.equal(head!.treeSize, 1);
    assert.equal(head!.root, toHex(leafHash(code)));
    assert.equal(head!.root, toHex(merkleRoot([leafHash(code)])));
    assert.equal(vector.block.ballotCount, 1);
  });

  it('BlockBuilder rebuilds the vector block from its board entry', () => {
    const builder = new BlockBuilder({ manifest, genesisHash: Q });
    const entry: LedgerEntry = {
      partition: 0,
      offset: 0,
      trackingCode: vectors.ballot.trackingCode,
      districtId: 'd-01',
    };
    const built = builder.buildBlock(vector.block.cuts, [entry], {
      closedAt: vector.block.closedAt,
      final: vector.block.final,
    });
    assert.deepEqual(built.block, vector.block);
    assert.equal(built.blockHash, vector.blockHash);
    assert.equal(builder.blockHash, vector.blockHash);
    assert.deepEqual(
      builder.nextCuts([1, 0]),
      vector.block.cuts.map((c) => ({ ...c, fromOffset: c.toOffset })),
    );
  });

  it('BlockReplayer replays the vector block with its entry and signatures cleanly', () => {
    const replayer = new BlockReplayer({ manifest, genesisHash: Q });
    const entry = {
      partition: 0,
      offset: 0,
      trackingCode: vectors.ballot.trackingCode,
      districtId: 'd-01',
    };
    assert.deepEqual(replayer.replay(vector.block, [entry], vector.signatures), []);
    assert.deepEqual(replayer.finish(), []);
    assert.equal(replayer.blockHash, vector.blockHash);
  });
});

describe('block hash: every field is bound', () => {
  const base = vector.block;
  const mutations: [string, (b: Block) => void][] = [
    ['electionId', (b) => (b.electionId = 'vectors-2')],
    ['height', (b) => (b.height = 2)],
    ['prevBlockHash', (b) => (b.prevBlockHash = '00'.repeat(32))],
    ['closedAt', (b) => (b.closedAt = '2026-01-01T01:00:01.000Z')],
    ['final', (b) => (b.final = true)],
    ['cuts toOffset', (b) => (b.cuts[0]!.toOffset = 2)],
    ['cuts partition dropped', (b) => b.cuts.pop()],
    ['district root', (b) => (b.districts[0]!.root = 'ff'.repeat(32))],
    ['district treeSize', (b) => (b.districts[0]!.treeSize = 2)],
    ['ballotCount', (b) => (b.ballotCount = 2)],
  ];
  for (const [field, mutate] of mutations) {
    it(`changing ${field} changes the hash`, () => {
      const b = clone(base);
      mutate(b);
      assert.notEqual(blockHash(b), vector.blockHash);
    });
  }

  it('field order does not matter (JCS sorts keys)', () => {
    const reversed = Object.fromEntries(Object.entries(base).reverse()) as Block;
    assert.equal(blockHash(reversed), vector.blockHash);
  });
});

describe('block signatures: failures by reason', () => {
  const signed = () => ({ block: clone(vector.block), signatures: clone(vector.signatures) });
  const verify = (s: { block: Block; signatures: BlockSignatures }) =>
    verifyBlockSignatures(s, manifest);

  it('SIGNATURE_INVALID: a flipped bit in the ledger signature', () => {
    const s = signed();
    const bytes = fromBase64url(s.signatures.signatures[0]!.signature, 64);
    bytes[10] = bytes[10]! ^ 1;
    s.signatures.signatures[0]!.signature = base64url(bytes);
    const report = verify(s);
    assert.equal(report.valid, false);
    assert.deepEqual(report.invalid, ['ledger-1']);
    assert.deepEqual(codes(report.failures), ['1:SIGNATURE_INVALID', '1:SIGNATURE_LEDGER_MISSING']);
    assert.deepEqual(report.witnesses, ['observer-1']);
  });

  it('SIGNATURE_INVALID: signatures of the original block over a changed block', () => {
    const s = signed();
    s.block.closedAt = '2026-01-01T02:00:00.000Z';
    s.signatures.blockHash = blockHash(s.block);
    const report = verify(s);
    assert.deepEqual(report.invalid, ['ledger-1', 'observer-1']);
    assert.deepEqual(codes(report.failures), [
      '1:SIGNATURE_INVALID',
      '1:SIGNATURE_INVALID',
      '1:SIGNATURE_LEDGER_MISSING',
    ]);
  });

  it('SIGNATURE_UNPARSEABLE: not 64 bytes of base64url', () => {
    const s = signed();
    s.signatures.signatures[1]!.signature = `${s.signatures.signatures[1]!.signature.slice(0, 85)}+`;
    const report = verify(s);
    assert.deepEqual(codes(report.failures), ['1:SIGNATURE_UNPARSEABLE']);
    assert.deepEqual(report.invalid, ['observer-1']);
  });

  it('SIGNATURE_UNKNOWN_KEY: an edge signer or a stranger is not a block signer', () => {
    const s = signed();
    s.signatures.signatures.push({
      keyId: 'edge-1',
      signature: s.signatures.signatures[0]!.signature,
    });
    s.signatures.signatures.push({
      keyId: 'mallory',
      signature: s.signatures.signatures[0]!.signature,
    });
    const report = verify(s);
    assert.deepEqual(report.unknown, ['edge-1', 'mallory']);
    assert.deepEqual(codes(report.failures), [
      '1:SIGNATURE_UNKNOWN_KEY',
      '1:SIGNATURE_UNKNOWN_KEY',
    ]);
  });

  it('SIGNATURE_LEDGER_MISSING: witnesses alone are not enough', () => {
    const s = signed();
    s.signatures.signatures.shift();
    assert.deepEqual(codes(verify(s).failures), ['1:SIGNATURE_LEDGER_MISSING']);
  });

  it('SIGNATURE_DUPLICATE: one key, two signatures', () => {
    const s = signed();
    s.signatures.signatures.push(clone(s.signatures.signatures[0]!));
    assert.deepEqual(codes(verify(s).failures), ['1:SIGNATURE_DUPLICATE']);
  });

  it('BLOCK_HASH and BLOCK_HEIGHT: the signatures name another block', () => {
    const s = signed();
    s.signatures.blockHash = '00'.repeat(32);
    s.signatures.height = 2;
    assert.deepEqual(codes(verify(s).failures), ['1:BLOCK_HEIGHT', '1:BLOCK_HASH']);
  });

  it('KEY_UNPARSEABLE: a manifest key that is not 32 bytes', () => {
    const bad = { ...manifest, ledgerSigners: [{ keyId: 'ledger-1', publicKey: 'AAAA' }] };
    const report = verifyBlockSignatures(signed(), bad);
    assert.deepEqual(codes(report.failures), ['1:KEY_UNPARSEABLE', '1:SIGNATURE_LEDGER_MISSING']);
  });
});

describe('districts in UTF-8 byte order', () => {
  it('compareUtf8 agrees with comparing UTF-8 bytes, unlike JavaScript string order', () => {
    const alphabet = [
      'a',
      'z',
      '\u00e9',
      '\u4e00',
      '\uff5e',
      '\ue000',
      '\u{1f600}',
      '\u{10000}',
      '\ud800',
      '\udc00',
      '',
    ];
    let x = 7;
    const pick = () => {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      return alphabet[x % alphabet.length]!;
    };
    let disagreeWithJs = 0;
    for (let i = 0; i < 3000; i++) {
      const a = pick() + pick() + pick();
      const b = pick() + pick() + pick();
      const want = Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
      assert.equal(Math.sign(compareUtf8(a, b)), want, JSON.stringify([a, b]));
      if (Math.sign(a < b ? -1 : a > b ? 1 : 0) !== want) disagreeWithJs++;
    }
    assert.ok(disagreeWithJs > 0, 'the sample must contain cases where UTF-16 order is wrong');
  });

  it('block heads list every district ascending by UTF-8 bytes', () => {
    const ids = ['\u{1f600}', 'b', '\uff5e', 'a'];
    const m = withDistricts(ids);
    const builder = new BlockBuilder({ manifest: m, genesisHash: Q });
    const { block } = builder.buildBlock([{ partition: 0, fromOffset: 0, toOffset: 0 }], [], {
      closedAt: '2026-01-01T01:00:00Z',
      final: false,
    });
    // JavaScript's sort would put U+1F600 (surrogates D83D DE00) before U+FF5E.
    assert.deepEqual([...ids].sort(), ['a', 'b', '\u{1f600}', '\uff5e']);
    assert.deepEqual(
      block.districts.map((d) => d.districtId),
      ['a', 'b', '\uff5e', '\u{1f600}'],
    );
    for (const d of block.districts) {
      assert.equal(d.treeSize, 0);
      assert.equal(d.root, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    }
  });
});

// ---------------------------------------------------------------------------------------------
// A small election: 3 districts, 3 partitions, 4 blocks, entries handed over shuffled.

function withDistricts(ids: readonly string[]): Manifest {
  return {
    ...manifest,
    districts: ids.map((districtId) => ({
      districtId,
      name: districtId,
      ballotStyleId: 's1',
      registeredVoters: 100,
    })),
  };
}

const DISTRICTS = ['d-02', 'd-01', 'd-03'];
const election = withDistricts(DISTRICTS);

interface Scenario {
  blocks: { block: Block; signatures: BlockSignatures; entries: LedgerEntry[] }[];
  /** Per district, its tracking codes in log order (height, partition, offset). */
  logOrder: Map<string, string[]>;
}

function trackingCodeOf(partition: number, offset: number): string {
  return toHex(H('hanpyo/1/example', partition, offset));
}

function shuffle<T>(items: T[], seed: number): T[] {
  const out = items.slice();
  let x = seed;
  for (let i = out.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function buildScenario(): Scenario {
  // Board end offsets per partition at each cut: partition 2 appears at block 2, block 3 is
  // empty (no district grows), block 4 is final.
  const ends = [
    [5, 3],
    [9, 3, 4],
    [9, 3, 4],
    [12, 8, 7],
  ];
  const builder = new BlockBuilder({ manifest: election, genesisHash: Q });
  const blocks: Scenario['blocks'] = [];
  const logOrder = new Map(DISTRICTS.map((d) => [d, [] as string[]]));
  ends.forEach((end, b) => {
    const cuts = builder.nextCuts(end);
    const entries: LedgerEntry[] = [];
    for (const cut of cuts) {
      for (let offset = cut.fromOffset; offset < cut.toOffset; offset++) {
        // Offset 2 of partition 1 is a gap in the board (Kafka offsets need not be dense).
        if (cut.partition === 1 && offset === 2) continue;
        const districtId = DISTRICTS[(offset * 7 + cut.partition * 3) % 3]!;
        const trackingCode = trackingCodeOf(cut.partition, offset);
        entries.push({ partition: cut.partition, offset, trackingCode, districtId });
        logOrder.get(districtId)!.push(trackingCode);
      }
    }
    const built = builder.buildBlock(cuts, shuffle(entries, b + 1), {
      closedAt: `2026-01-01T0${b + 1}:00:00Z`,
      final: b === ends.length - 1,
    });
    blocks.push({
      block: built.block,
      signatures: blockSignatures(built.block, [ledgerKey]),
      entries,
    });
  });
  return { blocks, logOrder };
}

describe('BlockBuilder over a small election', () => {
  const { blocks, logOrder } = buildScenario();
  const last = blocks.at(-1)!.block;

  it('links the chain from Q and numbers heights 1..n', () => {
    assert.deepEqual(
      blocks.map((b) => b.block.height),
      [1, 2, 3, 4],
    );
    assert.equal(blocks[0]!.block.prevBlockHash, Q);
    for (let i = 1; i < blocks.length; i++) {
      assert.equal(blocks[i]!.block.prevBlockHash, blockHash(blocks[i - 1]!.block));
    }
    assert.deepEqual(
      blocks.map((b) => b.block.final),
      [false, false, false, true],
    );
  });

  it('cuts are contiguous per partition and list every partition', () => {
    assert.deepEqual(
      blocks.map((b) => b.block.cuts.map((c) => [c.partition, c.fromOffset, c.toOffset])),
      [
        [
          [0, 0, 5],
          [1, 0, 3],
        ],
        [
          [0, 5, 9],
          [1, 3, 3],
          [2, 0, 4],
        ],
        [
          [0, 9, 9],
          [1, 3, 3],
          [2, 4, 4],
        ],
        [
          [0, 9, 12],
          [1, 3, 8],
          [2, 4, 7],
        ],
      ],
    );
  });

  it('district roots are the RFC 9162 roots of the codes in (height, partition, offset) order', () => {
    for (const d of last.districts) {
      const order = logOrder.get(d.districtId)!;
      assert.equal(d.treeSize, order.length);
      assert.equal(d.root, toHex(merkleRoot(order.map((c) => leafHash(fromHex(c))))));
    }
    assert.deepEqual(
      last.districts.map((d) => d.districtId),
      ['d-01', 'd-02', 'd-03'],
    );
    assert.equal(
      last.ballotCount,
      [...logOrder.values()].reduce((n, l) => n + l.length, 0),
    );
    // Cumulative: sizes never shrink from block to block.
    for (let i = 1; i < blocks.length; i++) {
      blocks[i]!.block.districts.forEach((d, j) => {
        assert.ok(d.treeSize >= blocks[i - 1]!.block.districts[j]!.treeSize);
      });
    }
  });

  it('the chain verifies, with and without the manifest, and every block replays cleanly', () => {
    const chain = blocks.map((b) => b.block);
    assert.deepEqual(verifyChain(chain, Q), []);
    assert.deepEqual(verifyChain(chain, Q, { manifest: election, requireFinal: true }), []);
    const replayer = new BlockReplayer({ manifest: election, genesisHash: Q });
    for (const b of blocks) {
      assert.deepEqual(
        replayer.replay(b.block, shuffle(b.entries, 99), b.signatures),
        [],
        `block ${b.block.height}`,
      );
    }
    assert.deepEqual(replayer.finish({ requireFinal: true }), []);
  });

  it('replayed full logs serve SPEC §8 inclusion and consistency proofs against block heads', () => {
    const logs = DistrictLogs.full(DISTRICTS);
    const replayer = new BlockReplayer({ manifest: election, genesisHash: Q, logs });
    const heads: Map<string, { treeSize: number; root: string }>[] = [];
    for (const b of blocks) {
      assert.deepEqual(replayer.replay(b.block, b.entries), []);
      heads.push(new Map(b.block.districts.map((d) => [d.districtId, d])));
    }
    for (const districtId of DISTRICTS) {
      const log = logs.log(districtId) as MerkleLog;
      const order = logOrder.get(districtId)!;
      for (let h = 0; h < heads.length; h++) {
        const { treeSize, root } = heads[h]!.get(districtId)!;
        for (let i = 0; i < treeSize; i++) {
          const proof = log.inclusionProof(i, treeSize);
          assert.equal(
            verifyInclusion(leafHash(fromHex(order[i]!)), i, treeSize, proof, fromHex(root)),
            true,
          );
        }
        if (h > 0) {
          const before = heads[h - 1]!.get(districtId)!;
          const proof = log.consistencyProof(before.treeSize, treeSize);
          const ok = verifyConsistency(
            before.treeSize,
            treeSize,
            fromHex(before.root),
            fromHex(root),
            proof,
          );
          assert.equal(ok, true, `${districtId} ${h}→${h + 1}`);
        }
      }
    }
  });

  it('accepts board entries through ledgerEntry (district from the ballot)', () => {
    const entry = ledgerEntry({
      partition: 3,
      offset: 9,
      receivedAt: '2026-01-01T00:00:00Z',
      trackingCode: vectors.ballot.trackingCode,
      ballot: { districtId: 'd-01' } as unknown as BoardEntry['ballot'], // only districtId is read
    });
    assert.deepEqual(entry, {
      partition: 3,
      offset: 9,
      trackingCode: vectors.ballot.trackingCode,
      districtId: 'd-01',
    });
  });
});

describe('BlockBuilder refuses what it must not build (LedgerError)', () => {
  const closing = { closedAt: '2026-01-01T01:00:00Z', final: false };
  const fresh = () => new BlockBuilder({ manifest: election, genesisHash: Q });
  const entry = (
    partition: number,
    offset: number,
    over: Partial<LedgerEntry> = {},
  ): LedgerEntry => ({
    partition,
    offset,
    trackingCode: trackingCodeOf(partition, offset),
    districtId: 'd-01',
    ...over,
  });
  const cuts = [
    { partition: 0, fromOffset: 0, toOffset: 3 },
    { partition: 1, fromOffset: 0, toOffset: 2 },
  ];

  // Each list starts with a valid entry, so the failing one arrives mid-block.
  const cases: [string, LedgerEntry[]][] = [
    ['ENTRY_OUT_OF_RANGE', [entry(0, 0), entry(0, 3)]],
    ['ENTRY_OUT_OF_RANGE', [entry(0, 0), entry(2, 0)]],
    ['ENTRY_ORDER', [entry(0, 0), entry(0, 1), entry(0, 1)]],
    ['ENTRY_DISTRICT', [entry(0, 0), entry(0, 1, { districtId: 'd-99' })]],
    [
      'ENTRY_TRACKING_CODE',
      [entry(0, 0), entry(0, 1, { trackingCode: trackingCodeOf(0, 1).toUpperCase() })],
    ],
    ['ENTRY_TRACKING_CODE', [entry(0, 0), entry(0, 1, { trackingCode: 'abc' })]],
  ];
  for (const [code, entries] of cases) {
    it(`${code}, leaving the logs untouched`, () => {
      const builder = fresh();
      assert.throws(() => builder.buildBlock(cuts, entries, closing), {
        name: 'LedgerError',
        code,
      });
      assert.equal(builder.height, 0);
      assert.equal(builder.logs.ballotCount, 0);
      // The builder is still usable for the same block.
      const { block } = builder.buildBlock(cuts, [entry(0, 0), entry(1, 1)], closing);
      assert.equal(block.ballotCount, 2);
    });
  }

  it('CUTS_INVALID: a gap, a wrong start, a partition out of order, from > to, a lost partition', () => {
    const builder = fresh();
    const bad: (typeof cuts)[] = [
      [{ partition: 0, fromOffset: 1, toOffset: 3 }],
      [
        { partition: 1, fromOffset: 0, toOffset: 2 },
        { partition: 0, fromOffset: 0, toOffset: 3 },
      ],
      [{ partition: 0, fromOffset: 0, toOffset: -1 }],
    ];
    for (const c of bad) assert.throws(() => builder.beginBlock(c), { code: 'CUTS_INVALID' });
    builder.buildBlock(cuts, [], closing);
    assert.throws(() => builder.beginBlock([{ partition: 0, fromOffset: 3, toOffset: 4 }]), {
      code: 'CUTS_INVALID',
    });
    assert.throws(
      () =>
        builder.beginBlock([
          { partition: 0, fromOffset: 3, toOffset: 2 },
          { partition: 1, fromOffset: 2, toOffset: 2 },
        ]),
      { code: 'CUTS_INVALID' },
    );
    assert.throws(() => builder.nextCuts([2, 2]), { code: 'CUTS_INVALID' });
  });

  it('CHAIN_FINAL: nothing after the final block', () => {
    const builder = fresh();
    builder.buildBlock(cuts, [], { ...closing, final: true });
    assert.equal(builder.finalized, true);
    assert.throws(() => builder.beginBlock(builder.nextCuts([3, 2])), { code: 'CHAIN_FINAL' });
  });

  it('DRAFT_STALE: a draft applies once, to the state it was drafted on', () => {
    const builder = fresh();
    const draft = builder.beginBlock(cuts);
    draft.add(entry(0, 0));
    const other = builder.beginBlock(cuts);
    builder.finishBlock(draft, closing);
    assert.throws(() => builder.finishBlock(draft, closing), { code: 'CUTS_INVALID' });
    assert.throws(() => builder.logs.apply(other), { code: 'DRAFT_STALE' });
    assert.throws(() => builder.logs.apply(draft), { code: 'DRAFT_STALE' });
  });

  it('DISTRICTS_INVALID: duplicate districts', () => {
    assert.throws(() => new DistrictLogs(['a', 'b', 'a'], () => new MerkleLog()), {
      code: 'DISTRICTS_INVALID',
    });
  });
});

describe('verifyChain: failures by reason', () => {
  const { blocks } = buildScenario();
  const chain = () => blocks.map((b) => clone(b.block));
  /** Re-links prevBlockHash after `from` so that only the mutation under test fails. */
  const relink = (c: Block[], from: number) => {
    for (let i = from; i < c.length; i++) c[i]!.prevBlockHash = i === 0 ? Q : blockHash(c[i - 1]!);
    return c;
  };
  const check = (c: Block[], options = {}) =>
    codes(verifyChain(c, Q, { manifest: election, ...options }));

  it('a valid chain has no failure', () => {
    assert.deepEqual(check(chain(), { requireFinal: true }), []);
  });

  it('BLOCK_HEIGHT: a skipped height, a repeated height, a chain not starting at 1', () => {
    const skipped = chain();
    skipped[2]!.height = 4;
    skipped[3]!.height = 5;
    assert.deepEqual(check(relink(skipped, 3)), ['4:BLOCK_HEIGHT']);
    const repeated = chain();
    repeated[2]!.height = 2;
    repeated[3]!.height = 3;
    assert.deepEqual(check(relink(repeated, 3)), ['2:BLOCK_HEIGHT']);
    // A chain must start at block 1 (cuts and sizes then look wrong too).
    assert.ok(
      codes(verifyChain(chain().slice(1), blockHash(blocks[0]!.block))).includes('2:BLOCK_HEIGHT'),
    );
  });

  it('BLOCK_PREV_HASH: block 1 not on Q, a broken link', () => {
    const first = chain();
    first[0]!.prevBlockHash = '00'.repeat(32);
    assert.deepEqual(check(relink(first, 1)), ['1:BLOCK_PREV_HASH']);
    const middle = chain();
    middle[2]!.prevBlockHash = blockHash(middle[0]!);
    assert.deepEqual(check(relink(middle, 3)), ['3:BLOCK_PREV_HASH']);
    const swapped = chain();
    [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!];
    assert.ok(check(swapped).includes('3:BLOCK_PREV_HASH'));
  });

  it('BLOCK_CUTS: gap, overlap, from > to, partition order, partition lost', () => {
    const gap = chain();
    gap[0]!.cuts[0]!.fromOffset = 1;
    assert.deepEqual(check(relink(gap, 1)), ['1:BLOCK_CUTS']);
    const overlap = chain();
    overlap[1]!.cuts[0]!.fromOffset = 4;
    assert.deepEqual(check(relink(overlap, 2)), ['2:BLOCK_CUTS']);
    // The verifier moves on from the block's claimed toOffset, so block 4 then starts wrong too.
    const backwards = chain();
    backwards[2]!.cuts[2]!.toOffset = 3;
    assert.deepEqual(check(relink(backwards, 3)), ['3:BLOCK_CUTS', '4:BLOCK_CUTS']);
    const order = chain();
    order[1]!.cuts.reverse();
    assert.deepEqual(check(relink(order, 2)), ['2:BLOCK_CUTS', '2:BLOCK_CUTS']);
    const lost = chain();
    lost[2]!.cuts.pop();
    assert.deepEqual(check(relink(lost, 3)), ['3:BLOCK_CUTS']);
  });

  it('BLOCK_FINAL: a final block in the middle, two final blocks, no final block', () => {
    const middle = chain();
    middle[1]!.final = true;
    middle[3]!.final = false;
    assert.deepEqual(check(relink(middle, 2)), ['3:BLOCK_FINAL', '4:BLOCK_FINAL']);
    const twice = chain();
    twice[2]!.final = true;
    assert.deepEqual(check(relink(twice, 3)), ['4:BLOCK_FINAL']);
    assert.deepEqual(check(chain().slice(0, 3), { requireFinal: true }), ['3:BLOCK_FINAL']);
  });

  it('BLOCK_DISTRICTS: out of UTF-8 order, twice, missing, foreign', () => {
    const unsorted = chain();
    unsorted[1]!.districts.reverse();
    assert.deepEqual(check(relink(unsorted, 2)), ['2:BLOCK_DISTRICTS', '2:BLOCK_DISTRICTS']);
    const twice = chain();
    twice[2]!.districts.splice(1, 0, clone(twice[2]!.districts[0]!));
    twice[2]!.ballotCount += twice[2]!.districts[0]!.treeSize;
    assert.deepEqual(check(relink(twice, 3)), ['3:BLOCK_DISTRICTS']);
    const missing = chain();
    const dropped = missing[2]!.districts.pop()!;
    missing[2]!.ballotCount -= dropped.treeSize;
    assert.deepEqual(check(relink(missing, 3)), ['3:BLOCK_DISTRICTS']);
    const foreign = chain();
    foreign[0]!.districts.push({
      districtId: 'd-99',
      treeSize: 0,
      root: foreign[0]!.districts[0]!.root,
    });
    foreign[0]!.districts[0]!.root =
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    assert.deepEqual(check(relink(foreign, 1)), ['1:BLOCK_DISTRICTS', '1:BLOCK_ROOT']);
  });

  it('BLOCK_TREE_SIZE and BLOCK_ROOT: a shrinking log, a root changed without leaves, a bad empty root', () => {
    const shrinking = chain();
    shrinking[2]!.districts[0]!.treeSize = 0;
    shrinking[2]!.ballotCount = shrinking[2]!.districts.reduce((n, d) => n + d.treeSize, 0);
    assert.deepEqual(check(relink(shrinking, 3)), ['3:BLOCK_ROOT', '3:BLOCK_TREE_SIZE']);
    const rootOnly = chain();
    rootOnly[2]!.districts[1]!.root = 'ab'.repeat(32); // block 3 is empty: no log grew
    assert.deepEqual(check(relink(rootOnly, 3)), ['3:BLOCK_ROOT']);
    const closing = { closedAt: '2026-01-01T01:00:00Z', final: false };
    const { block } = new BlockBuilder({ manifest: election, genesisHash: Q }).buildBlock(
      [{ partition: 0, fromOffset: 0, toOffset: 0 }],
      [],
      closing,
    );
    assert.deepEqual(codes(verifyChain([block], Q)), []);
    block.districts[2]!.root = 'ab'.repeat(32);
    assert.deepEqual(codes(verifyChain([block], Q)), ['1:BLOCK_ROOT']);
  });

  it('BLOCK_BALLOT_COUNT: not the sum of tree sizes, more leaves than offsets', () => {
    const count = chain();
    count[1]!.ballotCount += 1;
    assert.deepEqual(check(relink(count, 2)), ['2:BLOCK_BALLOT_COUNT']);
    // Every later block is then smaller than what block 1 claimed, and says so.
    const tooMany = chain();
    tooMany[0]!.districts[0]!.treeSize += 100;
    tooMany[0]!.ballotCount += 100;
    assert.deepEqual(check(relink(tooMany, 1)), [
      '1:BLOCK_BALLOT_COUNT',
      '2:BLOCK_TREE_SIZE',
      '3:BLOCK_TREE_SIZE',
      '4:BLOCK_TREE_SIZE',
    ]);
  });

  it('BLOCK_SPEC and BLOCK_ELECTION', () => {
    const c = chain();
    (c[1] as { spec: string }).spec = 'hanpyo/2';
    c[2]!.electionId = 'other';
    assert.deepEqual(check(relink(c, 2)), ['2:BLOCK_SPEC', '3:BLOCK_ELECTION']);
  });

  it('reports every failure of a chain, not only the first', () => {
    const c = chain();
    c[0]!.prevBlockHash = '00'.repeat(32);
    c[1]!.ballotCount += 1;
    c[2]!.cuts[0]!.toOffset = 8; // block 3 is [9, 8), and block 4 then starts after 8
    relink(c, 1);
    assert.deepEqual(check(c), [
      '1:BLOCK_PREV_HASH',
      '2:BLOCK_BALLOT_COUNT',
      '3:BLOCK_CUTS',
      '4:BLOCK_CUTS',
    ]);
  });

  it('ChainVerifier takes one block at a time', () => {
    const verifier = new ChainVerifier(Q);
    for (const b of chain()) assert.deepEqual(verifier.push(b), []);
    assert.equal(verifier.height, 4);
    assert.equal(verifier.finalized, true);
    assert.equal(verifier.blockHash, blockHash(blocks[3]!.block));
    assert.deepEqual(verifier.offsets, [12, 8, 7]);
  });
});

describe('BlockReplayer: failures by reason', () => {
  const { blocks } = buildScenario();
  type Entry = { -readonly [K in keyof LedgerEntry]: LedgerEntry[K] };
  const replayAll = (
    tamper: (entries: Entry[][], sigs: BlockSignatures[]) => void,
    options: { maxEntryFailures?: number } = {},
  ) => {
    const entries: Entry[][] = blocks.map((b) => b.entries.map((e) => ({ ...e })));
    const sigs = blocks.map((b) => clone(b.signatures));
    tamper(entries, sigs);
    const replayer = new BlockReplayer({ manifest: election, genesisHash: Q, ...options });
    return codes(blocks.flatMap((b, i) => replayer.replay(b.block, entries[i]!, sigs[i])));
  };

  it('a dropped ballot: wrong tree size, root and count from that block on', () => {
    const failures = replayAll((entries) => entries[1]!.splice(0, 1));
    assert.deepEqual(
      failures.filter((c) => c.startsWith('2:')),
      ['2:BLOCK_TREE_SIZE', '2:BLOCK_ROOT', '2:BLOCK_BALLOT_COUNT'],
    );
    assert.ok(failures.includes('4:BLOCK_ROOT'));
  });

  it('a swapped tracking code: wrong root', () => {
    const failures = replayAll((entries) => {
      entries[3]![0]!.trackingCode = trackingCodeOf(9, 9);
    });
    assert.deepEqual(failures, ['4:BLOCK_ROOT']);
  });

  it('two ballots of one district in another order give another root', () => {
    const failures = replayAll((entries) => {
      const e = entries[0]!;
      const [a, b] = e.filter((x) => x.districtId === e[0]!.districtId);
      [a!.trackingCode, b!.trackingCode] = [b!.trackingCode, a!.trackingCode];
    });
    assert.deepEqual(
      failures.filter((c) => c.startsWith('1:')),
      ['1:BLOCK_ROOT'],
    );
  });

  it('an entry outside the cuts, a duplicate, an unknown district: BLOCK_ENTRIES', () => {
    const failures = replayAll((entries) => {
      entries[0]!.push({
        partition: 0,
        offset: 7,
        trackingCode: trackingCodeOf(0, 7),
        districtId: 'd-01',
      });
      entries[0]!.push({ ...entries[0]![0]! });
      entries[0]!.push({
        partition: 1,
        offset: 2,
        trackingCode: trackingCodeOf(1, 2),
        districtId: 'd-99',
      });
    });
    assert.deepEqual(failures, ['1:BLOCK_ENTRIES', '1:BLOCK_ENTRIES', '1:BLOCK_ENTRIES']);
  });

  it('caps listed entry failures per block and summarises the rest', () => {
    const failures = replayAll(
      (entries) => {
        for (let i = 0; i < 10; i++)
          entries[0]!.push({ partition: 5, offset: i, trackingCode: 'x', districtId: 'd-01' });
      },
      { maxEntryFailures: 3 },
    );
    assert.deepEqual(failures, [
      '1:BLOCK_ENTRIES',
      '1:BLOCK_ENTRIES',
      '1:BLOCK_ENTRIES',
      '1:BLOCK_ENTRIES',
    ]);
  });

  it('a bad signature beside a block', () => {
    const failures = replayAll((_, sigs) => {
      sigs[2]!.signatures[0]!.signature = signBlock(blocks[1]!.block, ledgerKey).signature;
    });
    assert.deepEqual(failures, ['3:SIGNATURE_INVALID', '3:SIGNATURE_LEDGER_MISSING']);
  });
});
