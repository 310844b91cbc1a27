// node:crypto's SHA-2 (hashes.ts) as @hanpyo/crypto's hash functions: the FIPS 180-4 examples,
// agreement with @noble/hashes on random inputs of every length around the block boundaries, and
// SPEC §1/§2/§5 known answers (the `hash` vector's H and Hs, the manifest hash, the ballot's
// tracking code, from vectors/spec-v1.json) computed with node:crypto's functions installed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  H,
  Hs,
  fromHex,
  hashFunctions,
  manifestHashHex,
  nobleHashes,
  scalarToText,
  toHex,
  trackingCode,
  useHashFunctions,
  utf8,
} from '@hanpyo/crypto';
import type { HashFunctions } from '@hanpyo/crypto';
import { specVectors } from '@hanpyo/crypto-testing';
import { agreesWithNoble, nodeHashes } from './hashes.js';

/** Runs `f` with `functions` as the library's hashes. */
function withHashes<T>(functions: HashFunctions, f: () => T): T {
  const previous = hashFunctions();
  useHashFunctions(functions);
  try {
    return f();
  } finally {
    useHashFunctions(previous);
  }
}

void describe('node:crypto SHA-2 (hashes.ts)', () => {
  void it('gives the FIPS 180-4 example digests of "abc"', () => {
    const abc = utf8('abc');
    assert.equal(
      toHex(nodeHashes.sha256(abc)),
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    assert.equal(
      toHex(nodeHashes.sha512(abc)),
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a' +
        '2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    );
  });

  void it('returns plain Uint8Arrays, as noble does', () => {
    const d = nodeHashes.sha256(new Uint8Array(3));
    assert.equal(Object.getPrototypeOf(d), Uint8Array.prototype);
    assert.equal(d.length, 32);
    assert.equal(nodeHashes.sha512(new Uint8Array(3)).length, 64);
  });

  void it('agrees with noble on random inputs of 0–300 bytes and on larger ones', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (data) => {
        assert.deepEqual(nodeHashes.sha256(data), nobleHashes.sha256(data));
        assert.deepEqual(nodeHashes.sha512(data), nobleHashes.sha512(data));
      }),
      { numRuns: 500 },
    );
    const big = Uint8Array.from({ length: 100_003 }, (_, i) => (i * 7) & 0xff);
    assert.deepEqual(nodeHashes.sha256(big), nobleHashes.sha256(big));
    assert.deepEqual(nodeHashes.sha512(big), nobleHashes.sha512(big));
  });

  void it('passes its self-check; a wrong implementation does not', () => {
    assert.equal(agreesWithNoble(nodeHashes), true);
    const wrong: HashFunctions = {
      name: 'wrong',
      sha256: (d) => nodeHashes.sha256(Uint8Array.of(...d, 0)),
      sha512: (d) => nodeHashes.sha512(d),
    };
    assert.equal(agreesWithNoble(wrong), false);
  });

  void it('reproduces the SPEC vectors of H, Hs, the manifest hash and the tracking code', () => {
    const v = specVectors.vectors;
    const hash = v.hash;
    withHashes(nodeHashes, () => {
      assert.equal(hashFunctions().name, 'node:crypto');
      const parts = hash.parts.map(toPart);
      assert.equal(toHex(H(hash.tag, ...parts)), hash.H);
      assert.equal(scalarToText(Hs(hash.tag, ...parts)), hash.Hs);
      assert.equal(manifestHashHex(v.manifest.manifest as never), v.manifest.manifestHash);
      assert.equal(trackingCode(v.ballot.ballot), v.ballot.trackingCode);
    });
  });
});

function toPart(
  part: (typeof specVectors)['vectors']['hash']['parts'][number],
): Uint8Array | string | bigint {
  if ('utf8' in part) return part.utf8;
  if ('hex' in part) return fromHex(part.hex);
  return BigInt(part.u64);
}
