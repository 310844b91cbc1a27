// SPEC §9 counted set: for each nullifier, among its board entries that are authorized (SPEC §6)
// and carry a valid ballot, the first in board order under "first", the last under "last"; and a
// record where one nullifier's authorized entries name two districts is invalid.
//
// Board order is (partition, offset), the order of `ballots.ndjson`. Fed in board order for
// "first" and in reverse board order for "last", the counted ballot of a voter is simply the first
// authorized, valid one offered, so:
//   - memory is one small slot per voter (a 16-byte nullifier prefix and a district index; a
//     16-byte prefix of an HMAC output collides with probability ≈ n²/2¹²⁹), never a ballot;
//   - validity is asked only while a voter has no counted ballot yet, so the proofs of superseded
//     ballots need not be checked to count (a verifier still checks them to report them);
//   - it is exact even when one voter's entries sit on two partitions (a copy written straight to
//     Kafka), where deciding partition by partition would count the voter twice.
import { fromBase64url } from '@hanpyo/crypto';

/** Which of a voter's ballots counts (SPEC §2 `revotePolicy`). */
export type RevotePolicy = 'first' | 'last';

/** The order a CountedSet must be fed in: board order, or its reverse. */
export function countingOrder(policy: RevotePolicy): 'board' | 'reverse' {
  return policy === 'first' ? 'board' : 'reverse';
}

/** What became of one offered authorized entry. */
export type Offer =
  /** It is the voter's counted ballot: add it to the aggregates. */
  | 'counted'
  /** The voter's counted ballot is another one (this one is superseded, or a duplicate). */
  | 'superseded'
  /** Its ballot is not valid (SPEC §9): never counted; a later-offered one may be. */
  | 'invalid';

/** A nullifier whose authorized entries name two districts (SPEC §9: the record is invalid). */
export interface DistrictConflict {
  readonly nullifier: string;
  readonly districts: readonly [string, string];
}

const KEY_WORDS = 4; // 16 bytes
const CHOSEN = 0x8000_0000;
const MAX_CONFLICTS = 1000;

/**
 * The counted set, decided one authorized entry at a time in `countingOrder(policy)`. Feed it every
 * authorized entry (superseded ones too: the district rule covers all of them).
 */
export class CountedSet {
  private keys: Uint32Array;
  /** 0: empty slot; else (district index + 1) | CHOSEN when the voter has a counted ballot. */
  private values: Uint32Array;
  private used = 0;
  private countedVoters = 0;
  private readonly districtIndex: ReadonlyMap<string, number>;
  private readonly districtIds: readonly string[];
  private readonly conflictList: DistrictConflict[] = [];
  private conflictCount = 0;
  private readonly key = new Uint32Array(KEY_WORDS);

  constructor(
    readonly policy: RevotePolicy,
    districtIds: readonly string[],
    expectedVoters = 1024,
  ) {
    this.districtIds = [...districtIds];
    this.districtIndex = new Map(this.districtIds.map((d, i) => [d, i]));
    let capacity = 1024;
    while (capacity * 0.7 < expectedVoters) capacity *= 2;
    this.keys = new Uint32Array(capacity * KEY_WORDS);
    this.values = new Uint32Array(capacity);
  }

  /** Voters with a counted ballot. */
  get counted(): number {
    return this.countedVoters;
  }

  /** Nullifiers whose authorized entries name two districts (at most 1,000 listed). */
  get conflicts(): readonly DistrictConflict[] {
    return this.conflictList;
  }

  /** How many nullifiers have authorized entries in two districts. */
  get conflictTotal(): number {
    return this.conflictCount;
  }

  /**
   * Offers one authorized entry of `nullifier` (base64url of 32 bytes) in `districtId` (a manifest
   * district). `valid` is called only when the voter has no counted ballot yet.
   */
  offer(nullifier: string, districtId: string, valid: () => boolean): Offer {
    const district = this.districtIndex.get(districtId);
    if (district === undefined) throw new RangeError(`unknown district '${districtId}'`);
    this.loadKey(nullifier);
    let slot = this.find();
    let value = this.values[slot]!;
    if (value === 0) {
      value = district + 1;
      this.insert(slot, value);
      slot = this.find();
    } else if ((value & ~CHOSEN) - 1 !== district) {
      this.conflict(nullifier, this.districtIds[(value & ~CHOSEN) - 1]!, districtId);
    }
    if ((value & CHOSEN) !== 0) return 'superseded';
    if (!valid()) return 'invalid';
    this.values[slot] = value | CHOSEN;
    this.countedVoters++;
    return 'counted';
  }

  private conflict(nullifier: string, first: string, second: string): void {
    // One report per nullifier and pair is enough; the count says how many there are.
    if (
      this.conflictList.some(
        (c) => c.nullifier === nullifier && c.districts[0] === first && c.districts[1] === second,
      )
    )
      return;
    this.conflictCount++;
    if (this.conflictList.length < MAX_CONFLICTS)
      this.conflictList.push({ nullifier, districts: [first, second] });
  }

  private loadKey(nullifier: string): void {
    const bytes = fromBase64url(nullifier, 32);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < KEY_WORDS; i++) this.key[i] = view.getUint32(i * 4, true);
  }

  /** The slot of the loaded key: where it is, or the empty slot where it would go. */
  private find(): number {
    const mask = this.values.length - 1;
    const k = this.key;
    let slot = (Math.imul(k[0]! ^ Math.imul(k[1]!, 0x9e3779b1), 0x85ebca6b) >>> 0) & mask;
    for (;;) {
      if (this.values[slot] === 0) return slot;
      const at = slot * KEY_WORDS;
      if (
        this.keys[at] === k[0] &&
        this.keys[at + 1] === k[1] &&
        this.keys[at + 2] === k[2] &&
        this.keys[at + 3] === k[3]
      )
        return slot;
      slot = (slot + 1) & mask;
    }
  }

  private insert(slot: number, value: number): void {
    this.keys.set(this.key, slot * KEY_WORDS);
    this.values[slot] = value;
    this.used++;
    if (this.used > this.values.length * 0.7) this.grow();
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    this.keys = new Uint32Array(oldKeys.length * 2);
    this.values = new Uint32Array(oldValues.length * 2);
    const saved = this.key.slice();
    for (let s = 0; s < oldValues.length; s++) {
      if (oldValues[s] === 0) continue;
      this.key.set(oldKeys.subarray(s * KEY_WORDS, (s + 1) * KEY_WORDS));
      const slot = this.find();
      this.keys.set(this.key, slot * KEY_WORDS);
      this.values[slot] = oldValues[s]!;
    }
    this.key.set(saved);
  }
}
