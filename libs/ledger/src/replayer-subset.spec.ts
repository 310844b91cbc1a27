// A replay of chosen districts only (an observer following some districts): entries of the other
// districts are ignored, the chosen districts' sizes and roots are checked against each block, the
// ballot count is not; a missing or extra entry of a chosen district is still found.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { toHex } from '@hanpyo/crypto';
import { BlockBuilder, BlockReplayer, LedgerError } from './index.js';
import type { LedgerEntry } from './index.js';

const manifest = {
  electionId: 'e',
  districts: ['c', 'a', 'b'].map((districtId) => ({
    districtId,
    name: districtId,
    ballotStyleId: 's',
    registeredVoters: 1,
  })),
  ledgerSigners: [],
  witnesses: [],
};
const Q = 'ee'.repeat(32);

function chain() {
  const builder = new BlockBuilder({ manifest, genesisHash: Q });
  return [
    [4, 3],
    [9, 7],
  ].map((end, i) => {
    const cuts = builder.nextCuts(end);
    const entries: LedgerEntry[] = cuts.flatMap((c) =>
      Array.from({ length: c.toOffset - c.fromOffset }, (_, k) => ({
        partition: c.partition,
        offset: c.fromOffset + k,
        trackingCode: toHex(randomBytes(32)),
        // Partition 0 is district a's; partition 1 is shared by b and c.
        districtId: c.partition === 0 ? 'a' : (c.fromOffset + k) % 2 ? 'b' : 'c',
      })),
    );
    const built = builder.buildBlock(cuts, entries, {
      closedAt: `2026-06-03T00:0${i}:00Z`,
      final: false,
    });
    return { block: built.block, entries };
  });
}

describe('BlockReplayer with a subset of districts', () => {
  it('replays the chosen districts from all entries, or from theirs only, with no failure', () => {
    const blocks = chain();
    const fromAll = new BlockReplayer({ manifest, genesisHash: Q, districts: ['c', 'a'] });
    const fromOwn = new BlockReplayer({ manifest, genesisHash: Q, districts: ['b'] });
    for (const b of blocks) {
      assert.deepEqual(fromAll.replay(b.block, b.entries), []);
      assert.deepEqual(
        fromOwn.replay(
          b.block,
          b.entries.filter((e) => e.districtId === 'b'),
        ),
        [],
      );
    }
    assert.deepEqual(fromAll.logs.districtIds, ['a', 'c']);
    const full = new BlockReplayer({ manifest, genesisHash: Q });
    for (const b of blocks) assert.deepEqual(full.replay(b.block, b.entries), []);
    assert.equal(fromAll.blockHash, full.blockHash);
  });

  it('reports a missing entry of a chosen district, not one of another district', () => {
    const [b1] = chain();
    const missingC = b1!.entries.filter((e) => e !== b1!.entries.find((x) => x.districtId === 'c'));
    const chosen = new BlockReplayer({ manifest, genesisHash: Q, districts: ['c'] });
    const codes = chosen.replay(b1!.block, missingC).map((f) => [f.code, f.districtId]);
    assert.deepEqual(codes, [
      ['BLOCK_TREE_SIZE', 'c'],
      ['BLOCK_ROOT', 'c'],
    ]);
    const other = new BlockReplayer({ manifest, genesisHash: Q, districts: ['a', 'b'] });
    assert.deepEqual(other.replay(b1!.block, missingC), []);
  });

  it('still rejects entries of a district outside the manifest, and bad chain links', () => {
    const [b1, b2] = chain();
    const r = new BlockReplayer({ manifest, genesisHash: Q, districts: ['a'] });
    const stray = { ...b1!.entries[0]!, districtId: 'zz' };
    const codes = r.replay(b1!.block, [stray, ...b1!.entries.slice(1)]).map((f) => f.code);
    assert.ok(codes.includes('BLOCK_ENTRIES'));
    const skipped = new BlockReplayer({ manifest, genesisHash: Q, districts: ['a'] });
    const chainCodes = skipped.replay(b2!.block, b2!.entries).map((f) => f.code);
    assert.ok(chainCodes.includes('BLOCK_HEIGHT') || chainCodes.includes('BLOCK_PREV_HASH'));
  });

  it('refuses an empty subset or a district the manifest does not have', () => {
    assert.throws(
      () => new BlockReplayer({ manifest, genesisHash: Q, districts: [] }),
      LedgerError,
    );
    assert.throws(
      () => new BlockReplayer({ manifest, genesisHash: Q, districts: ['a', 'x'] }),
      LedgerError,
    );
  });
});
