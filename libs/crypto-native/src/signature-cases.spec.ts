// Ed25519 verification, one rule (@hanpyo/crypto verifySignature, noble's strict verify): the
// verdicts of SIGNATURE_CASES are noble's; OpenSSL's cofactorless verification disagrees on the
// cases with a torsion component, which is why no service verifies with it; and the addon's
// hv_ed25519_verify gives noble's verdict on every case and on random, tampered and constructed
// inputs (honest keys, keys and nonces of mixed order, small-order R, random bytes).
import assert from 'node:assert/strict';
import { createPublicKey, randomBytes, verify as opensslVerify } from 'node:crypto';
import { describe, it } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { nobleVerifySignature, toHex, verifySignature } from '@hanpyo/crypto';
import { initFastestBackend, loadNativeBackend, nativeEd25519Verify } from './index.js';
import { SIGNATURE_CASES, caseBytes, verifyAgreesWithCases } from './signature-cases.js';

const native = await loadNativeBackend();
const Point = ed25519.Point;
const L = Point.Fn.ORDER;
const T8 = Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a');

const le = (b: Uint8Array) => b.reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n);
const toLe = (n: bigint) =>
  Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const randomScalar = () => le(randomBytes(48)) % L;
const challenge = (R: Uint8Array, A: Uint8Array, m: Uint8Array) => le(sha512(concat(R, A, m))) % L;

/** Cofactorless RFC 8032 verification (OpenSSL through node:crypto), for the contrast only. */
function openssl(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
      format: 'jwk',
    });
    return opensslVerify(null, message, key, signature);
  } catch {
    return false;
  }
}

/** A signature made honestly with secret a, nonce r, over the key bytes A and nonce point R. */
function signWith(a: bigint, A: Uint8Array, r: bigint, R: Uint8Array, m: Uint8Array) {
  return concat(R, toLe((r + challenge(R, A, m) * a) % L));
}

describe('Ed25519 signature cases', () => {
  it('carry noble strict verify’s verdict, both ways', () => {
    for (const c of SIGNATURE_CASES) {
      const { publicKey, message, signature } = caseBytes(c);
      assert.equal(nobleVerifySignature(publicKey, message, signature), c.valid, c.name);
    }
    assert.ok(SIGNATURE_CASES.some((c) => c.valid));
    assert.ok(SIGNATURE_CASES.some((c) => !c.valid));
  });

  it('include signatures OpenSSL’s cofactorless check refuses and the rule accepts', () => {
    const torsion = SIGNATURE_CASES.filter((c) => c.name.includes('cofactored'));
    assert.equal(torsion.length, 2);
    for (const c of torsion) {
      const { publicKey, message, signature } = caseBytes(c);
      assert.equal(c.valid, true, c.name);
      assert.equal(openssl(publicKey, message, signature), false, c.name);
    }
    // So a self-check over the cases refuses a cofactorless implementation.
    assert.equal(verifyAgreesWithCases(openssl), false);
    assert.equal(verifyAgreesWithCases(nobleVerifySignature), true);
  });
});

describe('native Ed25519 verification', { skip: native ? false : 'addon not built' }, () => {
  const verify = nativeEd25519Verify()!;

  it('is installed after giving every case’s verdict', () => {
    assert.ok(verify);
    for (const c of SIGNATURE_CASES) {
      const { publicKey, message, signature } = caseBytes(c);
      assert.equal(verify(publicKey, message, signature), c.valid, c.name);
    }
  });

  it('agrees with noble on random, tampered and constructed signatures', () => {
    let valid = 0;
    for (let n = 0; n < 60; n++) {
      const m = randomBytes(n * 7);
      const a = randomScalar();
      const r = randomScalar();
      const honestA = Point.BASE.multiply(a).toBytes();
      const mixedA = Point.BASE.multiply(a)
        .add(T8.multiply(BigInt(1 + (n % 7))))
        .toBytes();
      const R = Point.BASE.multiply(r).toBytes();
      const mixedR = Point.BASE.multiply(r)
        .add(T8.multiply(BigInt(1 + (n % 7))))
        .toBytes();
      const identity = Point.ZERO.toBytes();
      const inputs: [Uint8Array, Uint8Array][] = [
        [honestA, signWith(a, honestA, r, R, m)],
        [mixedA, signWith(a, mixedA, r, R, m)],
        [honestA, signWith(a, honestA, r, mixedR, m)],
        [honestA, signWith(a, honestA, 0n, identity, m)],
        [honestA, randomBytes(64)],
        [randomBytes(32), signWith(a, honestA, r, R, m)],
      ];
      const tampered = signWith(a, honestA, r, R, m);
      tampered[n % 64]! ^= 1 << (n % 8);
      inputs.push([honestA, tampered]);
      for (const [publicKey, signature] of inputs) {
        const expected = nobleVerifySignature(publicKey, m, signature);
        valid += Number(expected);
        assert.equal(
          verify(publicKey, m, signature),
          expected,
          `${toHex(publicKey)} ${toHex(signature)}`,
        );
      }
    }
    assert.ok(valid >= 180, `honest, mixed-order and identity-R signatures verify (${valid})`);
  });

  it('refuses bad sizes without throwing', () => {
    const c = caseBytes(SIGNATURE_CASES[0]!);
    assert.equal(verify(c.publicKey.slice(1), c.message, c.signature), false);
    assert.equal(verify(c.publicKey, c.message, c.signature.slice(1)), false);
    assert.equal(verify(c.publicKey, c.message, new Uint8Array(65)), false);
    assert.equal(verifySignature(c.publicKey, c.message, c.signature.slice(0, 63)), false);
  });

  it('becomes verifySignature’s implementation with the fastest backend', async () => {
    await initFastestBackend();
    for (const c of SIGNATURE_CASES) {
      const { publicKey, message, signature } = caseBytes(c);
      assert.equal(verifySignature(publicKey, message, signature), c.valid, c.name);
    }
  });
});
