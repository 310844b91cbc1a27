// SPEC §2: manifest hash and the election base hash Q, plus the look-ups every ballot check needs.
import type { BallotStyle, Contest, District, Manifest } from '@hanpyo/contracts';
import { toHex } from './bytes.js';
import { decodePoint, group } from './group.js';
import type { Point, PreparedPoint } from './group.js';
import { H, sha256 } from './hash.js';
import { jcs } from './jcs.js';

/** An election's public parameters, prepared once and shared by every ballot operation. */
export interface ElectionContext {
  readonly manifest: Manifest;
  readonly manifestHash: Uint8Array;
  /** The joint public key `K`, prepared for repeated multiplication. */
  readonly K: PreparedPoint;
  /** The election base hash `Q` (32 bytes). */
  readonly Q: Uint8Array;
  readonly contests: ReadonlyMap<string, Contest>;
  readonly styles: ReadonlyMap<string, BallotStyle>;
  readonly districts: ReadonlyMap<string, District>;
}

/** `manifestHash = SHA-256(JCS(manifest))` (SPEC §2). */
export function manifestHash(manifest: Manifest): Uint8Array {
  return sha256(jcs(manifest));
}

/** `Q = H("hanpyo/1/base", manifestHash, K)` (SPEC §2). */
export function electionBaseHash(manifestHashBytes: Uint8Array, K: Point): Uint8Array {
  return H('hanpyo/1/base', manifestHashBytes, K);
}

/** Builds the context of a validated manifest and its joint key (non-identity, canonical). */
export function electionContext(manifest: Manifest, jointPublicKey: Point): ElectionContext {
  const K = decodePoint(jointPublicKey);
  const mh = manifestHash(manifest);
  return {
    manifest,
    manifestHash: mh,
    K: group().prepare(K),
    Q: electionBaseHash(mh, K),
    contests: new Map(manifest.contests.map((c) => [c.contestId, c])),
    styles: new Map(manifest.ballotStyles.map((s) => [s.ballotStyleId, s])),
    districts: new Map(manifest.districts.map((d) => [d.districtId, d])),
  };
}

/** Hex of the manifest hash, as published. */
export function manifestHashHex(manifest: Manifest): string {
  return toHex(manifestHash(manifest));
}
