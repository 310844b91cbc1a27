// Edge-case conformance, for every backend noble included: the identity and the zero scalar, the
// group laws on random inputs, fresh outputs, and what each operation does with input it must not
// accept (scalars outside [0, ℓ), non-canonical encodings, encodings with bit 255 set).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CryptoError, G, IDENTITY, L, fromHex, nobleBackend, toHex } from '@hanpyo/crypto';
import type { Point } from '@hanpyo/crypto';
import { RUNS, assertPreparedMul, point, same, scalar } from './arbitraries.js';
import { BACKEND_PROFILES, loadBackendUnderTest } from './backend.js';
import type { BackendLoader } from './backend.js';

/** A short label for an arbitrary value in assertion messages. */
const label = (x: unknown) => (x instanceof Object ? x.constructor.name : String(x));

/** A valid encoding with bit 255 set: the same element under a second, non-canonical encoding. */
const highBit = (p: Point) => {
  const q = p.slice();
  q[31]! |= 0x80;
  return q;
};

/** Registers "identity, zero-scalar and bad-input edge cases on the <name> backend". */
export function describeEdgeCaseConformance(name: string, load: BackendLoader): void {
  describe(`identity, zero-scalar and bad-input edge cases on the ${name} backend`, async () => {
    const { backend, skip } = await loadBackendUnderTest(load);
    const profile = () => BACKEND_PROFILES[backend.name];
    /** What a rejected input must raise: `expected` where the backend promises error codes. */
    const raises = (expected: { name?: string; code: string }) =>
      profile().errorCodes ? expected : Error;

    it('0·G and 0·P are the identity, prepared or not', { skip }, () => {
      same(backend.mulBase(0n), IDENTITY, '0·G');
      fc.assert(
        fc.property(point, (p) => same(backend.mul(0n, p), IDENTITY, '0·P')),
        { numRuns: 50 },
      );
      fc.assert(
        fc.property(point, (p) => same(backend.prepare(p).mul(0n), IDENTITY, 'prepared 0·P')),
        { numRuns: profile().preparedRuns },
      );
    });

    it('P − P is the identity, and P + (−P) too', { skip }, () => {
      fc.assert(
        fc.property(point, (p) => {
          same(backend.sub(p, p), IDENTITY, 'P − P');
          same(backend.add(p, backend.mul(L - 1n, p)), IDENTITY, 'P + (ℓ−1)·P');
          same(backend.sub(IDENTITY, p), backend.mul(L - 1n, p), '0 − P = (ℓ−1)·P');
        }),
        { numRuns: 50 },
      );
    });

    it('identity + P = P + identity = P, and P − identity = P', { skip }, () => {
      fc.assert(
        fc.property(point, (p) => {
          same(backend.add(IDENTITY, p), p, '0 + P');
          same(backend.add(p, IDENTITY), p, 'P + 0');
          same(backend.sub(p, IDENTITY), p, 'P − 0');
        }),
        { numRuns: 50 },
      );
    });

    it('k·identity is the identity, prepared or not', { skip }, () => {
      const prepared = backend.prepare(IDENTITY);
      fc.assert(
        fc.property(scalar, (k) => {
          same(backend.mul(k, IDENTITY), IDENTITY, 'k·0');
          same(prepared.mul(k), IDENTITY, 'prepared k·0');
        }),
        { numRuns: 50 },
      );
    });

    it('1·P = P and ℓ−1 is the scalar −1', { skip }, () => {
      fc.assert(
        fc.property(point, (p) => {
          same(backend.mul(1n, p), p, '1·P');
          same(backend.mul(L - 1n, backend.mul(L - 1n, p)), p, '(−1)·(−1)·P');
        }),
        { numRuns: 50 },
      );
    });

    it('is a homomorphism: (a + b)·G = a·G + b·G and (a·b)·G = a·(b·G), mod ℓ', { skip }, () => {
      fc.assert(
        fc.property(scalar, scalar, (a, b) => {
          same(
            backend.mulBase((a + b) % L),
            backend.add(backend.mulBase(a), backend.mulBase(b)),
            '+',
          );
          same(backend.mulBase((a * b) % L), backend.mul(a, backend.mulBase(b)), '×');
        }),
        RUNS,
      );
    });

    it('prepare(P).mul(k) is mul(k, P), reused across several scalars', { skip }, () => {
      assertPreparedMul(backend, backend);
    });

    it('isValid is false for anything but a 32-byte Uint8Array', { skip }, () => {
      for (const x of [
        new Uint8Array(0),
        new Uint8Array(31),
        new Uint8Array(33),
        new Uint8Array(64),
        new Uint8ClampedArray(32),
        new Uint16Array(16),
        new Uint8Array(32).buffer,
        Array.from(G),
        'x'.repeat(32),
        undefined,
        null,
      ]) {
        assert.equal(backend.isValid(x as Uint8Array), false, label(x));
      }
      assert.equal(backend.isValid(Buffer.from(G)), true, 'a Buffer is a Uint8Array');
    });

    it('inputs are not modified and outputs are fresh arrays', { skip }, () => {
      const p = nobleBackend.mulBase(12345n);
      const copy = p.slice();
      const r1 = backend.mul(7n, p);
      const r2 = backend.mul(7n, p);
      assert.deepEqual(p, copy);
      assert.notEqual(r1, r2);
      r1[0]! ^= 1;
      assert.notEqual(toHex(r1), toHex(r2));
    });

    it('a scalar ≥ ℓ or < 0 throws instead of being reduced', { skip }, () => {
      const nonCanonical = raises({ name: 'CryptoError', code: 'SCALAR_NONCANONICAL' });
      const prepared = backend.prepare(G);
      for (const k of [
        L,
        L + 1n,
        (1n << 253n) - 1n,
        (1n << 256n) - 1n,
        1n << 256n,
        1n << 400n,
        -1n,
      ]) {
        assert.throws(() => backend.mulBase(k), nonCanonical, `mulBase(${k})`);
        assert.throws(() => backend.mul(k, G), nonCanonical, `mul(${k})`);
        assert.throws(() => prepared.mul(k), nonCanonical, `prepared mul(${k})`);
      }
      assert.ok(new CryptoError('SCALAR_NONCANONICAL', 'x') instanceof Error);
    });

    it('an invalid point given to mul / add / sub throws', { skip }, () => {
      // RFC 9496 A.2: s = 1 is a negative field element, so not a canonical encoding.
      const invalid = fromHex(
        '0100000000000000000000000000000000000000000000000000000000000000',
        32,
      );
      const pointInvalid = raises({ code: 'POINT_INVALID' });
      assert.throws(() => backend.mul(5n, invalid), pointInvalid, 'mul');
      assert.throws(() => backend.mul(0n, invalid), pointInvalid, 'mul by 0');
      assert.throws(() => backend.add(G, invalid), pointInvalid, 'add');
      assert.throws(() => backend.sub(invalid, G), pointInvalid, 'sub');
    });

    // libsodium 1.0.18 (the native build) ignores bit 255 and took these as valid: RFC 9496 forbids it.
    describe('encodings with bit 255 set', () => {
      it('isValid rejects them', { skip }, () => {
        fc.assert(
          fc.property(point, (p) => {
            assert.equal(backend.isValid(highBit(p)), false, toHex(highBit(p)));
          }),
          { numRuns: 200 },
        );
      });

      it('mul, prepare().mul, add and sub throw on them', { skip }, () => {
        const pointInvalid = raises({ code: 'POINT_INVALID' });
        fc.assert(
          fc.property(point, scalar, (p, k) => {
            const bad = highBit(p);
            assert.throws(() => backend.mul(k, bad), pointInvalid, 'mul');
            assert.throws(() => backend.prepare(bad).mul(k), pointInvalid, 'prepared mul');
            assert.throws(() => backend.add(G, bad), pointInvalid, 'add');
            assert.throws(() => backend.add(bad, G), pointInvalid, 'add');
            assert.throws(() => backend.sub(bad, G), pointInvalid, 'sub');
            assert.throws(() => backend.sub(G, bad), pointInvalid, 'sub');
          }),
          { numRuns: 50 },
        );
      });
    });
  });
}
