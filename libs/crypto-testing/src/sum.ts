// Conformance of many-point sums, `sumPoints` (SPEC §9's aggregates fold their ballots' α and β
// with it) and a backend's own `GroupBackend.sum` where it has one: the same bytes as pairwise
// noble additions on random lists, on the edges (no point, one point, identities, P + (−P), lists
// longer than any aggregate's batch), and the same refusals for every backend (RFC 9496 A.2 and
// bit-255 encodings anywhere in a list: POINT_INVALID; anything but a 32-byte Uint8Array: TypeError).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  G,
  IDENTITY,
  L,
  deterministicRandom,
  fromHex,
  mod,
  nobleBackend,
  sumPoints,
  toHex,
  withBackend,
} from '@hanpyo/crypto';
import type { Point } from '@hanpyo/crypto';
import { bytes32, point, same } from './arbitraries.js';
import { BACKEND_PROFILES, loadBackendUnderTest } from './backend.js';
import type { BackendLoader } from './backend.js';
import { INVALID as RFC9496_INVALID } from './rfc9496.js';

const noble = nobleBackend;

/** Σ points by pairwise noble additions: the reference every sum must equal. */
export function referenceSum(points: readonly Point[]): Point {
  return points.reduce((sum, p) => noble.add(sum, p), IDENTITY);
}

/** A valid encoding with bit 255 set: the same element under a second, non-canonical encoding. */
const highBit = (p: Point) => {
  const q = p.slice();
  q[31]! |= 0x80;
  return q;
};

/** What every sum raises for a non-canonical encoding, on every backend. */
const pointInvalid = { code: 'POINT_INVALID' };

