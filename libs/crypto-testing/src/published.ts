// What the vector files publish (vectors/spec-v1.json, docs/vectors/hanpyo-v1.json) and the checks
// that re-derive it from the published secrets: ceremony commitments and proofs from coefficients and
// nonces, ballots from their nonces by role.
import assert from 'node:assert/strict';
import { commitPolynomial, scalarFromText } from '@hanpyo/crypto';
import type { BallotNonceSource, RangeNonces, SelectionNonces } from '@hanpyo/crypto';

/** A proof, or a simulated proof branch, as published: challenge and response, base64url scalars. */
export interface PublishedBranch {
  readonly c: string;
  readonly z: string;
}

/** One trustee of a published ceremony: its secret coefficients and proof nonces, and what it published. */
export interface PublishedTrustee {
  readonly index: number;
  readonly coefficients: string[];
  readonly pokNonces: string[];
  readonly commitments: string[];
  readonly proofs: PublishedBranch[];
}

/** A published key ceremony (SPEC §3). */
export interface PublishedCeremony {
  readonly trustees: PublishedTrustee[];
  readonly jointPublicKey: string;
  /** The election's Q, hex. */
  readonly Q: string;
}

/** Asserts that each trustee's coefficients and nonces reproduce its commitments and proofs. */
export function assertCommitmentsReproduce(
  manifestHash: Uint8Array,
  trustees: readonly PublishedTrustee[],
): void {
  for (const t of trustees) {
    const again = commitPolynomial(
      manifestHash,
      t.index,
      t.coefficients.map(scalarFromText),
      t.pokNonces.map(scalarFromText),
    );
    assert.deepEqual(again.commitments, t.commitments);
    assert.deepEqual(again.proofs, t.proofs);
  }
}

/** One role's nonces as published: base64url scalars, simulated branches keyed by value. */
export interface PublishedNonces {
  /** The encryption nonce (selections only). */
  readonly r?: string;
  readonly w: string;
  readonly simulated?: Readonly<Record<string, PublishedBranch>>;
}

/** Where the published nonces of each role are found in a vector file. */
export interface PublishedNonceLookup {
  selection(contestId: string, optionId: string): PublishedNonces | undefined;
  limit(contestId: string): PublishedNonces | undefined;
}

function rangeNonces(n: PublishedNonces): RangeNonces {
  return {
    w: scalarFromText(n.w),
    simulated: new Map(
      Object.entries(n.simulated ?? {}).map(([k, x]) => [
        Number(k),
        { c: scalarFromText(x.c), z: scalarFromText(x.z) },
      ]),
    ),
  };
}

/**
 * A BallotNonceSource that hands out the published nonces by role (each selection's r, w and
 * simulated branches; each contest limit's w and simulated branches). Throws when the file has none
 * for a role the encryption asks for.
 */
export function vectorNonceSource(published: PublishedNonceLookup): BallotNonceSource {
  return {
    selection: (contestId, optionId): SelectionNonces => {
      const n = published.selection(contestId, optionId);
      if (n?.r === undefined) throw new Error(`no published nonces for ${contestId}/${optionId}`);
      return { r: scalarFromText(n.r), ...rangeNonces(n) };
    },
    limit: (contestId) => {
      const n = published.limit(contestId);
      if (n === undefined) throw new Error(`no published limit nonces for ${contestId}`);
      return rangeNonces(n);
    },
  };
}
