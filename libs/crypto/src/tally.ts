// SPEC §9: partial decryption with proof, Lagrange combination, and the count by baby-step giant-step.
import { CryptoError } from './errors.js';
import { IDENTITY, group, isIdentity, pointToText } from './group.js';
import type { Point } from './group.js';
import { Hs } from './hash.js';
import { invert, mod } from './scalar.js';
import type { Scalar } from './scalar.js';

/** A trustee's partial decryption `D_i = s_i·A` with its Chaum–Pedersen proof `(c, z)`. */
export interface PartialDecryption {
  readonly trustee: number;
  readonly D: Point;
  readonly c: Scalar;
  readonly z: Scalar;
}

/**
 * `D = s·A`; proof: `U = w·G`, `V = w·A`, `c = Hs("hanpyo/1/decrypt", Q, i, A, D, U, V)`,
 * `z = w + c·s`. `s` and `w` are secret; multiplication by them is constant-time in both backends.
 */
export function partialDecrypt(
  Q: Uint8Array,
  trustee: number,
  secretShare: Scalar,
  A: Point,
  w: Scalar,
): PartialDecryption {
  const g = group();
  const D = g.mul(secretShare, A);
  const U = g.mulBase(w);
  const V = g.mul(w, A);
  const c = Hs('hanpyo/1/decrypt', Q, trustee, A, D, U, V);
  return { trustee, D, c, z: mod(w + c * secretShare) };
}

/** Verifies a partial decryption against the trustee's public share `P_i`: `U = z·G − c·P_i`, `V = z·A − c·D`. */
export function verifyPartialDecryption(
  Q: Uint8Array,
  publicShareOfTrustee: Point,
  A: Point,
  share: PartialDecryption,
): boolean {
  const g = group();
  const U = g.sub(g.mulBase(share.z), g.mul(share.c, publicShareOfTrustee));
  const V = g.sub(g.mul(share.z, A), g.mul(share.c, share.D));
  return Hs('hanpyo/1/decrypt', Q, share.trustee, A, share.D, U, V) === share.c;
}

/** `λ_i = Π_{j∈S, j≠i} j·(j−i)⁻¹ mod ℓ` (SPEC §9). */
export function lagrangeCoefficient(i: number, trustees: readonly number[]): Scalar {
  if (new Set(trustees).size !== trustees.length || !trustees.includes(i)) {
    throw new CryptoError('PARAMETER_INVALID', 'trustee set must be distinct and contain i');
  }
  let lambda = 1n;
  for (const j of trustees) {
    if (j === i) continue;
    lambda = mod(lambda * BigInt(j) * invert(BigInt(j - i)));
  }
  return lambda;
}

/** `B − Σ λ_i·D_i`, which equals `count·G` when the shares are right. */
export function combinePartialDecryptions(
  B: Point,
  shares: readonly Pick<PartialDecryption, 'trustee' | 'D'>[],
): Point {
  const g = group();
  const set = shares.map((s) => s.trustee);
  let D: Point = IDENTITY;
  for (const s of shares) D = g.add(D, g.mul(lagrangeCoefficient(s.trustee, set), s.D));
  return g.sub(B, D);
}

/** Baby-step table for discrete logs up to a bound; built once per bound and reused. */
class BabySteps {
  readonly m: number;
  readonly table = new Map<string, number>();
  readonly giant: Point;
  constructor(max: number) {
    const g = group();
    this.m = Math.max(1, Math.ceil(Math.sqrt(max + 1)));
    let p: Point = IDENTITY;
    const G1 = g.mulBase(1n);
    for (let j = 0; j < this.m; j++) {
      this.table.set(pointToText(p), j);
      p = g.add(p, G1);
    }
    this.giant = p; // m·G
  }
}
// One table, grown when a larger bound is asked for: a table for m also serves every smaller bound.
let babySteps: BabySteps | undefined;

/**
 * Finds `count ∈ [0, max]` with `M = count·G` by baby-step giant-step (√max table, √max steps);
 * throws DLOG_NOT_FOUND when there is none. `max` up to at least 10,000,000.
 */
export function discreteLog(M: Point, max: number): number {
  if (!Number.isSafeInteger(max) || max < 0)
    throw new CryptoError('PARAMETER_INVALID', 'max must be a non-negative integer');
  if (isIdentity(M)) return 0;
  let steps = babySteps;
  if (!steps || steps.m * steps.m < max + 1) {
    steps = new BabySteps(max);
    babySteps = steps;
  }
  const g = group();
  let gamma = M;
  for (let i = 0; i * steps.m <= max; i++) {
    const j = steps.table.get(pointToText(gamma));
    if (j !== undefined) {
      const count = i * steps.m + j;
      if (count <= max) return count;
      break;
    }
    gamma = g.sub(gamma, steps.giant);
  }
  throw new CryptoError('DLOG_NOT_FOUND', `no count in [0, ${max}]`);
}
