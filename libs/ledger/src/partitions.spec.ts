// DESIGN.md board layout: district → contiguous partition range sized by registered voters.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { partitionFor, partitionLayout } from './partitions.js';

const districts = (voters: number[]) =>
  voters.map((v, i) => ({ districtId: `d${String(i).padStart(4, '0')}`, registeredVoters: v }));

describe('partitionLayout', () => {
  it('gives big districts their own ranges and packs small ones together', () => {
    const layout = partitionLayout(
      { districts: districts([250_000, 10_000, 20_000, 30_000, 100_000]) },
      { votersPerPartition: 50_000, maxPartitions: 512 },
    );
    assert.deepEqual(
      layout.ranges.map((r) => [r.districtId, r.first, r.width]),
      [
        ['d0000', 0, 5],
        ['d0001', 5, 1],
        ['d0002', 5, 1],
        ['d0003', 6, 1],
        ['d0004', 7, 2],
      ],
    );
    assert.equal(layout.partitionCount, 9);
  });

  it('sizes a 10-million-voter country of 3,500 districts to a few hundred partitions', () => {
    const voters = Array.from({ length: 3500 }, (_, i) =>
      i % 50 === 0 ? 120_000 : 1_200 + ((i * 7919) % 4000),
    );
    const layout = partitionLayout({ districts: districts(voters) });
    assert.ok(
      layout.partitionCount >= 100 && layout.partitionCount <= 512,
      `got ${layout.partitionCount}`,
    );
  });

  it('ranges are contiguous, ordered, inside the topic, and respect the cap', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2_000_000 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 40 }),
        (voters, max) => {
          const layout = partitionLayout(
            { districts: districts(voters) },
            { votersPerPartition: 10_000, maxPartitions: max },
          );
          assert.ok(layout.partitionCount <= max && layout.partitionCount >= 1);
          let end = 0;
          for (const r of layout.ranges) {
            assert.ok(r.width >= 1 && r.first >= 0 && r.first + r.width <= layout.partitionCount);
            assert.ok(
              r.first === end || r.first === end - 1,
              'a range starts where the last ended, or shares its partition',
            );
            end = r.first + r.width;
          }
        },
      ),
    );
  });

  it('a nullifier always lands in its district range, and the same one in the same partition', () => {
    const layout = partitionLayout(
      { districts: districts([400_000, 1_000]) },
      { votersPerPartition: 50_000, maxPartitions: 64 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (nullifier) => {
        const p = partitionFor(layout, 'd0000', nullifier);
        assert.ok(p >= 0 && p < 8);
        assert.equal(partitionFor(layout, 'd0000', nullifier), p);
        assert.equal(partitionFor(layout, 'd0001', nullifier), 8);
      }),
    );
    assert.throws(() => partitionFor(layout, 'nope', new Uint8Array(32)), RangeError);
  });
});
