// SPEC §3: the t-of-n key ceremony — polynomials, commitments with Schnorr proofs of knowledge,
// private share checks, the joint key and every trustee's public share.
import type { CeremonyRecord } from '@hanpyo/contracts';
import { IDENTITY, decodePoint, group, pointFromText, pointToText } from './group.js';
import type { Point } from './group.js';
import { CryptoError } from './errors.js';
import { Hs } from './hash.js';
import { mod, scalarFromText, scalarToText } from './scalar.js';
import type { RandomSource, Scalar } from './scalar.js';

/** A trustee's secret polynomial f_i, coefficients a_{i,0..t−1}. Secret: never logged. */
export type Polynomial = readonly Scalar[];

/** Draws a random polynomial of degree t−1 with a non-zero constant term. */
export function randomPolynomial(rng: RandomSource, threshold: number): Polynomial {
  const coefficients: Scalar[] = [];
  for (let k = 0; k < threshold; k++) {
    let a = rng.scalar();
    while (a === 0n) a = rng.scalar();
    coefficients.push(a);
  }
  return coefficients;
}

/** f(x) mod ℓ by Horner's rule. */
export function evaluatePolynomial(f: Polynomial, x: number | bigint): Scalar {
  const X = BigInt(x);
  let acc = 0n;
  for (let k = f.length - 1; k >= 0; k--) acc = mod(acc * X + f[k]!);
  return acc;
}

/** One trustee's public commitments (SPEC §3), as in `ceremony.json`. */
export type TrusteeCommitments = CeremonyRecord['trustees'][number];

/**
 * Publishes `C_{i,k} = a_{i,k}·G` with a Schnorr proof of knowledge each:
 * `R = w·G`, `c = Hs("hanpyo/1/pok", manifestHash, i, k, C, R)`, `z = w + c·a`.
 */
export function commitPolynomial(
  manifestHash: Uint8Array,
  index: number,
  f: Polynomial,
  pokNonces: readonly Scalar[],
): TrusteeCommitments {
  const g = group();
  const commitments: string[] = [];
  const proofs: { c: string; z: string }[] = [];
  f.forEach((a, k) => {
    const C = g.mulBase(a);
    const w = pokNonces[k];
    if (w === undefined)
      throw new CryptoError('PARAMETER_INVALID', 'one proof nonce per coefficient');
    const R = g.mulBase(w);
    const c = Hs('hanpyo/1/pok', manifestHash, index, k, C, R);
    commitments.push(pointToText(C));
    proofs.push({ c: scalarToText(c), z: scalarToText(mod(w + c * a)) });
  });
  return { index, commitments, proofs };
}

/** One failure found in a ceremony record. */
export interface CeremonyIssue {
  readonly code: 'CEREMONY_STRUCTURE' | 'POINT_INVALID' | 'PROOF_INVALID' | 'JOINT_KEY_MISMATCH';
  readonly trustee?: number;
  readonly coefficient?: number;
  readonly message: string;
}

/**
 * Verifies a ceremony record against the manifest's trustee parameters (SPEC §3): trustees 1..n
 * each exactly once, t commitments each, every proof of knowledge, and K = Σ C_{i,0}.
 */
export function checkCeremony(
  manifestHash: Uint8Array,
  params: { count: number; threshold: number },
  record: CeremonyRecord,
): CeremonyIssue[] {
  const issues: CeremonyIssue[] = [];
  const g = group();
  const indices = record.trustees.map((t) => t.index).sort((a, b) => a - b);
  if (indices.length !== params.count || indices.some((v, i) => v !== i + 1)) {
    issues.push({
      code: 'CEREMONY_STRUCTURE',
      message: `expected trustees 1..${params.count} once each`,
    });
  }
  let joint: Point = IDENTITY;
  for (const t of record.trustees) {
    if (t.commitments.length !== params.threshold || t.proofs.length !== params.threshold) {
      issues.push({
        code: 'CEREMONY_STRUCTURE',
        trustee: t.index,
        message: `expected ${params.threshold} commitments and proofs`,
      });
      continue;
    }
    t.commitments.forEach((text, k) => {
      try {
        const C = pointFromText(text);
        const proof = t.proofs[k]!;
        const c = scalarFromText(proof.c);
        const z = scalarFromText(proof.z);
        // R' = z·G − c·C and c = Hs(…, R').
        const R = g.sub(g.mulBase(z), g.mul(c, C));
        if (Hs('hanpyo/1/pok', manifestHash, t.index, k, C, R) !== c) {
          issues.push({
            code: 'PROOF_INVALID',
            trustee: t.index,
            coefficient: k,
            message: 'proof of knowledge does not verify',
          });
        }
        if (k === 0) joint = g.add(joint, C);
      } catch (e) {
        issues.push({
          code: 'POINT_INVALID',
          trustee: t.index,
          coefficient: k,
          message: (e as Error).message,
        });
      }
    });
  }
  if (issues.length === 0) {
    let claimed: Point | undefined;
    try {
      claimed = pointFromText(record.jointPublicKey);
    } catch (e) {
      issues.push({ code: 'POINT_INVALID', message: `jointPublicKey: ${(e as Error).message}` });
    }
    if (claimed && pointToText(claimed) !== pointToText(joint)) {
      issues.push({ code: 'JOINT_KEY_MISMATCH', message: 'jointPublicKey is not Σ C_{i,0}' });
    }
  }
  return issues;
}

/** `Σ_k j^k·C_k`: what trustee j's share from this trustee must equal times G. */
export function committedValue(commitments: readonly Point[], j: number): Point {
  const g = group();
  let acc: Point = IDENTITY;
  let power = 1n;
  for (const C of commitments) {
    acc = g.add(acc, power === 1n ? C : g.mul(power, C));
    power = mod(power * BigInt(j));
  }
  return acc;
}

/** Trustee j's check of the private share f_i(j): `f_i(j)·G = Σ_k j^k·C_{i,k}`. */
export function verifyPrivateShare(
  commitments: readonly string[],
  j: number,
  share: Scalar,
): boolean {
  const points = commitments.map((c) => pointFromText(c));
  const lhs = group().mulBase(share);
  return pointToText(lhs) === pointToText(committedValue(points, j));
}

/** Joint key `K = Σ_i C_{i,0}`. */
export function jointPublicKey(record: Pick<CeremonyRecord, 'trustees'>): Point {
  const g = group();
  return decodePoint(
    record.trustees.reduce<Point>(
      (acc, t) => g.add(acc, pointFromText(t.commitments[0]!)),
      IDENTITY,
    ),
  );
}

/** Public share `P_j = Σ_i Σ_k j^k·C_{i,k}` (anyone can compute it). */
export function publicShare(record: Pick<CeremonyRecord, 'trustees'>, j: number): Point {
  const g = group();
  return record.trustees.reduce<Point>(
    (acc, t) =>
      g.add(
        acc,
        committedValue(
          t.commitments.map((c) => pointFromText(c)),
          j,
        ),
      ),
    IDENTITY,
  );
}

/** Secret share `s_j = Σ_i f_i(j)` from the private shares trustee j received. Secret. */
export function combinePrivateShares(received: readonly Scalar[]): Scalar {
  return mod(received.reduce((a, b) => a + b, 0n));
}
