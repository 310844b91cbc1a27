// One election's ledger state without any server: cuts become blocks an observer's replay
// reproduces, a fresh state replays stored blocks to the same hashes (and refuses ones it cannot
// reproduce), receipts and consistency proofs verify, and memory ahead of the store is never
// served as included.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Cut } from '@hanpyo/contracts';
import { fromHex, signingKeyFromSeed, toHex } from '@hanpyo/crypto';
import {
  BlockReplayer,
  blockSignatures,
  leafHash,
  verifyChain,
  verifyConsistency,
  verifyInclusion,
} from '@hanpyo/ledger';
import type { LedgerEntry } from '@hanpyo/ledger';
import { ElectionLedger, LedgerDivergence } from './election-ledger.js';
import type { BoardSlot, StoredBlock } from './election-ledger.js';

const manifest = {
  electionId: 'e1',
  districts: ['d-b', 'd-a', 'd-c'].map((districtId) => ({
    districtId,
    name: districtId,
    ballotStyleId: 's',
    registeredVoters: 10,
  })),
  ledgerSigners: [] as { keyId: string; publicKey: string }[],
  witnesses: [] as { keyId: string; publicKey: string }[],
};
const key = signingKeyFromSeed('ledger-1', new Uint8Array(32).fill(7));
manifest.ledgerSigners.push({
  keyId: 'ledger-1',
  publicKey: Buffer.from(key.publicKey).toString('base64url'),
});
const Q = 'ab'.repeat(32);
const P = 3;

/** A board of `n` offsets per partition: entries, with a placeholder and a foreign district. */
function board(n: number): BoardSlot[][] {
  return Array.from({ length: P }, (_, p) =>
    Array.from({ length: n }, (_, offset) => ({
      partition: p,
      offset,
      trackingCode: offset === 3 && p === 0 ? null : toHex(randomBytes(32)),
      districtId:
        offset === 3 && p === 0
          ? null
          : offset === 5 && p === 1
            ? 'atlantis'
            : manifest.districts[(offset + p) % 3]!.districtId,
    })),
  );
}

function inside(slots: BoardSlot[][], cuts: readonly Cut[]): BoardSlot[] {
  return cuts.flatMap((c) => slots[c.partition]!.slice(c.fromOffset, c.toOffset));
}

/** Cuts blocks at the given end offsets; returns them stored (signed). */
function chain(
  ledger: ElectionLedger,
  slots: BoardSlot[][],
  ends: number[][],
  finalLast = false,
): StoredBlock[] {
  return ends.map((end, i) => {
    const cuts = ledger.nextCuts(end);
    const built = ledger.cut(cuts, inside(slots, cuts), {
      closedAt: new Date(Date.UTC(2026, 5, 3, 0, i)).toISOString(),
      final: finalLast && i === ends.length - 1,
    });
    const stored = {
      block: built.block,
      blockHash: built.blockHash,
      signatures: blockSignatures(built.block, [key]),
    };
    ledger.accept(stored);
    return stored;
  });
}

const ENDS = [
  [0, 0, 0],
  [4, 2, 7],
  [4, 9, 8],
  [20, 20, 20],
];