/** Registers "<name> backend: sums of many points agree with pairwise noble additions". */
export function describeSumConformance(name: string, load: BackendLoader): void {
  describe(`${name} backend: sums of many points agree with pairwise noble additions`, async () => {
    const { backend, skip } = await loadBackendUnderTest(load);
    /** `sumPoints` with this backend active, and the backend's own `sum` when it has one. */
    const ways = () => {
      const list: [string, (points: readonly Point[]) => Point][] = [
        ['sumPoints', (points) => withBackend(backend, () => sumPoints(points))],
      ];
      if (backend.sum) list.push(['backend.sum', (points) => backend.sum!(points)]);
      return list;
    };
    /** Every way of summing `points` gives the reference's bytes, as a fresh plain Uint8Array. */
    const agrees = (points: readonly Point[], what: string, expected = referenceSum(points)) => {
      for (const [way, sum] of ways()) same(sum(points), expected, `${way}: ${what}`);
    };
    /** Every way of summing `points` throws `expected`. */
    const refuses = (points: readonly Point[], expected: object, what: string) => {
      for (const [way, sum] of ways())
        assert.throws(() => sum(points), expected, `${way}: ${what}`);
    };

    it('has its own sum exactly where its profile says so', { skip }, () => {
      assert.equal(backend.sum !== undefined, BACKEND_PROFILES[backend.name].sum);
    });

    it('random lists of 0..12 points (identity and ±G among them)', { skip }, () => {
      fc.assert(
        fc.property(fc.array(point, { maxLength: 12 }), (points) =>
          agrees(points, `${points.length} points`),
        ),
        { numRuns: 200 },
      );
    });

    it('no point is the identity; one point is itself', { skip }, () => {
      agrees([], 'empty', IDENTITY);
      fc.assert(
        fc.property(point, (p) => agrees([p], 'one point', p)),
        { numRuns: 50 },
      );
    });

    it('identity inputs: 0 + 0, 0 + P + 0, P + 0, many identities', { skip }, () => {
      agrees([IDENTITY, IDENTITY], '0 + 0', IDENTITY);
      agrees(
        Array.from({ length: 300 }, () => IDENTITY),
        '300 identities',
        IDENTITY,
      );
      fc.assert(
        fc.property(point, (p) => {
          agrees([IDENTITY, p, IDENTITY], '0 + P + 0', p);
          agrees([p, IDENTITY], 'P + 0', p);
        }),
        { numRuns: 50 },
      );
    });

    it('P + (−P) is the identity; P + Q + (−P) is Q; P + P is 2·P', { skip }, () => {
      fc.assert(
        fc.property(point, point, (p, q) => {
          const minusP = noble.mul(L - 1n, p);
          agrees([p, minusP], 'P + (−P)', IDENTITY);
          agrees([p, q, minusP], 'P + Q + (−P)', q);
          agrees([p, p], 'P + P', noble.mul(2n, p));
        }),
        { numRuns: 50 },
      );
    });

    it(
      'long lists: 1,000 × G is 1000·G, and Σ k_i·G over 600 points is (Σ k_i)·G',
      { skip },
      () => {
        agrees(
          Array.from({ length: 1000 }, () => G),
          '1000 × G',
          noble.mulBase(1000n),
        );
        const rng = deterministicRandom('sum-conformance');
        const ks = Array.from({ length: 600 }, () => rng.scalar());
        const points = ks.map((k) => noble.mulBase(k));
        agrees(points, '600 points', noble.mulBase(mod(ks.reduce((a, k) => a + k, 0n))));
        // And what an aggregate's batch looks like: its totals first, then the batch.
        agrees([points[0]!, ...points.slice(1, 257)], 'totals and a batch of 256');
      },
    );

    it(
      'RFC 9496 A.2 encodings throw POINT_INVALID, first, last or amid valid points',
      { skip },
      () => {
        const valid = Array.from({ length: 5 }, (_, i) => noble.mulBase(BigInt(i + 1)));
        for (const [reason, vectors] of Object.entries(RFC9496_INVALID)) {
          for (const hex of vectors) {
            const bad = fromHex(hex, 32);
            refuses([bad], pointInvalid, `${reason}: ${hex} alone`);
            refuses([bad, ...valid], pointInvalid, `${reason}: ${hex} first`);
            refuses([...valid, bad], pointInvalid, `${reason}: ${hex} last`);
            refuses([IDENTITY, ...valid, bad, ...valid], pointInvalid, `${reason}: ${hex} amid`);
          }
        }
      },
    );

    it('bit-255 encodings of valid points throw POINT_INVALID', { skip }, () => {
      fc.assert(
        fc.property(point, point, (p, q) => {
          refuses([highBit(p)], pointInvalid, 'alone');
          refuses([q, highBit(p), q], pointInvalid, 'amid');
        }),
        { numRuns: 50 },
      );
      // Far down a long list too: the sum is refused, not the points before it kept.
      const many = Array.from({ length: 400 }, () => G);
      refuses([...many, highBit(G)], pointInvalid, 'after 400 points');
    });

    it(
      'random 32-byte strings: refused iff noble refuses one of them, else the same sum',
      { skip },
      () => {
        fc.assert(
          fc.property(fc.array(bytes32, { maxLength: 4 }), (list) => {
            if (list.every((b) => noble.isValid(b))) agrees(list, 'valid strings');
            else refuses(list, pointInvalid, list.map(toHex).join(' '));
          }),
          { numRuns: 250 },
        );
      },
    );

    it('anything but a 32-byte Uint8Array throws a TypeError', { skip }, () => {
      for (const x of [
        new Uint8Array(0),
        new Uint8Array(31),
        new Uint8Array(33),
        new Uint16Array(16),
        '0'.repeat(32),
        undefined,
        null,
        32,
      ]) {
        refuses([x as unknown as Point], TypeError, `${String(x)}`);
        refuses([G, x as unknown as Point, G], TypeError, `${String(x)} amid points`);
      }
    });

    it('inputs are not modified and outputs are fresh arrays', { skip }, () => {
      const p = noble.mulBase(12345n);
      const copy = p.slice();
      for (const [way, sum] of ways()) {
        const r1 = sum([p]);
        const r2 = sum([p, IDENTITY]);
        assert.deepEqual(p, copy, `${way}: input kept`);
        assert.notEqual(r1, p, `${way}: not the input itself`);
        assert.notEqual(r1, r2, `${way}: fresh arrays`);
        r1[0]! ^= 1;
        assert.equal(toHex(r2), toHex(p), `${way}: results do not share bytes`);
        assert.notEqual(sum([]), sum([]), `${way}: a fresh identity`);
      }
    });
  });
}
