// Conformance of the variable-time verification path, `GroupBackend.linearCombinationsVartime`
// (public inputs only), for every backend that has it: against @noble/curves on random inputs, on
// the edges (zero scalars, ℓ−1, identities, the same point twice, K = G, small multiples, scalars
// out of range, invalid and bit-255 encodings, results that are the identity inside a batch, the
// addon's per-thread cache of decoded points), and verifyRange giving noble's verdicts on honest
// and tampered proofs. A backend without the operation is reported as skipped, with the reason.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  G,
  IDENTITY,
  L,
  VARTIME_MAX_BASES,
  deterministicRandom,
  fromHex,
  mod,
  nobleBackend,
  proveRange,
  randomRangeNonces,
  toHex,
  verifyRange,
  withBackend,
} from '@hanpyo/crypto';
import type {
  CombinationBase,
  GroupBackend,
  Point,
  ProofStatement,
  RangeProof,
  Scalar,
} from '@hanpyo/crypto';
import { RUNS, point, same, scalar } from './arbitraries.js';
import { BACKEND_PROFILES, loadBackendUnderTest } from './backend.js';
import type { BackendLoader } from './backend.js';

const noble = nobleBackend;

/** Σ_j row[j]·bases[j] with noble's constant-time calls: the reference every row must equal. */
export function referenceCombination(
  bases: readonly CombinationBase[],
  row: readonly Scalar[],
): Point {
  let sum = IDENTITY;
  bases.forEach((b, j) => {
    const p = b instanceof Uint8Array ? b : b.point;
    sum = noble.add(sum, noble.mul(row[j]!, p));
  });
  return sum;
}

/** A valid encoding with bit 255 set: the same element under a second, non-canonical encoding. */
const highBit = (p: Point) => {
  const q = p.slice();
  q[31]! |= 0x80;
  return q;
};

/** RFC 9496 A.2: s = 1 is a negative field element, so not a canonical encoding. */
const INVALID = fromHex('0100000000000000000000000000000000000000000000000000000000000000', 32);

