// One election's ledger state (SPEC §8): the district logs, the chain of stored blocks and the
// tracking-code index, rebuilt from the stored blocks and the board entries inside their cuts, and
// extended one cut at a time. No I/O: the service reads and writes; this decides what a block is.
import type { Block, BlockSignatures, Cut, Manifest } from '@hanpyo/contracts';
import { fromHex, toHex } from '@hanpyo/crypto';
import { BlockBuilder, DistrictLogs, LedgerError, leafHash } from '@hanpyo/ledger';
import type { BlockClosing, BuiltBlock, MerkleLog } from '@hanpyo/ledger';
import { LeafIndex } from './leaf-index.js';

/** A board offset as the ledger reads it: an entry, or an offset that holds none (dead letter). */
export interface BoardSlot {
  readonly partition: number;
  readonly offset: number;
  /** Null where the persister dead-lettered the message: a place on the board, not a leaf. */
  readonly trackingCode: string | null;
  readonly districtId: string | null;
}

/** A block as stored and served: the block, its hash and the signatures beside it. */
export interface StoredBlock {
  readonly block: Block;
  readonly blockHash: string;
  readonly signatures: BlockSignatures;
}

/** Thrown when replaying a stored block does not give it back: the ledger must not go on. */
export class LedgerDivergence extends Error {
  override readonly name = 'LedgerDivergence';
  readonly code = 'LEDGER_DIVERGED';
}

/** A receipt's place in the ledger. */
export interface LeafStatus {
  readonly partition: number;
  readonly offset: number;
  readonly districtId: string;
  /** The latest stored block, when the leaf is inside it. */
  readonly block: StoredBlock | undefined;
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly inclusionProof: readonly string[];
}

/** An RFC 9162 consistency proof between a district's trees in two blocks. */
export interface ConsistencyAnswer {
  readonly fromSize: number;
  readonly toSize: number;
  readonly fromRoot: string;
  readonly toRoot: string;
  readonly proof: readonly string[];
}

export class ElectionLedger {
  readonly electionId: string;
  /** Board partitions 0..P−1 of the election's layout: every cut names all of them. */
  readonly partitionCount: number;
  private readonly builder: BlockBuilder;
  private readonly logs: DistrictLogs<MerkleLog>;
  private readonly blocks: StoredBlock[] = [];
  private readonly leaves = new LeafIndex();
  /** True between building a block and storing it: memory is ahead of the store. */
  private unstored = false;

  constructor(options: {
    manifest: Pick<Manifest, 'electionId' | 'districts'>;
    genesisHash: string;
    partitionCount: number;
  }) {
    this.electionId = options.manifest.electionId;
    this.partitionCount = options.partitionCount;
    this.logs = DistrictLogs.full(options.manifest.districts.map((d) => d.districtId));
    this.builder = new BlockBuilder({
      manifest: options.manifest,
      genesisHash: options.genesisHash,
      logs: this.logs,
    });
  }

  /** Height of the latest stored block (0 before block 1). */
  get height(): number {
    return this.blocks.length;
  }

  /** The latest stored block. */
  get latest(): StoredBlock | undefined {
    return this.blocks[this.blocks.length - 1];
  }

  /** A stored block by height. */
  block(height: number): StoredBlock | undefined {
    return Number.isSafeInteger(height) && height >= 1 ? this.blocks[height - 1] : undefined;
  }

  /** Whether the final block is stored: no more cuts. */
  get finalized(): boolean {
    return this.latest?.block.final === true;
  }

  /** Whether a block was built and not stored (the state must then be rebuilt). */
  get dirty(): boolean {
    return this.unstored;
  }

  /** The district ids, ascending in UTF-8 order. */
  get districtIds(): readonly string[] {
    return this.logs.districtIds;
  }

  /** The next block's cuts: from where the last block ended to the board's end offsets. */
  nextCuts(endOffsets: readonly number[]): Cut[] {
    if (endOffsets.length !== this.partitionCount) {
      throw new LedgerError(
        'CUTS_INVALID',
        `the board has ${endOffsets.length} partitions, the layout ${this.partitionCount}`,
      );
    }
    return this.builder.nextCuts(endOffsets);
  }

  /**
   * Replays a stored block from the board slots inside its cuts and checks that it comes out
   * byte for byte the same (same block hash, so same roots, sizes and links); then takes it as
   * the chain's next block. Throws LedgerDivergence when it does not.
   */
  replay(stored: StoredBlock, slots: readonly BoardSlot[]): void {
    const { block } = stored;
    if (block.height !== this.height + 1) {
      throw new LedgerDivergence(
        `stored block ${block.height} does not follow height ${this.height}`,
      );
    }
    let built: BuiltBlock;
    try {
      built = this.build(block.cuts, slots, { closedAt: block.closedAt, final: block.final });
    } catch (e) {
      if (e instanceof LedgerError) {
        throw new LedgerDivergence(`stored block ${block.height} cannot be rebuilt: ${e.message}`);
      }
      throw e;
    }
    if (built.blockHash !== stored.blockHash || stored.signatures.blockHash !== stored.blockHash) {
      const ours = new Map(built.block.districts.map((d) => [d.districtId, d]));
      const differ = block.districts
        .filter((d) => {
          const o = ours.get(d.districtId);
          return !o || o.root !== d.root || o.treeSize !== d.treeSize;
        })
        .map((d) => d.districtId);
      throw new LedgerDivergence(
        `rebuilt block ${block.height} hashes to ${built.blockHash}, the store holds ${stored.blockHash}` +
          (differ.length ? ` (district roots differ: ${differ.slice(0, 10).join(', ')})` : ''),
      );
    }
    this.accept(stored);
  }

