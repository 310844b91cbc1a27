// fast-check generators of group inputs, and the byte comparison every group suite uses.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { G, IDENTITY, L, nobleBackend, toHex } from '@hanpyo/crypto';
import type { GroupBackend, Point, Scalar } from '@hanpyo/crypto';
import { BACKEND_PROFILES } from './backend.js';

/** Property runs of a cheap group operation. */
export const RUNS = { numRuns: 250 };

/** Scalars in [0, ℓ), with the edges (0, 1, ℓ−1) drawn often. */
export const scalar: fc.Arbitrary<Scalar> = fc.oneof(
  { weight: 8, arbitrary: fc.bigInt({ min: 0n, max: L - 1n }) },
  { weight: 1, arbitrary: fc.constantFrom(0n, 1n, 2n, L - 2n, L - 1n) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 255n }) },
);

/** Group elements as encodings: random multiples of G, plus the identity and ±G now and then. */
export const point: fc.Arbitrary<Point> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.bigInt({ min: 1n, max: L - 1n }).map((k) => nobleBackend.mulBase(k)),
  },
  { weight: 1, arbitrary: fc.constantFrom(IDENTITY, G, nobleBackend.mulBase(L - 1n)) },
);

/** 32-byte strings: mostly uniform (mostly invalid), some valid encodings with one bit flipped. */
export const bytes32: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ minLength: 32, maxLength: 32 }),
  point,
  fc.tuple(point, fc.nat(255)).map(([p, bit]) => {
    const q = p.slice();
    q[bit >> 3]! ^= 1 << (bit & 7);
    return q;
  }),
);

/** A backend's output `a` has the bytes of `b`, and is a plain Uint8Array (not a Buffer). */
export function same(a: Uint8Array, b: Uint8Array, what: string): void {
  assert.equal(Object.getPrototypeOf(a), Uint8Array.prototype, `${what}: a plain Uint8Array`);
  assert.equal(toHex(a), toHex(b), what);
}

/**
 * Checks `backend.prepare(P)` on random points: it keeps P, and its `mul(k)`, reused across several
 * scalars, gives `reference.mul(k, P)`.
 */
export function assertPreparedMul(backend: GroupBackend, reference: GroupBackend): void {
  fc.assert(
    fc.property(point, fc.array(scalar, { minLength: 1, maxLength: 4 }), (p, ks) => {
      const prepared = backend.prepare(p);
      same(prepared.point, p, 'prepared point');
      for (const k of ks) same(prepared.mul(k), reference.mul(k, p), `prepared, k = ${k}`);
    }),
    { numRuns: BACKEND_PROFILES[backend.name].preparedRuns },
  );
}
