// Differential and edge-case conformance (@hanpyo/crypto-testing) of the group backends: sodium
// (WASM) against the @noble/curves reference on random inputs, the identity, zero-scalar and
// bad-input edges on both, and many-point sums on both (`sumPoints`: sodium's own `sum`, noble's
// fallback). Known answers are in group.rfc9496.spec.ts; libs/crypto-native runs the same suites
// on the native backend.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeDifferentialConformance,
  describeEdgeCaseConformance,
  describeSumConformance,
} from '@hanpyo/crypto-testing';
import { group, loadSodiumBackend, nobleBackend, withBackend } from './group.js';

const loadNoble = () => Promise.resolve(nobleBackend);

describeDifferentialConformance('sodium', loadSodiumBackend);
describeEdgeCaseConformance('noble', loadNoble);
describeEdgeCaseConformance('sodium', loadSodiumBackend);
describeSumConformance('noble', loadNoble);
describeSumConformance('sodium', loadSodiumBackend);

describe('withBackend', () => {
  it('activates the backend for the call and restores the previous one, even on throw', async () => {
    const sodium = await loadSodiumBackend();
    const before = group();
    assert.equal(
      withBackend(sodium, () => group().name),
      'sodium',
    );
    assert.equal(group(), before);
    assert.throws(
      () =>
        withBackend(sodium, () => {
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.equal(group(), before);
  });
});
