// Resuming a replay from a checkpoint: a MerkleFrontier's snapshot restores the same frontier
// (every size, through JSON), and a BlockReplayer resumed after block h with restored logs
// replays the following blocks exactly as an uninterrupted one.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { toHex } from '@hanpyo/crypto';
import { BlockBuilder, BlockReplayer, DistrictLogs, LedgerError, MerkleFrontier } from './index.js';
import type { LedgerEntry } from './index.js';

describe('MerkleFrontier snapshots', () => {
  it('restore the same root and keep appending identically, for every size up to 70', () => {
    const a = new MerkleFrontier();
    for (let n = 0; n <= 70; n++) {
      const b = MerkleFrontier.fromSnapshot(
        JSON.parse(JSON.stringify(a.snapshot())) as { size: number; subtrees: string[] },
      );
      assert.equal(b.size, n);
      assert.deepEqual(b.root(), a.root());
      const leaf = randomBytes(32);
      a.append(leaf);
      b.append(leaf);
      assert.deepEqual(b.root(), a.root(), `size ${n + 1}`);
    }
  });

  it('refuse a snapshot whose subtrees do not fit its size', () => {
    const s = new MerkleFrontier().snapshot();
    assert.throws(() => MerkleFrontier.fromSnapshot({ size: 3, subtrees: [] }), LedgerError);
    assert.throws(() => MerkleFrontier.fromSnapshot({ ...s, subtrees: ['00'] }), LedgerError);
    assert.throws(() => MerkleFrontier.fromSnapshot({ size: 1, subtrees: ['zz'] }), LedgerError);
  });
});

describe('BlockReplayer resumeAfter', () => {
  it('continues after a checkpointed block with no failure', () => {
    const manifest = {
      electionId: 'e',
      districts: [{ districtId: 'a', name: 'a', ballotStyleId: 's', registeredVoters: 1 }],
      ledgerSigners: [],
      witnesses: [],
    };
    const builder = new BlockBuilder({ manifest, genesisHash: 'ee'.repeat(32) });
    const blocks = [2, 5, 9].map((end, i) => {
      const cuts = builder.nextCuts([end]);
      const entries: LedgerEntry[] = Array.from({ length: end - cuts[0]!.fromOffset }, (_, k) => ({
        partition: 0,
        offset: cuts[0]!.fromOffset + k,
        trackingCode: toHex(randomBytes(32)),
        districtId: 'a',
      }));
      return {
        ...builder.buildBlock(cuts, entries, {
          closedAt: `2026-06-03T00:0${i}:00Z`,
          final: i === 2,
        }),
        entries,
      };
    });
    const full = new BlockReplayer({ manifest, genesisHash: 'ee'.repeat(32) });
    for (const b of blocks.slice(0, 2)) assert.deepEqual(full.replay(b.block, b.entries), []);
    const frontier = full.logs.log('a') as MerkleFrontier;
    const resumed = new BlockReplayer({
      manifest,
      genesisHash: 'ee'.repeat(32),
      logs: new DistrictLogs(['a'], () => MerkleFrontier.fromSnapshot(frontier.snapshot())),
      resumeAfter: blocks[1]!.block,
    });
    assert.equal(resumed.height, 2);
    assert.deepEqual(resumed.replay(blocks[2]!.block, blocks[2]!.entries), []);
    assert.equal(resumed.blockHash, blocks[2]!.blockHash);
    // A block that does not follow the checkpoint is reported.
    const again = new BlockReplayer({
      manifest,
      genesisHash: 'ee'.repeat(32),
      logs: new DistrictLogs(['a'], () => new MerkleFrontier()),
      resumeAfter: blocks[0]!.block,
    });
    const failures = again.replay(blocks[2]!.block, blocks[2]!.entries).map((f) => f.code);
    assert.ok(failures.includes('BLOCK_HEIGHT') && failures.includes('BLOCK_PREV_HASH'));
  });
});
