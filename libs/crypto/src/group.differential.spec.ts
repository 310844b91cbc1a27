// Differential tests: the libsodium (WASM) backend against the @noble/curves reference backend on
// random inputs drawn by fast-check. Both must return identical bytes for every operation, agree on
// which 32-byte strings are valid encodings, and handle the identity and the zero scalar alike.
// Known answers live in group.rfc9496.spec.ts; this file only needs the two to agree.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex } from './bytes.js';
import {
  G,
  IDENTITY,
  decodePoint,
  group,
  loadSodiumBackend,
  nobleBackend,
  withBackend,
} from './group.js';
import type { Point } from './group.js';
import { L } from './scalar.js';
import type { Scalar } from './scalar.js';

const RUNS = { numRuns: 200 };
const noble = nobleBackend;
const sodium = await loadSodiumBackend();

/** Scalars in [0, ℓ), with the edges (0, 1, ℓ−1) drawn often. */
const scalar: fc.Arbitrary<Scalar> = fc.oneof(
  { weight: 8, arbitrary: fc.bigInt({ min: 0n, max: L - 1n }) },
  { weight: 1, arbitrary: fc.constantFrom(0n, 1n, 2n, L - 2n, L - 1n) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 255n }) },
);

/** Group elements as encodings: random multiples of G, plus the identity and ±G now and then. */
const point: fc.Arbitrary<Point> = fc.oneof(
  { weight: 8, arbitrary: fc.bigInt({ min: 1n, max: L - 1n }).map((k) => noble.mulBase(k)) },
  { weight: 1, arbitrary: fc.constantFrom(IDENTITY, G, noble.mulBase(L - 1n)) },
);

/** 32-byte strings: mostly uniform (mostly invalid), some valid encodings with one bit flipped. */
const bytes32: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ minLength: 32, maxLength: 32 }),
  point,
  fc.tuple(point, fc.nat(255)).map(([p, bit]) => {
    const q = p.slice();
    q[bit >> 3]! ^= 1 << (bit & 7);
    return q;
  }),
);

const same = (a: Uint8Array, b: Uint8Array, what: string) => assert.equal(toHex(a), toHex(b), what);

void describe('sodium backend agrees with noble on random inputs', () => {
  void it('mulBase(k)', () => {
    fc.assert(
      fc.property(scalar, (k) => same(sodium.mulBase(k), noble.mulBase(k), `k = ${k}`)),
      RUNS,
    );
  });

  void it('mul(k, P)', () => {
    fc.assert(
      fc.property(scalar, point, (k, p) => same(sodium.mul(k, p), noble.mul(k, p), `k = ${k}`)),
      RUNS,
    );
  });

  void it('add(P, Q) and sub(P, Q)', () => {
    fc.assert(
      fc.property(point, point, (p, q) => {
        same(sodium.add(p, q), noble.add(p, q), 'add');
        same(sodium.sub(p, q), noble.sub(p, q), 'sub');
      }),
      RUNS,
    );
  });

  void it('prepare(P).mul(k), reused across several scalars', () => {
    fc.assert(
      fc.property(point, fc.array(scalar, { minLength: 1, maxLength: 4 }), (p, ks) => {
        const ps = sodium.prepare(p);
        const pn = noble.prepare(p);
        same(ps.point, p, 'sodium prepared point');
        same(pn.point, p, 'noble prepared point');
        for (const k of ks) {
          const expected = noble.mul(k, p);
          same(ps.mul(k), expected, `sodium prepared, k = ${k}`);
          same(pn.mul(k), expected, `noble prepared, k = ${k}`);
        }
      }),
      // noble's prepare builds an 8-bit window table (~30 ms); fewer runs keep the file fast.
      { numRuns: 40 },
    );
  });

  void it('isValid and decodePoint on arbitrary 32-byte strings (both verdicts occur)', () => {
    let valid = 0;
    let invalid = 0;
    fc.assert(
      fc.property(bytes32, (b) => {
        const v = noble.isValid(b);
        assert.equal(sodium.isValid(b), v, toHex(b));
        if (v) valid++;
        else invalid++;
        const outcome = (backend: typeof noble) => {
          try {
            return toHex(withBackend(backend, () => decodePoint(b)));
          } catch (e) {
            return e instanceof Error && 'code' in e ? String(e.code) : String(e);
          }
        };
        assert.equal(outcome(sodium), outcome(noble), toHex(b));
      }),
      { numRuns: 400 },
    );
    // The generator must actually exercise both branches, or the agreement above means little.
    assert.ok(valid > 20 && invalid > 20, `valid ${valid}, invalid ${invalid}`);
  });

  void it('is a homomorphism: (a + b)·G = a·G + b·G and (a·b)·G = a·(b·G), mod ℓ', () => {
    fc.assert(
      fc.property(scalar, scalar, (a, b) => {
        same(sodium.mulBase((a + b) % L), sodium.add(sodium.mulBase(a), sodium.mulBase(b)), '+');
        same(sodium.mulBase((a * b) % L), sodium.mul(a, sodium.mulBase(b)), '×');
      }),
      RUNS,
    );
  });
});

