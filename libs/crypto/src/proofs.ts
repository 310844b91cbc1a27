// SPEC §5: the disjunctive Chaum–Pedersen range proof that (α, β) encrypts some v ∈ {lo..hi}.
import { CryptoError } from './errors.js';
import { G, group, smallMulBase } from './group.js';
import type { GroupBackend, Point, PreparedPoint } from './group.js';
import { Hs } from './hash.js';
import type { HashPart } from './hash.js';
import { L, mod } from './scalar.js';
import type { RandomSource, Scalar } from './scalar.js';

/** What a range proof is bound to: its tag, the election base hash `Q` and the context parts. */
export interface ProofStatement {
  readonly tag: 'hanpyo/1/selection' | 'hanpyo/1/limit';
  readonly Q: Uint8Array;
  readonly ctx: readonly HashPart[];
  readonly K: PreparedPoint;
  readonly alpha: Point;
  readonly beta: Point;
  readonly lo: number;
  readonly hi: number;
}

/** A range proof: one challenge and one response per value lo..hi. */
export interface RangeProof {
  readonly c: Scalar[];
  readonly z: Scalar[];
}

/** The prover's randomness: `w` for the true branch, `(c_v, z_v)` for every simulated branch. */
export interface RangeNonces {
  readonly w: Scalar;
  readonly simulated: ReadonlyMap<number, { readonly c: Scalar; readonly z: Scalar }>;
}

/** Fresh random nonces for a proof whose true value is `m`. */
export function randomRangeNonces(
  rng: RandomSource,
  m: number,
  lo: number,
  hi: number,
): RangeNonces {
  const simulated = new Map<number, { c: Scalar; z: Scalar }>();
  for (let v = lo; v <= hi; v++)
    if (v !== m) simulated.set(v, { c: rng.scalar(), z: rng.scalar() });
  return { w: rng.scalar(), simulated };
}

const smallMultiples = new Map<number, Point>();
/** `v·G` for small public v, cached (both backends give identical bytes). */
function vG(v: number): Point {
  let p = smallMultiples.get(v);
  if (!p) {
    p = smallMulBase(v);
    if (smallMultiples.size < 4096) smallMultiples.set(v, p);
  }
  return p;
}

/**
 * Proves that (α, β) = (r·G, m·G + r·K) with m ∈ [lo, hi]. The prover knows r, so every multiple of
 * its own ciphertext is rewritten as a multiple of G or K (DESIGN.md performance budget): for a
 * simulated branch, with t = z − c·r, A = t·G and B = t·K + c·(v − m)·G — the same points as
 * SPEC §5 step 1, without a variable-base multiplication.
 */
export function proveRange(
  st: ProofStatement,
  m: number,
  r: Scalar,
  nonces: RangeNonces,
): RangeProof {
  const g = group();
  const width = st.hi - st.lo + 1;
  const commitments: Point[] = new Array<Point>(2 * width);
  const c: Scalar[] = new Array<Scalar>(width);
  const z: Scalar[] = new Array<Scalar>(width);
  let simulatedSum = 0n;
  for (let v = st.lo; v <= st.hi; v++) {
    const i = v - st.lo;
    if (v === m) {
      // SPEC §5 step 2: A_m = w·G, B_m = w·K.
      commitments[2 * i] = g.mulBase(nonces.w);
      commitments[2 * i + 1] = st.K.mul(nonces.w);
      continue;
    }
    // SPEC §5 step 1, rewritten with the known nonce r.
    const sim = nonces.simulated.get(v);
    if (!sim) throw new Error(`missing simulated nonces for branch ${v}`);
    const t = mod(sim.z - sim.c * r);
    commitments[2 * i] = g.mulBase(t);
    const shift = mod(sim.c * BigInt(v - m));
    commitments[2 * i + 1] = g.add(st.K.mul(t), g.mulBase(shift));
    c[i] = sim.c;
    z[i] = sim.z;
    simulatedSum += sim.c;
  }
  // SPEC §5 step 3.
  const challenge = Hs(st.tag, st.Q, ...st.ctx, st.alpha, st.beta, ...commitments);
  // SPEC §5 step 4.
  const im = m - st.lo;
  const cm = mod(challenge - simulatedSum);
  c[im] = cm;
  z[im] = mod(nonces.w + cm * r);
  return { c, z };
}

/** Verifies a range proof (SPEC §5): recompute every A_v, B_v, then Σ c_v = Hs(…). */
export function verifyRange(st: ProofStatement, proof: RangeProof): boolean {
  const width = st.hi - st.lo + 1;
  if (width < 1 || proof.c.length !== width || proof.z.length !== width) return false;
  const g = group();
  const commitments = g.linearCombinationsVartime
    ? commitmentsVartime(g, st, proof)
    : commitmentsConstantTime(g, st, proof);
  let sum = 0n;
  for (const cv of proof.c) sum += cv;
  return mod(sum) === Hs(st.tag, st.Q, ...st.ctx, st.alpha, st.beta, ...commitments);
}

/** SPEC §5 step 1 with the backend's constant-time calls (noble, sodium). */
function commitmentsConstantTime(g: GroupBackend, st: ProofStatement, proof: RangeProof): Point[] {
  const commitments: Point[] = [];
  for (let v = st.lo; v <= st.hi; v++) {
    const i = v - st.lo;
    const cv = proof.c[i]!;
    const zv = proof.z[i]!;
    // A_v = z_v·G − c_v·α ; B_v = z_v·K − c_v·(β − v·G)
    commitments.push(g.sub(g.mulBase(zv), g.mul(cv, st.alpha)));
    const shifted = v === 0 ? st.beta : g.sub(st.beta, vG(v));
    commitments.push(g.sub(st.K.mul(zv), g.mul(cv, shifted)));
  }
  return commitments;
}

/**
 * SPEC §5 step 1 as one variable-time multi-scalar multiplication per point, over the bases
 * [G, K, α, β]: A_v = z_v·G − c_v·α and B_v = z_v·K − c_v·(β − v·G) = (c_v·v)·G + z_v·K − c_v·β.
 * Variable time is safe here: a verifier's inputs (the ballot on the board, K, G) are all public.
 * The prover never comes here (proveRange), so no nonce or secret reaches this path.
 */
function commitmentsVartime(g: GroupBackend, st: ProofStatement, proof: RangeProof): Point[] {
  const rows: Scalar[][] = [];
  for (let v = st.lo; v <= st.hi; v++) {
    const i = v - st.lo;
    const cv = canonical(proof.c[i]!);
    const zv = canonical(proof.z[i]!);
    const minusC = mod(-cv);
    rows.push([zv, 0n, minusC, 0n], [mod(cv * BigInt(v)), zv, 0n, minusC]);
  }
  return g.linearCombinationsVartime!([G, st.K, st.alpha, st.beta], rows);
}

/** A proof scalar must already be in [0, ℓ): reducing it would accept a second encoding. */
function canonical(k: Scalar): Scalar {
  if (k < 0n || k >= L) throw new CryptoError('SCALAR_NONCANONICAL', 'scalar out of range');
  return k;
}
