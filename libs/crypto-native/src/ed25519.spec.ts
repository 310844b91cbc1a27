// nativeSigner (libsodium through the addon, OpenSSL without it): RFC 8032 §7.1's signatures, the
// reference signer's bytes on random keys and messages, and receipts byte-identical to
// signReceipt's. Both implementations are checked, whichever nativeSigner picks here.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  base64url,
  fromHex,
  generateSigningKey,
  nobleSign,
  receiptDigest,
  sign,
  signReceipt,
  signingKeyFromSeed,
} from '@hanpyo/crypto';
import type { SigningKey } from '@hanpyo/crypto';
import {
  nativeSign,
  nativeSigner,
  nativeSigningKey,
  opensslSigner,
  signerImplementation,
} from './ed25519.js';
import { initFastestBackend, loadNativeBackend } from './index.js';
import { SIGNATURE_CASES, caseBytes } from './signature-cases.js';

const native = await loadNativeBackend();

for (const [name, signer] of [
  ['nativeSigner', nativeSigner],
  ['opensslSigner', opensslSigner],
] as const) {
  describe(name, () => {
    it('gives the RFC 8032 §7.1 signatures', () => {
      const vectors = SIGNATURE_CASES.filter((c) => c.seed !== undefined);
      assert.equal(vectors.length, 3);
      for (const c of vectors) {
        const { message, signature } = caseBytes(c);
        const key = signingKeyFromSeed('k', fromHex(c.seed!, 32));
        assert.deepEqual(signer(key)(message), signature, c.name);
      }
    });

    it('signs exactly as the reference signer does', () => {
      for (let n = 0; n < 50; n++) {
        const key = generateSigningKey('k');
        const msg = randomBytes(n * 3);
        assert.deepEqual(signer(key)(msg), sign(key, msg));
      }
      const long = randomBytes(5000);
      const key = generateSigningKey('k');
      assert.deepEqual(signer(key)(long), sign(key, long));
    });

    it('makes receipts byte-identical to signReceipt', () => {
      const key: SigningKey = generateSigningKey('edge-1');
      const receipt = {
        electionId: 'e',
        districtId: 'd',
        trackingCode: 'ab'.repeat(32),
        partition: 3,
        offset: 12345,
        receivedAt: '2030-01-01T09:00:00.123Z',
      };
      const reference = signReceipt(receipt, key);
      assert.equal(
        base64url(signer(key)(receiptDigest({ ...receipt, keyId: 'edge-1' }))),
        reference.signature,
      );
    });
  });
}

describe('native signing with the addon', { skip: native ? false : 'addon not built' }, () => {
  it('signs through libsodium once the addon signed the RFC vectors', () => {
    assert.equal(signerImplementation(), 'libsodium');
  });

  it('becomes sign’s implementation with the fastest backend, with noble’s bytes', async () => {
    const signNative = nativeSign();
    assert.ok(signNative);
    await initFastestBackend();
    for (let n = 0; n < 30; n++) {
      const key = generateSigningKey('k');
      const msg = randomBytes(n * 11);
      assert.deepEqual(signNative(key, msg), nobleSign(key, msg));
      assert.deepEqual(sign(key, msg), nobleSign(key, msg));
    }
  });

  it('derives a seed’s public key as noble does', () => {
    for (let n = 0; n < 30; n++) {
      const seed = randomBytes(32);
      const key = nativeSigningKey('device', seed);
      assert.deepEqual(key.publicKey, signingKeyFromSeed('device', seed).publicKey);
      assert.equal(key.seed, seed);
    }
  });
});