  /**
   * Builds the next block from its cuts and the board slots inside them (every offset present),
   * at `closing`. The state is then ahead of the store until `accept` is given the stored block.
   */
  cut(cuts: readonly Cut[], slots: readonly BoardSlot[], closing: BlockClosing): BuiltBlock {
    if (this.unstored) throw new LedgerError('DRAFT_STALE', 'the previous block is not stored');
    const built = this.build(cuts, slots, closing);
    this.unstored = true;
    return built;
  }

  /** Takes the block just built (or replayed) as stored. */
  accept(stored: StoredBlock): void {
    if (
      stored.blockHash !== this.builder.blockHash ||
      stored.block.height !== this.builder.height
    ) {
      throw new LedgerError('DRAFT_STALE', `block ${stored.block.height} is not the one built`);
    }
    this.blocks.push(stored);
    this.unstored = false;
  }

  /**
   * SPEC §8 leaves of one block: entries in (partition, offset) order; an offset without an entry
   * (dead-lettered) or an entry the logs cannot take (a district not in the manifest, a malformed
   * code) is left out, as an observer's replay leaves it out (and reports it).
   */
  private build(cuts: readonly Cut[], slots: readonly BoardSlot[], closing: BlockClosing) {
    const draft = this.builder.beginBlock(cuts);
    const added: { slot: BoardSlot; district: number }[] = [];
    const districtIndex = new Map(this.logs.districtIds.map((id, i) => [id, i]));
    for (const slot of slots) {
      if (slot.trackingCode === null || slot.districtId === null) continue;
      const entry = {
        partition: slot.partition,
        offset: slot.offset,
        trackingCode: slot.trackingCode,
        districtId: slot.districtId,
      };
      try {
        draft.add(entry);
      } catch (e) {
        if (
          e instanceof LedgerError &&
          (e.code === 'ENTRY_DISTRICT' || e.code === 'ENTRY_TRACKING_CODE')
        ) {
          continue;
        }
        throw e;
      }
      added.push({ slot, district: districtIndex.get(slot.districtId)! });
    }
    const sizes = this.logs.districtIds.map((id) => this.logs.log(id)!.size);
    const built = this.builder.finishBlock(draft, closing);
    for (const { slot, district } of added) {
      this.leaves.add(slot.trackingCode!, {
        district,
        leafIndex: sizes[district]!++,
        partition: slot.partition,
        offset: slot.offset,
      });
    }
    return built;
  }

  /**
   * Where a tracking code is: its first copy's leaf, with an inclusion proof against its
   * district's tree in the latest stored block when it is inside it. Undefined when no block
   * built here holds it.
   */
  leaf(trackingCode: string): LeafStatus | undefined {
    const expected = leafHash(fromHex(trackingCode, 32));
    for (const c of this.leaves.candidates(trackingCode)) {
      const districtId = this.logs.districtIds[c.district]!;
      const log = this.logs.log(districtId)!;
      if (c.leafIndex >= log.size || !sameBytes(log.leafHashAt(c.leafIndex), expected)) continue;
      const latest = this.latest;
      const head = latest?.block.districts.find((d) => d.districtId === districtId);
      const inside = latest !== undefined && head !== undefined && c.leafIndex < head.treeSize;
      return {
        partition: c.partition,
        offset: c.offset,
        districtId,
        block: inside ? latest : undefined,
        leafIndex: c.leafIndex,
        treeSize: inside ? head.treeSize : 0,
        inclusionProof: inside ? log.inclusionProof(c.leafIndex, head.treeSize).map(toHex) : [],
      };
    }
    return undefined;
  }

  /** RFC 9162 consistency proof of a district between blocks `from` ≤ `to` (both stored). */
  consistency(districtId: string, from: number, to: number): ConsistencyAnswer | undefined {
    const log = this.logs.log(districtId);
    const a = this.block(from)?.block.districts.find((d) => d.districtId === districtId);
    const b = this.block(to)?.block.districts.find((d) => d.districtId === districtId);
    if (!log || !a || !b) return undefined;
    return {
      fromSize: a.treeSize,
      toSize: b.treeSize,
      fromRoot: a.root,
      toRoot: b.root,
      proof: log.consistencyProof(a.treeSize, b.treeSize).map(toHex),
    };
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
