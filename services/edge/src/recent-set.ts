// What the edge remembers of the ballots it encrypted (edge mode), to skip checking their proofs
// again when they are cast: a bounded set, in memory, per process.
/**
 * A bounded set of recent keys: adding past the bound forgets the oldest. `take` removes what it
 * finds (a ballot is cast once; a second cast of it is checked in full).
 */
export class RecentSet {
  private readonly keys = new Set<string>();

  constructor(private readonly max: number) {}

  add(key: string): void {
    this.keys.delete(key);
    this.keys.add(key);
    if (this.keys.size > this.max) this.keys.delete(this.keys.values().next().value!);
  }

  take(key: string): boolean {
    return this.keys.delete(key);
  }
}
