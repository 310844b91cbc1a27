// The tracking-code index: every leaf found again through growth, copies earliest first, and
// tracking codes sharing their first 32 bits kept apart (the caller confirms by leaf hash).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { LeafIndex } from './leaf-index.js';

const code = () => randomBytes(32).toString('hex');

describe('LeafIndex', () => {
  it('finds each of 50,000 leaves after the table grew many times', () => {
    const index = new LeafIndex();
    const codes = Array.from({ length: 50_000 }, code);
    codes.forEach((c, i) =>
      index.add(c, { district: i % 7, leafIndex: i, partition: i % 5, offset: i * 3 }),
    );
    assert.equal(index.size, codes.length);
    codes.forEach((c, i) => {
      const found = index.candidates(c).filter((l) => l.leafIndex === i);
      assert.deepEqual(found, [{ district: i % 7, leafIndex: i, partition: i % 5, offset: i * 3 }]);
    });
    assert.deepEqual(index.candidates(code()), []);
  });

  it('returns the copies of one code earliest first, and prefix twins as candidates', () => {
    const index = new LeafIndex();
    const c = code();
    const twin = c.slice(0, 8) + code().slice(8);
    index.add(c, { district: 1, leafIndex: 5, partition: 0, offset: 10 });
    index.add(twin, { district: 2, leafIndex: 0, partition: 1, offset: 0 });
    index.add(c, { district: 1, leafIndex: 9, partition: 0, offset: 20 });
    assert.deepEqual(
      index.candidates(c).map((l) => l.leafIndex),
      [5, 0, 9],
    );
    const other = c.slice(0, 7) + (c[7] === 'f' ? '0' : 'f') + c.slice(8);
    assert.deepEqual(index.candidates(other), []);
  });
});
