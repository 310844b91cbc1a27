// RFC 9496 Appendix A vectors for ristretto255 (A.1 multiples of G, A.2 invalid encodings; the
// suite and its provenance are in @hanpyo/crypto-testing) on both group backends, and the loading
// of the sodium one. libs/crypto-native runs the same suite on the native backend.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeRfc9496Conformance } from '@hanpyo/crypto-testing';
import { loadSodiumBackend, nobleBackend } from './group.js';
import type { GroupBackend } from './group.js';

describeRfc9496Conformance('noble', () => Promise.resolve(nobleBackend));
describeRfc9496Conformance('sodium', loadSodiumBackend);

describe('backend loading', () => {
  it('loadSodiumBackend yields the sodium backend, cached', async () => {
    const sodiumBackend = await loadSodiumBackend();
    const again = await loadSodiumBackend();
    const names: GroupBackend['name'][] = [nobleBackend.name, sodiumBackend.name];
    assert.deepEqual(names, ['noble', 'sodium']);
    assert.equal(again, sodiumBackend);
  });
});
