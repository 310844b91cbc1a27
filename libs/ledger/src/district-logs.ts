// SPEC §8: one append-only Merkle log per district. Leaves are appended block by block; within a
// block in (partition, offset) order, so a district's log order is (height, partition, offset).
import type { BoardEntry, Cut, DistrictHead } from '@hanpyo/contracts';
import { toHex } from '@hanpyo/crypto';
import { compareUtf8, decodeHash32Into } from './encoding.js';
import { LedgerError } from './errors.js';
import { HASH_LENGTH, MerkleLog } from './merkle.js';
import type { MerkleAccumulator } from './merkle.js';
import { hashLeaf32Into } from './sha256.js';

/** What the ledger needs of a board entry (SPEC §6): where it is, its identity, its district. */
export interface LedgerEntry {
  readonly partition: number;
  readonly offset: number;
  readonly trackingCode: string;
  readonly districtId: string;
}

/** The ledger's view of a board entry: its district is the ballot's. */
export function ledgerEntry(entry: BoardEntry): LedgerEntry {
  return {
    partition: entry.partition,
    offset: entry.offset,
    trackingCode: entry.trackingCode,
    districtId: entry.ballot.districtId,
  };
}

/** Board order (SPEC §6, §8): by partition, then offset. */
export function compareEntries(a: LedgerEntry, b: LedgerEntry): number {
  return a.partition - b.partition || a.offset - b.offset;
}

/** Entries in (partition, offset) order; the input itself when it already is (no copy). */
export function sortEntries(entries: readonly LedgerEntry[]): readonly LedgerEntry[] {
  for (let i = 1; i < entries.length; i++) {
    if (compareEntries(entries[i - 1]!, entries[i]!) > 0) return [...entries].sort(compareEntries);
  }
  return entries;
}

// Draft storage chunking: leaf hashes and district indices of a block, without an object per entry.
const DRAFT_CHUNK = 1 << 15;

/**
 * The per-district Merkle logs of an election (SPEC §8). Districts are held in UTF-8 byte order of
 * their ids, the order of `districts` in a block. A block is applied atomically: entries are
 * validated and hashed into a `BlockDraft` first, and only a complete draft touches the logs.
 */
export class DistrictLogs<L extends MerkleAccumulator = MerkleAccumulator> {
  /** District ids ascending in UTF-8 byte order. */
  readonly districtIds: readonly string[];
  private readonly logs: readonly L[];
  private readonly indexById: ReadonlyMap<string, number>;
  private generation = 0;

  /** Logs for these districts, each made by `createLog` (e.g. `() => new MerkleFrontier()`). */
  constructor(districtIds: readonly string[], createLog: (districtId: string) => L) {
    const sorted = [...districtIds].sort(compareUtf8);
    const indexById = new Map<string, number>();
    sorted.forEach((id, i) => {
      if (indexById.has(id))
        throw new LedgerError('DISTRICTS_INVALID', `duplicate district '${id}'`);
      indexById.set(id, i);
    });
    this.districtIds = sorted;
    this.indexById = indexById;
    this.logs = sorted.map((id) => createLog(id));
  }

  /** Full logs (with proofs) for every district of a manifest. */
  static full(districtIds: readonly string[]): DistrictLogs<MerkleLog> {
    return new DistrictLogs(districtIds, () => new MerkleLog());
  }

  /** The log of one district, if it is one. */
  log(districtId: string): L | undefined {
    const i = this.indexById.get(districtId);
    return i === undefined ? undefined : this.logs[i];
  }

  /** Cumulative number of leaves over all districts (SPEC §8 `ballotCount`). */
  get ballotCount(): number {
    let n = 0;
    for (const log of this.logs) n += log.size;
    return n;
  }

  /** SPEC §8 `districts`: every district, ascending by districtId in UTF-8 order, cumulative. */
  heads(): DistrictHead[] {
    return this.logs.map((log, i) => ({
      districtId: this.districtIds[i]!,
      treeSize: log.size,
      root: toHex(log.root()),
    }));
  }

  /** Starts collecting the entries of a block with these cuts. */
  draft(cuts: readonly Cut[]): BlockDraft {
    return new BlockDraft(this, this.generation, cuts, this.indexById);
  }

