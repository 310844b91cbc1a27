// SPEC §9 counted set: first/last valid ballot per nullifier, in board order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countedSet } from './counting.js';

const e = (nullifier: string, offset: number, valid = true, partition = 0) => ({
  nullifier,
  partition,
  offset,
  valid,
});

describe('countedSet', () => {
  const board = [
    e('a', 0),
    e('b', 1),
    e('a', 2),
    e('c', 3, false),
    e('b', 4, false),
    e('c', 5),
    e('a', 6, false),
  ];
  it('"last" counts the last valid ballot of each voter', () => {
    assert.deepEqual(countedSet('last', board), [1, 2, 5]);
  });
  it('"first" counts the first valid ballot of each voter', () => {
    assert.deepEqual(countedSet('first', board), [0, 1, 5]);
  });
  it('follows offset order, not line order', () => {
    const shuffled = [e('a', 9), e('a', 3)];
    assert.deepEqual(countedSet('last', shuffled), [0]);
    assert.deepEqual(countedSet('first', shuffled), [1]);
  });
  it('counts nobody whose ballots are all invalid', () => {
    assert.deepEqual(countedSet('last', [e('x', 0, false), e('x', 1, false)]), []);
  });
});
