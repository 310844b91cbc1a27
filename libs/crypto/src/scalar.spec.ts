// Scalars mod ℓ (SPEC.md §1 "scalar bytes": 32 bytes little-endian, value < ℓ, non-canonical
// rejected). ℓ's encoding below is the constant L of RFC 8032 §5.1 (= the ristretto255 group order of
// RFC 9496 §4), written out independently of `scalarToBytes`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { base64url, fromHex, toHex } from './bytes.js';
import {
  L,
  invert,
  mod,
  scalarFromBytes,
  scalarFromText,
  scalarFromWideBytes,
  scalarToBytes,
  scalarToText,
  systemRandom,
} from './scalar.js';

/** ℓ, little-endian (RFC 8032 §5.1). */
const L_HEX = 'edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010';
const L_MINUS_1_HEX = 'ecd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010';
const L_PLUS_1_HEX = 'eed3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010';

const NONCANONICAL = { name: 'CryptoError', code: 'SCALAR_NONCANONICAL' };
const LENGTH_INVALID = { name: 'CryptoError', code: 'LENGTH_INVALID' };
const scalar = fc.bigInt({ min: 0n, max: L - 1n });

void describe('ℓ', () => {
  void it('is 2^252 + 27742317777372353535851937790883648493, encoded as in RFC 8032', () => {
    assert.equal(L, 2n ** 252n + 27742317777372353535851937790883648493n);
    assert.equal(
      L.toString(16),
      '1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed',
    );
  });
});

void describe('scalarFromBytes', () => {
  void it('accepts 0, 1 and ℓ−1', () => {
    assert.equal(scalarFromBytes(new Uint8Array(32)), 0n);
    assert.equal(scalarFromBytes(fromHex('01'.padEnd(64, '0'))), 1n);
    assert.equal(scalarFromBytes(fromHex(L_MINUS_1_HEX)), L - 1n);
  });

  void it('reads little-endian', () => {
    const bytes = new Uint8Array(32);
    bytes[0] = 0x02;
    bytes[1] = 0x01;
    bytes[31] = 0x0f;
    assert.equal(scalarFromBytes(bytes), 0x0102n + (0x0fn << 248n));
  });

  void it('rejects ℓ, ℓ+1, 2^255 and 2^256−1 with SCALAR_NONCANONICAL', () => {
    const high = new Uint8Array(32);
    high[31] = 0x80;
    for (const bytes of [
      fromHex(L_HEX),
      fromHex(L_PLUS_1_HEX),
      high,
      new Uint8Array(32).fill(0xff),
    ]) {
      assert.throws(() => scalarFromBytes(bytes), NONCANONICAL, toHex(bytes));
    }
  });

  void it('rejects every value in [ℓ, 2^256) it is given (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: L, max: (1n << 256n) - 1n }), (v) => {
        const bytes = new Uint8Array(32);
        for (let i = 0, x = v; i < 32; i++, x >>= 8n) bytes[i] = Number(x & 0xffn);
        assert.throws(() => scalarFromBytes(bytes), NONCANONICAL);
      }),
      { numRuns: 200 },
    );
  });

  void it('rejects any length but 32 with LENGTH_INVALID', () => {
    for (const n of [0, 1, 31, 33, 64]) {
      assert.throws(() => scalarFromBytes(new Uint8Array(n)), LENGTH_INVALID, `${n} bytes`);
    }
    assert.throws(() => scalarFromBytes([0] as unknown as Uint8Array), LENGTH_INVALID);
  });
});

