// RFC 8032 (Edwards-Curve Digital Signature Algorithm), §7.1 "Test Vectors for Ed25519": TEST 1,
// TEST 2, TEST 3 and TEST SHA(abc) — secret key (our seed), public key, message, signature.
// Provenance: copied from RFC 8032 §7.1 and cross-checked against several independent public test
// suites that carry the same four vectors. The negative cases (one flipped bit anywhere, S + ℓ, bad
// lengths) are ours: a verifier that accepts any of them is not RFC 8032 §5.1.7 strict.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concatBytes, fromHex, toHex } from './bytes.js';
import { L } from './scalar.js';
import {
  generateSigningKey,
  sign,
  signatureFromText,
  signatureToText,
  signingKeyFromSeed,
  verifySignature,
} from './signature.js';

interface Vector {
  name: string;
  secretKey: string;
  publicKey: string;
  message: string;
  signature: string;
}

const VECTORS: readonly Vector[] = [
  {
    name: 'TEST 1 (empty message)',
    secretKey: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155' +
      '5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2 (one byte)',
    secretKey: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da' +
      '085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3 (two bytes)',
    secretKey: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac' +
      '18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
  {
    name: 'TEST SHA(abc) (64 bytes)',
    secretKey: '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42',
    publicKey: 'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
    message:
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a' +
      '2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    signature:
      'dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589' +
      '09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704',
  },
];

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

/** S + ℓ in place of S: same value mod ℓ, so only the S < ℓ check can reject it. */
function withNonCanonicalS(signature: Uint8Array): Uint8Array {
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i]!);
  let t = s + L;
  assert.ok(t < 1n << 256n, 'S + ℓ still fits in 32 bytes');
  const out = signature.slice();
  for (let i = 32; i < 64; i++, t >>= 8n) out[i] = Number(t & 0xffn);
  return out;
}

for (const v of VECTORS) {
  void describe(`RFC 8032 §7.1 Ed25519 ${v.name}`, () => {
    const key = signingKeyFromSeed('rfc8032', fromHex(v.secretKey, 32));
    const publicKey = fromHex(v.publicKey, 32);
    const message = fromHex(v.message);
    const signature = fromHex(v.signature, 64);

    void it('derives the public key from the secret key', () => {
      assert.equal(toHex(key.publicKey), v.publicKey);
      assert.equal(key.keyId, 'rfc8032');
    });

    void it('signs byte for byte as the RFC does', () => {
      assert.equal(toHex(sign(key, message)), v.signature);
    });

    void it('verifies the RFC signature', () => {
      assert.equal(verifySignature(publicKey, message, signature), true);
    });

    void it('rejects the signature after any single bit flip in it', () => {
      for (let bit = 0; bit < 512; bit++) {
        assert.equal(
          verifySignature(publicKey, message, flipBit(signature, bit)),
          false,
          `bit ${bit}`,
        );
      }
    });

    void it('rejects a message with a flipped bit, an extra byte or a byte dropped', () => {
      for (let bit = 0; bit < message.length * 8; bit++) {
        assert.equal(
          verifySignature(publicKey, flipBit(message, bit), signature),
          false,
          `bit ${bit}`,
        );
      }
      const longer = concatBytes(message, Uint8Array.of(0));
      assert.equal(verifySignature(publicKey, longer, signature), false, 'extra byte');
      if (message.length > 0) {
        assert.equal(verifySignature(publicKey, message.subarray(1), signature), false, 'dropped');
      }
    });

    void it('rejects under a public key with any single bit flipped', () => {
      for (let bit = 0; bit < 256; bit++) {
        assert.equal(
          verifySignature(flipBit(publicKey, bit), message, signature),
          false,
          `bit ${bit}`,
        );
      }
    });

    void it('rejects a non-canonical S (S + ℓ)', () => {
      assert.equal(verifySignature(publicKey, message, withNonCanonicalS(signature)), false);
    });

    void it('rejects wrong lengths without throwing', () => {
      assert.equal(verifySignature(publicKey, message, signature.subarray(0, 63)), false);
      assert.equal(
        verifySignature(publicKey, message, concatBytes(signature, Uint8Array.of(0))),
        false,
      );
      assert.equal(verifySignature(publicKey.subarray(0, 31), message, signature), false);
      assert.equal(
        verifySignature(concatBytes(publicKey, Uint8Array.of(0)), message, signature),
        false,
      );
    });

    void it('round-trips the signature through base64url text', () => {
      assert.equal(toHex(signatureFromText(signatureToText(signature))), v.signature);
    });
  });
}

void describe('Ed25519 keys and text', () => {
  void it('signingKeyFromSeed rejects a seed that is not 32 bytes', () => {
    for (const n of [0, 31, 33, 64]) {
      assert.throws(() => signingKeyFromSeed('k', new Uint8Array(n)), {
        name: 'CryptoError',
        code: 'LENGTH_INVALID',
      });
    }
  });

  void it('signatureFromText requires exactly 64 bytes of canonical base64url', () => {
    assert.throws(() => signatureFromText('A'.repeat(84)), { code: 'LENGTH_INVALID' });
    assert.throws(() => signatureFromText(`${'A'.repeat(86)}==`), { code: 'BASE64URL_INVALID' });
    assert.equal(signatureFromText('A'.repeat(86)).length, 64);
  });

  void it('a generated key signs and verifies, and its signature fails under another key', () => {
    const a = generateSigningKey('a');
    const b = generateSigningKey('b');
    const message = Uint8Array.of(1, 2, 3);
    const sig = sign(a, message);
    assert.equal(verifySignature(a.publicKey, message, sig), true);
    assert.equal(verifySignature(b.publicKey, message, sig), false);
    assert.notEqual(toHex(a.seed), toHex(b.seed));
  });
});