describe('ElectionLedger', () => {
  it("cuts blocks an observer's replay reproduces from the board", () => {
    const slots = board(20);
    const ledger = new ElectionLedger({ manifest, genesisHash: Q, partitionCount: P });
    const blocks = chain(ledger, slots, ENDS, true);
    assert.deepEqual(
      blocks.map((b) => b.block.districts.map((d) => d.districtId)),
      blocks.map(() => ['d-a', 'd-b', 'd-c']),
    );
    // 60 offsets: one placeholder and one entry of an unknown district are no leaves.
    assert.equal(blocks[3]!.block.ballotCount, 58);
    assert.deepEqual(
      verifyChain(
        blocks.map((b) => b.block),
        Q,
        { manifest, requireFinal: true },
      ),
      [],
    );
    const replayer = new BlockReplayer({ manifest, genesisHash: Q });
    const failures = blocks.flatMap((b) =>
      replayer.replay(
        b.block,
        inside(slots, b.block.cuts)
          .filter((s) => s.trackingCode !== null)
          .map((s) => s as LedgerEntry),
        b.signatures,
      ),
    );
    // The observer flags the foreign entry, and agrees on every root.
    assert.deepEqual(
      failures.map((f) => f.code),
      ['BLOCK_ENTRIES'],
    );
    assert.ok(ledger.finalized);
  });

  it('a fresh state replays the stored blocks to the same hashes, and proves the same', () => {
    const slots = board(20);
    const original = new ElectionLedger({ manifest, genesisHash: Q, partitionCount: P });
    const blocks = chain(original, slots, ENDS.slice(0, 3));
    const rebuilt = new ElectionLedger({ manifest, genesisHash: Q, partitionCount: P });
    for (const b of blocks) rebuilt.replay(b, inside(slots, b.block.cuts));
    assert.equal(rebuilt.height, 3);
    assert.equal(rebuilt.latest!.blockHash, blocks[2]!.blockHash);
    // Continuing either gives the same next block.
    const cutsA = original.nextCuts([20, 20, 20]);
    const cutsB = rebuilt.nextCuts([20, 20, 20]);
    const closing = { closedAt: '2026-06-03T05:00:00Z', final: true };
    assert.equal(
      original.cut(cutsA, inside(slots, cutsA), closing).blockHash,
      rebuilt.cut(cutsB, inside(slots, cutsB), closing).blockHash,
    );

    const latest = blocks[2]!.block;
    for (const slot of inside(slots, latest.cuts)) {
      const leaf = rebuilt.leaf(slot.trackingCode ?? '00'.repeat(32));
      if (slot.trackingCode === null || slot.districtId === 'atlantis') {
        assert.equal(leaf, undefined);
        continue;
      }
      assert.ok(leaf?.block, 'included in the latest stored block');
      assert.deepEqual(
        [leaf.partition, leaf.offset, leaf.districtId],
        [slot.partition, slot.offset, slot.districtId],
      );
      const head = latest.districts.find((d) => d.districtId === slot.districtId)!;
      assert.equal(leaf.treeSize, head.treeSize);
      assert.ok(
        verifyInclusion(
          leafHash(fromHex(slot.trackingCode, 32)),
          leaf.leafIndex,
          leaf.treeSize,
          leaf.inclusionProof.map((h) => fromHex(h, 32)),
          fromHex(head.root, 32),
        ),
      );
    }
    for (const d of ['d-a', 'd-b', 'd-c']) {
      for (const [from, to] of [
        [1, 3],
        [2, 3],
        [3, 3],
      ]) {
        const c = rebuilt.consistency(d, from!, to!)!;
        assert.ok(
          verifyConsistency(
            c.fromSize,
            c.toSize,
            fromHex(c.fromRoot, 32),
            fromHex(c.toRoot, 32),
            c.proof.map((h) => fromHex(h, 32)),
          ),
        );
      }
    }
    assert.equal(rebuilt.consistency('atlantis', 1, 2), undefined);
    assert.equal(rebuilt.consistency('d-a', 1, 9), undefined);
  });

  it('refuses stored blocks it cannot reproduce', () => {
    const slots = board(10);
    const original = new ElectionLedger({ manifest, genesisHash: Q, partitionCount: P });
    const blocks = chain(original, slots, [
      [5, 5, 5],
      [10, 10, 10],
    ]);
    const tampered = slots.map((p) => p.map((s) => ({ ...s })));
    tampered[2]![1] = { ...tampered[2]![1]!, trackingCode: 'cd'.repeat(32) };
    const fresh = () => new ElectionLedger({ manifest, genesisHash: Q, partitionCount: P });
    assert.throws(
      () => fresh().replay(blocks[0]!, inside(tampered, blocks[0]!.block.cuts)),
      (e: LedgerDivergence) =>
        e.code === 'LEDGER_DIVERGED' && /district roots differ/.test(e.message),
    );
    assert.throws(() => fresh().replay(blocks[1]!, []), LedgerDivergence);
    assert.throws(
      () => fresh().replay(blocks[0]!, inside(slots, blocks[0]!.block.cuts).slice(1)),
      LedgerDivergence,
    );
    const otherGenesis = new ElectionLedger({
      manifest,
      genesisHash: 'cd'.repeat(32),
      partitionCount: P,
    });
    assert.throws(
      () => otherGenesis.replay(blocks[0]!, inside(slots, blocks[0]!.block.cuts)),
      LedgerDivergence,
    );
  });

  it('never reports a leaf of a block not yet stored as included', () => {
    const slots = board(10);
    const ledger = new ElectionLedger({ manifest, genesisHash: Q, partitionCount: P });
    chain(ledger, slots, [[5, 5, 5]]);
    const cuts = ledger.nextCuts([10, 10, 10]);
    ledger.cut(cuts, inside(slots, cuts), { closedAt: '2026-06-03T05:00:00Z', final: false });
    assert.ok(ledger.dirty);
    const late = slots[1]![7]!;
    const leaf = ledger.leaf(late.trackingCode!);
    assert.ok(leaf);
    assert.equal(leaf.block, undefined);
    assert.deepEqual(leaf.inclusionProof, []);
    assert.equal(ledger.height, 1);
    assert.throws(() => ledger.nextCuts([10, 10]), /partitions/);
  });

  it('proves the first copy of a ballot posted twice', () => {
    const slots = board(6);
    const copy = slots[0]![1]!;
    slots[0]![4] = { ...copy, offset: 4 };
    const ledger = new ElectionLedger({ manifest, genesisHash: Q, partitionCount: P });
    chain(ledger, slots, [[6, 6, 6]]);
    const leaf = ledger.leaf(copy.trackingCode!);
    assert.deepEqual([leaf?.partition, leaf?.offset], [0, 1]);
  });
});
