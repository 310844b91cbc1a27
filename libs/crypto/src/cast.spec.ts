// SPEC §5 cast signatures: signed by the device key over H("hanpyo/1/cast", electionId,
// trackingCode), refused with a stable code when missing, malformed, or by another key.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { castDigest, castSignatureProblem, signCast } from './cast.js';
import { H } from './hash.js';
import { fromHex } from './bytes.js';
import { signingKeyFromSeed, verifySignature } from './signature.js';

const device = signingKeyFromSeed('device', new Uint8Array(32).fill(3));
const other = signingKeyFromSeed('device', new Uint8Array(32).fill(4));
const code = 'ab'.repeat(32);

describe('cast signatures (SPEC §5)', () => {
  it('signs the digest of the election and the raw tracking code', () => {
    assert.deepEqual(castDigest('e1', code), H('hanpyo/1/cast', 'e1', fromHex(code, 32)));
    const signature = signCast(device, 'e1', code);
    assert.equal(castSignatureProblem(signature, device.publicKey, 'e1', code), undefined);
  });

  it('refuses each problem with its code, never throwing', () => {
    const signature = signCast(device, 'e1', code);
    assert.equal(
      castSignatureProblem(undefined, device.publicKey, 'e1', code),
      'CAST_SIGNATURE_MISSING',
    );
    assert.equal(
      castSignatureProblem(42, device.publicKey, 'e1', code),
      'CAST_SIGNATURE_MALFORMED',
    );
    assert.equal(
      castSignatureProblem(signature.slice(0, -2), device.publicKey, 'e1', code),
      'CAST_SIGNATURE_MALFORMED',
    );
    assert.equal(
      castSignatureProblem(signCast(other, 'e1', code), device.publicKey, 'e1', code),
      'CAST_SIGNATURE_INVALID',
    );
    assert.equal(
      castSignatureProblem(signature, device.publicKey, 'e2', code),
      'CAST_SIGNATURE_INVALID',
    );
    assert.equal(
      castSignatureProblem(signature, device.publicKey, 'e1', 'cd'.repeat(32)),
      'CAST_SIGNATURE_INVALID',
    );
  });

  it('uses an injected verifier', () => {
    const seen: Uint8Array[] = [];
    const verify = (k: Uint8Array, m: Uint8Array, s: Uint8Array) => {
      seen.push(m);
      return verifySignature(k, m, s);
    };
    castSignatureProblem(signCast(device, 'e1', code), device.publicKey, 'e1', code, verify);
    assert.deepEqual(seen, [castDigest('e1', code)]);
  });
});
