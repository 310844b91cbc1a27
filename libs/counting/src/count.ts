// The counted set over entries already judged and held in memory (`hanpyo synth`, `hanpyo verify`),
// taken in board order (partition, offset) whatever order they are listed in. The streaming tally
// feeds CountedSet itself; both decide through CountedSet.offer.
import { CountedSet, countingOrder } from './counted-set.js';
import type { DistrictConflict, RevotePolicy } from './counted-set.js';

/** What the counted set needs of one entry. */
export interface JudgedEntry {
  readonly authorized: boolean;
  /** Whether its ballot is valid; asked only while the voter has no counted ballot. */
  readonly valid: () => boolean;
  readonly nullifier: string;
  readonly districtId: string;
  readonly partition: number;
  readonly offset: number;
}

/** The counted set of `entries`: indices (into `entries`) of the counted ones, ascending. */
export function countedEntries(
  policy: RevotePolicy,
  districtIds: readonly string[],
  entries: readonly JudgedEntry[],
): { counted: number[]; conflicts: readonly DistrictConflict[]; conflictTotal: number } {
  const set = new CountedSet(policy, districtIds, entries.length);
  const counted: number[] = [];
  const order = entries
    .map((_, i) => i)
    .sort(
      (a, b) =>
        entries[a]!.partition - entries[b]!.partition || entries[a]!.offset - entries[b]!.offset,
    );
  if (countingOrder(policy) === 'reverse') order.reverse();
  for (const i of order) {
    const e = entries[i]!;
    if (!e.authorized) continue;
    if (set.offer(e.nullifier, e.districtId, e.valid) === 'counted') counted.push(i);
  }
  counted.sort((a, b) => a - b);
  return { counted, conflicts: set.conflicts, conflictTotal: set.conflictTotal };
}