  /**
   * Appends a draft's leaves to the district logs, in the draft's (partition, offset) order, and
   * returns the new heads. A draft applies once, and only onto the state it was drafted on.
   */
  apply(draft: BlockDraft): DistrictHead[] {
    if (draft.owner !== this || draft.generation !== this.generation || draft.applied) {
      throw new LedgerError('DRAFT_STALE', 'the draft was made for another state of these logs');
    }
    draft.applied = true;
    this.generation++;
    const { hashChunks, districtChunks, count } = draft;
    for (let i = 0; i < count; i++) {
      const c = Math.floor(i / DRAFT_CHUNK);
      const within = i - c * DRAFT_CHUNK;
      this.logs[districtChunks[c]![within]!]!.appendLeafHash(hashChunks[c]!, within * HASH_LENGTH);
    }
    return this.heads();
  }
}

/**
 * The validated leaves of one block, collected before they touch any log: for each entry, its
 * district and its leaf hash SHA-256(0x00 ‖ trackingCode), 36 bytes per entry in typed chunks.
 * Entries must come in strictly ascending (partition, offset) order inside the block's cuts.
 */
export class BlockDraft {
  /** @internal */ readonly hashChunks: Uint8Array[] = [];
  /** @internal */ readonly districtChunks: Uint32Array[] = [];
  /** @internal */ applied = false;
  private entries = 0;
  private lastPartition = -1;
  private lastOffset = -1;
  private cut: Cut | undefined;
  private readonly cutByPartition = new Map<number, Cut>();
  private readonly code = new Uint8Array(HASH_LENGTH);

  /** @internal */
  constructor(
    /** @internal */ readonly owner: DistrictLogs<MerkleAccumulator>,
    /** @internal */ readonly generation: number,
    /** The cuts this block covers. */
    readonly cuts: readonly Cut[],
    private readonly indexById: ReadonlyMap<string, number>,
  ) {
    for (const cut of cuts) this.cutByPartition.set(cut.partition, cut);
  }

  /** Number of entries added. */
  get count(): number {
    return this.entries;
  }

  /**
   * Adds the next entry of the block. Throws LedgerError, leaving the draft unchanged, when the
   * entry is out of (partition, offset) order, outside the cuts, of an unknown district, or its
   * tracking code is not 64 lowercase hex digits.
   */
  add(entry: LedgerEntry): void {
    const { partition, offset, districtId } = entry;
    if (
      partition < this.lastPartition ||
      (partition === this.lastPartition && !(offset > this.lastOffset))
    ) {
      throw new LedgerError(
        'ENTRY_ORDER',
        `entry ${partition}/${offset} does not follow ${this.lastPartition}/${this.lastOffset}`,
      );
    }
    // Entries arrive grouped by partition: look the cut up once per partition.
    let cut = this.cut;
    if (cut === undefined || cut.partition !== partition) {
      cut = this.cutByPartition.get(partition);
    }
    if (
      cut === undefined ||
      !Number.isSafeInteger(offset) ||
      offset < cut.fromOffset ||
      offset >= cut.toOffset
    ) {
      throw new LedgerError(
        'ENTRY_OUT_OF_RANGE',
        `entry ${partition}/${offset} is outside the cuts`,
      );
    }
    const district = this.indexById.get(districtId);
    if (district === undefined) {
      throw new LedgerError('ENTRY_DISTRICT', `entry ${partition}/${offset}: unknown district`);
    }
    if (!decodeHash32Into(entry.trackingCode, this.code, 0)) {
      throw new LedgerError(
        'ENTRY_TRACKING_CODE',
        `entry ${partition}/${offset}: tracking code is not 64 lowercase hex digits`,
      );
    }
    const i = this.entries;
    const c = Math.floor(i / DRAFT_CHUNK);
    const within = i - c * DRAFT_CHUNK;
    if (within === 0) {
      // Small blocks stay small: the first chunk starts at 64 entries and doubles up to a full one.
      const n = c === 0 ? 64 : DRAFT_CHUNK;
      this.hashChunks.push(new Uint8Array(n * HASH_LENGTH));
      this.districtChunks.push(new Uint32Array(n));
    } else if (within === this.districtChunks[c]!.length) {
      const hashes = new Uint8Array(within * 2 * HASH_LENGTH);
      hashes.set(this.hashChunks[c]!);
      this.hashChunks[c] = hashes;
      const districts = new Uint32Array(within * 2);
      districts.set(this.districtChunks[c]!);
      this.districtChunks[c] = districts;
    }
    // SPEC §8 leaf data = the 32 raw bytes of the tracking code; hash it now, store 32 bytes.
    hashLeaf32Into(this.code, 0, this.hashChunks[c]!, within * HASH_LENGTH);
    this.districtChunks[c]![within] = district;
    this.entries = i + 1;
    this.cut = cut;
    this.lastPartition = partition;
    this.lastOffset = offset;
  }
}
