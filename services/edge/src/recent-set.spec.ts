// The edge's memory of ballots it encrypted: bounded, oldest forgotten first, each taken once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecentSet } from './recent-set.js';

describe('RecentSet', () => {
  it('takes a key once', () => {
    const s = new RecentSet(10);
    s.add('a');
    assert.equal(s.take('a'), true);
    assert.equal(s.take('a'), false);
    assert.equal(s.take('never'), false);
  });

  it('forgets the oldest past its bound, and a re-added key is young again', () => {
    const s = new RecentSet(3);
    for (const k of ['a', 'b', 'c']) s.add(k);
    s.add('a');
    s.add('d');
    assert.equal(s.take('b'), false, 'b was the oldest');
    assert.equal(s.take('a'), true);
    assert.equal(s.take('c'), true);
    assert.equal(s.take('d'), true);
  });
});
