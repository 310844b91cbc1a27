// What the observer checks once per election before following it (SPEC §2, §3): the manifest
// parses and hashes to the registrar's manifest hash, and the ceremony record's proofs and joint
// key K verify. Then Q = H("hanpyo/1/base", manifestHash, K), block 1's prevBlockHash.
import { ContractError, parseCeremony, parseManifest } from '@hanpyo/contracts';
import type { Manifest } from '@hanpyo/contracts';
import {
  CryptoError,
  checkCeremony,
  electionBaseHash,
  manifestHash,
  pointFromText,
  pointToText,
  toHex,
} from '@hanpyo/crypto';

/** An election ready to be followed. */
export interface CheckedElection {
  readonly manifest: Manifest;
  readonly manifestHash: string;
  readonly jointPublicKey: string;
  /** Q in hex. */
  readonly genesisHash: string;
}

/** Why an election cannot be followed: not yet (no ceremony), or never (invalid). */
export type ElectionProblem =
  | { readonly kind: 'pending'; readonly message: string }
  | { readonly kind: 'invalid'; readonly code: string; readonly message: string };

/** Checks the registrar's view of an election; pure. */
export function checkElectionView(view: {
  manifest: unknown;
  manifestHash: string;
  jointPublicKey: string | null;
  ceremony: unknown;
}): CheckedElection | ElectionProblem {
  let manifest: Manifest;
  try {
    manifest = parseManifest(view.manifest);
  } catch (e) {
    if (!(e instanceof ContractError)) throw e;
    return { kind: 'invalid', code: 'MANIFEST_INVALID', message: e.message };
  }
  const hashBytes = manifestHash(manifest);
  const hash = toHex(hashBytes);
  if (hash !== view.manifestHash) {
    return {
      kind: 'invalid',
      code: 'MANIFEST_HASH',
      message: `the manifest hashes to ${hash}, the registrar says ${view.manifestHash}`,
    };
  }
  if (view.ceremony === null || view.jointPublicKey === null) {
    return { kind: 'pending', message: 'the key ceremony is not recorded yet' };
  }
  try {
    const record = parseCeremony(view.ceremony);
    const issues = checkCeremony(hashBytes, manifest.trustees, record);
    if (issues.length > 0) {
      return {
        kind: 'invalid',
        code: 'CEREMONY_INVALID',
        message: issues
          .slice(0, 5)
          .map((i) => i.message)
          .join('; '),
      };
    }
    const K = pointFromText(record.jointPublicKey);
    if (pointToText(K) !== view.jointPublicKey) {
      return {
        kind: 'invalid',
        code: 'JOINT_KEY_MISMATCH',
        message: 'the registrar’s joint key is not the ceremony record’s',
      };
    }
    return {
      manifest,
      manifestHash: hash,
      jointPublicKey: view.jointPublicKey,
      genesisHash: toHex(electionBaseHash(hashBytes, K)),
    };
  } catch (e) {
    if (!(e instanceof ContractError) && !(e instanceof CryptoError)) throw e;
    return { kind: 'invalid', code: 'CEREMONY_INVALID', message: e.message };
  }
}

/** Narrows a check's outcome. */
export function isProblem(x: CheckedElection | ElectionProblem): x is ElectionProblem {
  return 'kind' in x;
}