void describe('identity and zero-scalar edge cases, both backends', () => {
  for (const backend of [noble, sodium]) {
    void describe(backend.name, () => {
      void it('0·G and 0·P are the identity, prepared or not', () => {
        same(backend.mulBase(0n), IDENTITY, '0·G');
        fc.assert(
          fc.property(point, (p) => same(backend.mul(0n, p), IDENTITY, '0·P')),
          { numRuns: 50 },
        );
        fc.assert(
          fc.property(point, (p) => same(backend.prepare(p).mul(0n), IDENTITY, 'prepared 0·P')),
          { numRuns: 10 },
        );
      });

      void it('P − P is the identity, and P + (−P) too', () => {
        fc.assert(
          fc.property(point, (p) => {
            same(backend.sub(p, p), IDENTITY, 'P − P');
            same(backend.add(p, backend.mul(L - 1n, p)), IDENTITY, 'P + (ℓ−1)·P');
            same(backend.sub(IDENTITY, p), backend.mul(L - 1n, p), '0 − P = (ℓ−1)·P');
          }),
          { numRuns: 50 },
        );
      });

      void it('identity + P = P + identity = P, and P − identity = P', () => {
        fc.assert(
          fc.property(point, (p) => {
            same(backend.add(IDENTITY, p), p, '0 + P');
            same(backend.add(p, IDENTITY), p, 'P + 0');
            same(backend.sub(p, IDENTITY), p, 'P − 0');
          }),
          { numRuns: 50 },
        );
      });

      void it('k·identity is the identity, prepared or not', () => {
        fc.assert(
          fc.property(scalar, (k) => same(backend.mul(k, IDENTITY), IDENTITY, 'k·0')),
          { numRuns: 50 },
        );
        const prepared = backend.prepare(IDENTITY);
        fc.assert(
          fc.property(scalar, (k) => same(prepared.mul(k), IDENTITY, 'prepared k·0')),
          { numRuns: 50 },
        );
      });

      void it('1·P = P and ℓ−1 is the scalar −1', () => {
        fc.assert(
          fc.property(point, (p) => {
            same(backend.mul(1n, p), p, '1·P');
            same(backend.mul(L - 1n, backend.mul(L - 1n, p)), p, '(−1)·(−1)·P');
          }),
          { numRuns: 50 },
        );
      });

      void it('throws on a scalar ≥ ℓ or < 0 instead of reducing it silently', () => {
        // `Scalar` promises [0, ℓ); the backends differ in the error they raise, but both must raise.
        for (const k of [L, L + 1n, (1n << 256n) - 1n, -1n]) {
          assert.throws(() => backend.mulBase(k), Error, `mulBase(${k})`);
          assert.throws(() => backend.mul(k, G), Error, `mul(${k})`);
        }
      });
    });
  }
});

void describe('withBackend', () => {
  void it('activates the backend for the call and restores the previous one, even on throw', () => {
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
