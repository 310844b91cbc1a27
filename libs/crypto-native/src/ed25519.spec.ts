// NativeEd25519 (node:crypto) as the token and cast verifier: RFC 8032 §7.1 TEST 1–3 (copied from
// the RFC, as in libs/crypto's RFC 8032 suite), agreement with @hanpyo/crypto's strict verifier on
// random, tampered and edge-case signatures (S + ℓ, small-order R), and a whole SPEC §4 token
// checked through it. Where a service verifies natively and a verifier in noble, they must agree.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  base64url,
  confirmationClaim,
  fromHex,
  generateSigningKey,
  sign,
  receiptDigest,
  signReceipt,
  signToken,
  signingKeyFromSeed,
  verifySignature,
  verifyToken,
} from '@hanpyo/crypto';
import { NativeEd25519, nativeSigner } from './ed25519.js';

const RFC8032 = [
  {
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155' +
      '5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da' +
      '085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac' +
      '18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

describe('NativeEd25519', () => {
  const native = new NativeEd25519();

  it('verifies the RFC 8032 §7.1 vectors and refuses each with one bit flipped', () => {
    for (const v of RFC8032) {
      const pk = fromHex(v.publicKey);
      const msg = fromHex(v.message);
      const sig = fromHex(v.signature);
      assert.equal(native.verify(pk, msg, sig), true);
      for (const i of [0, 31, 32, 63]) {
        const bad = sig.slice();
        bad[i]! ^= 1;
        assert.equal(native.verify(pk, msg, bad), false);
      }
    }
  });

  it('agrees with the reference verifier on random and tampered signatures', () => {
    for (let n = 0; n < 50; n++) {
      const key = generateSigningKey('k');
      const msg = randomBytes(n);
      const sig = sign(key, msg);
      const tampered = sig.slice();
      tampered[n % 64]! ^= 0x80;
      const other = generateSigningKey('k').publicKey;
      for (const [pk, s] of [
        [key.publicKey, sig],
        [key.publicKey, tampered],
        [other, sig],
      ] as const) {
        assert.equal(native.verify(pk, msg, s), verifySignature(pk, msg, s));
      }
    }
  });

  it('agrees with the reference on non-canonical S (S + ℓ) and on small-order R', () => {
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const le = (n: bigint) => {
      const out = new Uint8Array(32);
      for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
      return out;
    };
    const fromLe = (b: Uint8Array) => b.reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n);
    for (let n = 0; n < 20; n++) {
      const key = generateSigningKey('k');
      const msg = randomBytes(16);
      const sig = sign(key, msg);
      const bigS = sig.slice();
      bigS.set(le(fromLe(sig.subarray(32)) + L), 32);
      assert.equal(native.verify(key.publicKey, msg, bigS), false);
      assert.equal(verifySignature(key.publicKey, msg, bigS), false);
      // R = the identity (small order), S = 0: verifies for no message under a real key.
      const smallR = new Uint8Array(64);
      smallR[0] = 1;
      assert.equal(
        native.verify(key.publicKey, msg, smallR),
        verifySignature(key.publicKey, msg, smallR),
      );
    }
  });

  it('refuses bad lengths and keys that are not points, without throwing', () => {
    const key = generateSigningKey('k');
    const sig = sign(key, new Uint8Array(1));
    assert.equal(native.verify(key.publicKey.slice(1), new Uint8Array(1), sig), false);
    assert.equal(native.verify(key.publicKey, new Uint8Array(1), sig.slice(1)), false);
    assert.equal(native.verify(new Uint8Array(32).fill(0xff), new Uint8Array(1), sig), false);
  });

  it('checks SPEC §4 tokens when injected into verifyToken', () => {
    const issuer = generateSigningKey('reg-1');
    const forger = generateSigningKey('reg-1');
    const claims = {
      iss: 'reg',
      aud: 'e1',
      sub: base64url(new Uint8Array(32).fill(1)),
      dst: 'd1',
      nbf: 1000,
      exp: 2000,
      jti: 'j',
      cnf: confirmationClaim(generateSigningKey('device').publicKey),
    };
    const policy = {
      issuers: [
        {
          kty: 'OKP' as const,
          crv: 'Ed25519' as const,
          kid: 'reg-1',
          x: base64url(issuer.publicKey),
        },
      ],
      audience: 'e1',
      districts: new Set(['d1']),
      nowSeconds: 1500,
      verify: native.verify,
    };
    assert.deepEqual(verifyToken(signToken(claims, issuer), policy).claims, claims);
    assert.throws(
      () => verifyToken(signToken(claims, forger), policy),
      (e: { code?: string }) => e.code === 'TOKEN_SIGNATURE',
    );
  });
});

describe('nativeSigner', () => {
  it('gives the RFC 8032 §7.1 signatures', () => {
    const seeds = [
      '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
      '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
      'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    ];
    RFC8032.forEach((v, i) => {
      const key = signingKeyFromSeed('k', fromHex(seeds[i]!));
      assert.deepEqual(nativeSigner(key)(fromHex(v.message)), fromHex(v.signature));
    });
  });

  it('signs exactly as the reference signer does', () => {
    for (let n = 0; n < 50; n++) {
      const key = generateSigningKey('k');
      const msg = randomBytes(n * 3);
      assert.deepEqual(nativeSigner(key)(msg), sign(key, msg));
    }
  });

  it('makes receipts byte-identical to signReceipt', () => {
    const key = generateSigningKey('edge-1');
    const signer = nativeSigner(key);
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
      base64url(signer(receiptDigest({ ...receipt, keyId: 'edge-1' }))),
      reference.signature,
    );
  });
});