void describe('scalarToBytes and the text form', () => {
  void it('encodes ℓ−1 and 1 as expected', () => {
    assert.equal(toHex(scalarToBytes(L - 1n)), L_MINUS_1_HEX);
    assert.equal(toHex(scalarToBytes(1n)), '01'.padEnd(64, '0'));
    assert.equal(scalarToText(0n), 'A'.repeat(43));
  });

  void it('refuses to encode a value outside [0, ℓ)', () => {
    for (const s of [L, L + 1n, -1n, 1n << 256n]) {
      assert.throws(() => scalarToBytes(s), NONCANONICAL, String(s));
    }
  });

  void it('round-trips through bytes and base64url text', () => {
    fc.assert(
      fc.property(scalar, (s) => {
        assert.equal(scalarFromBytes(scalarToBytes(s)), s);
        assert.equal(scalarFromText(scalarToText(s)), s);
        assert.equal(scalarToText(s), base64url(scalarToBytes(s)));
      }),
      { numRuns: 300 },
    );
  });

  void it('scalarFromText reports the layer that failed', () => {
    assert.throws(() => scalarFromText(base64url(fromHex(L_HEX))), NONCANONICAL);
    assert.throws(() => scalarFromText(base64url(new Uint8Array(31))), LENGTH_INVALID);
    assert.throws(() => scalarFromText(`${'A'.repeat(43)}=`), { code: 'BASE64URL_INVALID' });
    assert.throws(() => scalarFromText(`${'A'.repeat(42)}B`), { code: 'BASE64URL_INVALID' });
  });
});

void describe('mod and scalarFromWideBytes', () => {
  void it('mod reduces into [0, ℓ), negatives included', () => {
    assert.equal(mod(-1n), L - 1n);
    assert.equal(mod(L), 0n);
    assert.equal(mod(2n * L + 5n), 5n);
    assert.equal(mod(-L - 3n), L - 3n);
  });

  void it('scalarFromWideBytes reads 64 bytes little-endian and reduces mod ℓ', () => {
    assert.equal(scalarFromWideBytes(new Uint8Array(64).fill(0xff)), ((1n << 512n) - 1n) % L);
    const lWide = new Uint8Array(64);
    lWide.set(fromHex(L_HEX));
    assert.equal(scalarFromWideBytes(lWide), 0n);
    const lPlus1Wide = new Uint8Array(64);
    lPlus1Wide.set(fromHex(L_PLUS_1_HEX));
    assert.equal(scalarFromWideBytes(lPlus1Wide), 1n);
    const top = new Uint8Array(64);
    top[63] = 1;
    assert.equal(scalarFromWideBytes(top), (1n << 504n) % L);
  });
});

void describe('invert', () => {
  void it('x · invert(x) ≡ 1 (mod ℓ) for every non-zero x', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: L - 1n }), (x) => {
        const y = invert(x);
        assert.ok(y > 0n && y < L);
        assert.equal((x * y) % L, 1n);
      }),
      { numRuns: 300 },
    );
  });

  void it('known values: 1, ℓ−1, 2 and a negative input', () => {
    assert.equal(invert(1n), 1n);
    assert.equal(invert(L - 1n), L - 1n);
    assert.equal(invert(2n), (L + 1n) / 2n);
    assert.equal(invert(-1n), L - 1n);
    assert.equal(invert(L + 2n), (L + 1n) / 2n);
  });

  void it('zero (and ℓ, which is zero mod ℓ) has no inverse: PARAMETER_INVALID', () => {
    assert.throws(() => invert(0n), { name: 'CryptoError', code: 'PARAMETER_INVALID' });
    assert.throws(() => invert(L), { name: 'CryptoError', code: 'PARAMETER_INVALID' });
  });
});

void describe('systemRandom', () => {
  void it('draws scalars in [0, ℓ) and bytes of the asked length', () => {
    const seen = new Set<bigint>();
    for (let i = 0; i < 50; i++) {
      const s = systemRandom.scalar();
      assert.ok(s >= 0n && s < L);
      seen.add(s);
    }
    assert.equal(seen.size, 50, 'fifty draws of a 252-bit value do not repeat');
    assert.equal(systemRandom.bytes(0).length, 0);
    assert.equal(systemRandom.bytes(33).length, 33);
  });
});