/** Registers "<name> backend: variable-time combinations (public inputs) agree with noble". */
export function describeVartimeConformance(name: string, load: BackendLoader): void {
  describe(`${name} backend: variable-time combinations (public inputs) agree with noble`, async () => {
    const loaded = await loadBackendUnderTest(load);
    const { backend } = loaded;
    const skip =
      loaded.skip ||
      (backend.linearCombinationsVartime === undefined &&
        `the ${name} backend has no linearCombinationsVartime (verifyRange uses its constant-time calls)`);
    const combine = (bases: readonly CombinationBase[], rows: readonly (readonly Scalar[])[]) =>
      backend.linearCombinationsVartime!(bases, rows);
    /** Every row of `rows` on `bases` has the reference's bytes. */
    const agrees = (bases: readonly CombinationBase[], rows: readonly Scalar[][], what: string) => {
      const out = combine(bases, rows);
      assert.equal(out.length, rows.length, `${what}: one point per row`);
      rows.forEach((row, i) =>
        same(out[i]!, referenceCombination(bases, row), `${what}, row ${i}: ${row.join(', ')}`),
      );
    };
    const raises = (expected: { name?: string; code: string }) =>
      BACKEND_PROFILES[backend.name].errorCodes ? expected : Error;

    it('the rows of a range proof, [G, K, α, β], on random inputs', { skip }, () => {
      const row4 = fc.tuple(scalar, scalar, scalar, scalar);
      fc.assert(
        fc.property(
          point,
          point,
          point,
          fc.array(row4, { minLength: 1, maxLength: 6 }),
          (k, alpha, beta, rows) => {
            agrees([G, backend.prepare(k), alpha, beta], rows, 'random');
          },
        ),
        { numRuns: Math.max(RUNS.numRuns, BACKEND_PROFILES[backend.name].preparedRuns) },
      );
    });

    it('any shape: 1..8 bases, points or prepared, 1..5 rows', { skip }, () => {
      const base = fc.tuple(point, fc.boolean());
      fc.assert(
        fc.property(
          fc.array(base, { minLength: 1, maxLength: 8 }),
          fc.integer({ min: 1, max: 5 }),
          fc.infiniteStream(scalar),
          (specs, nRows, scalars) => {
            const bases = specs.map(([p, prepared]) => (prepared ? backend.prepare(p) : p));
            const rows = Array.from({ length: nRows }, () =>
              bases.map(() => scalars.next().value as Scalar),
            );
            agrees(bases, rows, 'shape');
          },
        ),
        { numRuns: 200 },
      );
    });

    it('zero scalars, ℓ−1, identity bases and identity results', { skip }, () => {
      fc.assert(
        fc.property(point, point, scalar, (p, q, a) => {
          const bases = [G, backend.prepare(p), q, IDENTITY, backend.prepare(IDENTITY)];
          const rows = [
            [0n, 0n, 0n, 0n, 0n],
            [a, 0n, 0n, 0n, 0n],
            [0n, 0n, a, 0n, 0n],
            [L - 1n, L - 1n, L - 1n, L - 1n, L - 1n],
            [0n, 0n, 0n, a, a],
            [a, 0n, 0n, 0n, 0n],
          ];
          agrees(bases, rows, 'edges');
          for (const out of combine([IDENTITY], [[a], [1n], [L - 1n]])) same(out, IDENTITY, 'k·0');
        }),
        { numRuns: 50 },
      );
    });

    it('the same point twice, K = G, and rows that cancel inside a batch', { skip }, () => {
      fc.assert(
        fc.property(point, scalar, scalar, (p, a, b) => {
          // Full-size rows go through the batched encoding; a result that is the identity there
          // (a·P + (ℓ−a)·P) must come out as 32 zero bytes without spoiling its neighbours.
          const minusA = mod(-a);
          agrees(
            [p, p],
            [
              [a, b],
              [a, minusA],
              [b, a],
            ],
            'P twice',
          );
          agrees(
            [p, backend.prepare(p)],
            [
              [a, minusA],
              [a, b],
            ],
            'P and prepared P',
          );
          agrees(
            [G, backend.prepare(G)],
            [
              [a, b],
              [a, minusA],
              [b, b],
            ],
            'K = G',
          );
          same(combine([G, backend.prepare(G)], [[a, minusA]])[0]!, IDENTITY, 'a·G − a·G');
        }),
        { numRuns: 50 },
      );
    });

    it(
      'small multiples and sums (rows of small scalars, mixed with full-size ones)',
      { skip },
      () => {
        const points = Array.from({ length: 10 }, (_, i) => noble.mulBase(BigInt(1000 + i)));
        for (let k = 0n; k <= 20n; k++) {
          agrees([G, points[0]!, backend.prepare(points[1]!)], [[k, k, k]], `k = ${k}`);
        }
        agrees(
          points,
          [points.map(() => 1n), points.map((_, i) => BigInt(i)), points.map(() => L - 1n)],
          'sums',
        );
        agrees(
          [G, points[2]!],
          [
            [1n, 1n],
            [L - 1n, 2n],
            [(1n << 127n) + 1n, 1n << 128n],
            [(1n << 128n) - 1n, 3n],
          ],
          'around the small-row bound',
        );
        const many = Array.from({ length: VARTIME_MAX_BASES }, (_, i) =>
          noble.mulBase(BigInt(i + 1)),
        );
        agrees(many, [many.map(() => 1n)], `${VARTIME_MAX_BASES} bases`);
      },
    );

    it('a result fed back as a base, and bases that share a cache slot', { skip }, () => {
      // The addon keeps decoded points (and small rows' results) per thread, keyed by encoding.
      const rng = deterministicRandom('vartime-cache');
      const points = Array.from({ length: 300 }, () => noble.mulBase(rng.scalar()));
      const bySlot = new Map<number, Point[]>();
      for (const p of points) bySlot.set(p[0]! % 64, [...(bySlot.get(p[0]! % 64) ?? []), p]);
      const [p, q] = [...bySlot.values()].find((ps) => ps.length >= 2)!;
      for (let i = 0; i < 4; i++) {
        agrees([p!, G], [[3n, 5n]], 'first of a slot');
        agrees([q!, G], [[3n, 5n]], 'second of the slot');
      }
      const [sum] = combine([p!, q!], [[1n, 1n]]);
      agrees([sum!, G], [[rng.scalar(), rng.scalar()]], 'a sum as a base');
      fc.assert(
        fc.property(
          fc.array(fc.constantFrom(...points), { minLength: 1, maxLength: 6 }),
          scalar,
          (ps, k) => agrees(ps, [ps.map(() => k), ps.map(() => 1n)], 'repeated points'),
        ),
        { numRuns: 200 },
      );
    });

    it('a scalar ≥ ℓ or < 0 throws instead of being reduced', { skip }, () => {
      const nonCanonical = raises({ name: 'CryptoError', code: 'SCALAR_NONCANONICAL' });
      const prepared = backend.prepare(noble.mulBase(7n));
      for (const k of [
        L,
        L + 1n,
        (1n << 253n) - 1n,
        (1n << 256n) - 1n,
        1n << 256n,
        1n << 400n,
        -1n,
      ]) {
        assert.throws(() => combine([G], [[k]]), nonCanonical, `G, ${k}`);
        assert.throws(
          () =>
            combine(
              [G, prepared, G],
              [
                [1n, 2n, 3n],
                [1n, k, 3n],
              ],
            ),
          nonCanonical,
          `row 2, ${k}`,
        );
      }
    });

    it('invalid and bit-255 encodings throw POINT_INVALID, as bases or prepared', { skip }, () => {
      const pointInvalid = raises({ code: 'POINT_INVALID' });
      assert.throws(() => combine([INVALID], [[1n]]), pointInvalid, 'RFC 9496 A.2 s = 1');
      assert.throws(() => combine([G, INVALID], [[1n, 0n]]), pointInvalid, 'even with scalar 0');
      assert.throws(() => combine([backend.prepare(INVALID)], [[1n]]), pointInvalid, 'prepared');
      fc.assert(
        fc.property(point, scalar, (p, k) => {
          assert.throws(() => combine([highBit(p)], [[k]]), pointInvalid, 'bit 255');
          assert.throws(
            () => combine([G, backend.prepare(highBit(p))], [[k, k]]),
            pointInvalid,
            'prepared, bit 255',
          );
        }),
        { numRuns: 50 },
      );
    });

    it('rows of the wrong length throw PARAMETER_INVALID; no rows give no points', { skip }, () => {
      const parameter = raises({ name: 'CryptoError', code: 'PARAMETER_INVALID' });
      assert.throws(() => combine([G, G], [[1n]]), parameter);
      assert.throws(() => combine([G], [[1n, 2n]]), parameter);
      assert.deepEqual(combine([G], []), []);
    });

    it('inputs are not modified and outputs are fresh arrays', { skip }, () => {
      const p = noble.mulBase(12345n);
      const copy = p.slice();
      const [r1, r2] = combine(
        [p, G],
        [
          [7n, 1n],
          [7n, 1n],
        ],
      );
      assert.deepEqual(p, copy);
      assert.notEqual(r1, r2);
      assert.equal(toHex(r1!), toHex(r2!));
      r1![0]! ^= 1;
      assert.notEqual(toHex(r1!), toHex(r2!));
    });

    describe('verifyRange gives noble’s verdicts', () => {
      const rng = deterministicRandom('vartime-verify-range');
      const K = noble.mulBase(rng.scalar());
      const statement = (g: GroupBackend, lo: number, hi: number, alpha: Point, beta: Point) =>
        ({
          tag: 'hanpyo/1/limit',
          Q: new Uint8Array(32).fill(7),
          ctx: [new Uint8Array(32).fill(1), 'contest'],
          K: g.prepare(K),
          alpha,
          beta,
          lo,
          hi,
        }) satisfies ProofStatement;
      /** The verdict (or the fact that it throws) on both backends; they must be the same. */
      const verdicts = (lo: number, hi: number, alpha: Point, beta: Point, proof: RangeProof) =>
        [noble, backend].map((g) => {
          try {
            return withBackend(g, () => verifyRange(statement(g, lo, hi, alpha, beta), proof));
          } catch {
            return 'throws';
          }
        });
      const shift = (k: Scalar) => mod(k + 1n);

      it('honest proofs are accepted; a flipped c, z, α or β is refused, by both', { skip }, () => {
        fc.assert(
          fc.property(
            fc.integer({ min: 0, max: 3 }),
            fc.integer({ min: 0, max: 3 }),
            fc.nat(),
            fc.nat(),
            (lo, extra, pick, at) => {
              const hi = lo + extra;
              const m = lo + (pick % (extra + 1));
              const r = rng.scalar();
              const alpha = noble.mulBase(r);
              const beta = noble.add(noble.mulBase(BigInt(m)), noble.mul(r, K));
              const proof = withBackend(noble, () =>
                proveRange(
                  statement(noble, lo, hi, alpha, beta),
                  m,
                  r,
                  randomRangeNonces(rng, m, lo, hi),
                ),
              );
              assert.deepEqual(verdicts(lo, hi, alpha, beta, proof), [true, true], 'honest');
              const i = at % (extra + 1);
              const c = proof.c.map((x, j) => (j === i ? shift(x) : x));
              const z = proof.z.map((x, j) => (j === i ? shift(x) : x));
              assert.deepEqual(
                verdicts(lo, hi, alpha, beta, { c, z: proof.z }),
                [false, false],
                'c',
              );
              assert.deepEqual(
                verdicts(lo, hi, alpha, beta, { c: proof.c, z }),
                [false, false],
                'z',
              );
              assert.deepEqual(
                verdicts(lo, hi, noble.add(alpha, G), beta, proof),
                [false, false],
                'α',
              );
              assert.deepEqual(
                verdicts(lo, hi, alpha, noble.add(beta, G), proof),
                [false, false],
                'β',
              );
              assert.deepEqual(verdicts(lo, hi + 1, alpha, beta, proof), [false, false], 'range');
            },
          ),
          { numRuns: 40 },
        );
      });

      it('a proof scalar ≥ ℓ makes both throw (never reduced into a valid proof)', { skip }, () => {
        const r = rng.scalar();
        const alpha = noble.mulBase(r);
        const beta = noble.mul(r, K);
        const proof = withBackend(noble, () =>
          proveRange(statement(noble, 0, 1, alpha, beta), 0, r, randomRangeNonces(rng, 0, 0, 1)),
        );
        const c = [proof.c[0]! + L, proof.c[1]!];
        const z = [proof.z[0]!, proof.z[1]! + L];
        assert.deepEqual(verdicts(0, 1, alpha, beta, { c, z: proof.z }), ['throws', 'throws']);
        assert.deepEqual(verdicts(0, 1, alpha, beta, { c: proof.c, z }), ['throws', 'throws']);
      });
    });
  });
}
