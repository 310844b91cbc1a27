// What the observer checks once per election before following it (SPEC §2, §3): the manifest
// parses and hashes to the registrar's manifest hash, and the ceremony record's proofs and joint
// key K verify. Then Q = H("hanpyo/1/base", manifestHash, K), block 1's prevBlockHash.
import { ContractError, parseCeremony, parseManifest } from '@hanpyo/contracts';
import type { Manifest } from '@hanpyo/contracts';
import { z } from 'zod';
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

const layoutSchema = z.object({
  partitionCount: z.number().int().min(1),
  ranges: z.array(
    z.object({
      districtId: z.string(),
      first: z.number().int().min(0),
      width: z.number().int().min(1),
    }),
  ),
});

/** What an observer following chosen districts reads: those of the election, and their partitions. */
export interface FollowedPartitions {
  /** The chosen districts the manifest has, ascending. */
  readonly districts: readonly string[];
  /** The board partitions holding their ballots, ascending (shared ones hold other districts too). */
  readonly partitions: readonly number[];
  /** Chosen districts the manifest does not have (ignored). */
  readonly unknown: readonly string[];
}

/**
 * The partitions to read for `chosen` districts, from the registrar's `partitionLayout`; pure. A
 * layout that leaves out a ballot of a chosen district shows as that district's tree size
 * diverging, so the layout needs no trust.
 */
export function followedPartitions(
  manifest: Pick<Manifest, 'districts'>,
  layout: unknown,
  chosen: readonly string[],
): FollowedPartitions | { readonly error: string } {
  const ids = new Set(manifest.districts.map((d) => d.districtId));
  const districts = [...new Set(chosen.filter((id) => ids.has(id)))].sort();
  const unknown = chosen.filter((id) => !ids.has(id));
  if (districts.length === 0) {
    return { error: `none of the chosen districts (${chosen.join(', ')}) is in the manifest` };
  }
  if (layout === undefined || layout === null) {
    return { error: 'the registrar’s election view has no partitionLayout' };
  }
  const parsed = layoutSchema.safeParse(layout);
  if (!parsed.success)
    return { error: `the partitionLayout is unreadable: ${parsed.error.message}` };
  const partitions = new Set<number>();
  for (const id of districts) {
    const range = parsed.data.ranges.find((r) => r.districtId === id);
    if (!range || range.first + range.width > parsed.data.partitionCount) {
      return { error: `the partitionLayout has no valid partition range for district ${id}` };
    }
    for (let p = range.first; p < range.first + range.width; p++) partitions.add(p);
  }
  return { districts, partitions: [...partitions].sort((a, b) => a - b), unknown };
}
