// SPEC §9 counted set: per nullifier, among its entries with a valid ballot, the first in board
// order under "first" and the last under "last". One voter's ballots share a partition, so board
// order between them is offset order.

/** What the counted set needs to know of a board entry. */
export interface CountingEntry {
  readonly nullifier: string;
  readonly partition: number;
  readonly offset: number;
  readonly valid: boolean;
}

/** Indices (into `entries`) of the counted ballots, in ascending index order. */
export function countedSet(policy: 'first' | 'last', entries: readonly CountingEntry[]): number[] {
  const chosen = new Map<string, number>();
  entries.forEach((e, i) => {
    if (!e.valid) return;
    const current = chosen.get(e.nullifier);
    if (current === undefined) {
      chosen.set(e.nullifier, i);
      return;
    }
    const c = entries[current]!;
    const later = e.partition !== c.partition ? e.partition > c.partition : e.offset > c.offset;
    if (policy === 'last' ? later : !later) chosen.set(e.nullifier, i);
  });
  return [...chosen.values()].sort((a, b) => a - b);
}
