// SPEC §8: the ledger's side. Given the cut it picked when the interval elapsed and the board
// entries inside it, build the next block: append the leaves, take the district heads, link the
// hash chain. Clock (closedAt) and cut come from the caller, so a block is a pure function of the
// board and the cuts (STYLE.md §5).
import type { Block, Cut, DistrictHead, Manifest } from '@hanpyo/contracts';
import { blockHash } from './block.js';
import { cutProblems } from './chain.js';
import { DistrictLogs, sortEntries } from './district-logs.js';
import type { BlockDraft, LedgerEntry } from './district-logs.js';
import { LedgerError } from './errors.js';

/** What the caller decides about a block: when it closed, and whether it is the last. */
export interface BlockClosing {
  /** RFC 3339 instant from the injected clock. */
  readonly closedAt: string;
  /** SPEC §8: true only for the last block, emitted after `closes`. */
  readonly final: boolean;
}

/** A block and its hash, as built. */
export interface BuiltBlock {
  readonly block: Block;
  readonly blockHash: string;
}

/** Options of a `BlockBuilder`. */
export interface BlockBuilderOptions {
  /** electionId and districts of the manifest (SPEC §2). */
  readonly manifest: Pick<Manifest, 'electionId' | 'districts'>;
  /** Q in hex: block 1's `prevBlockHash` (SPEC §8). */
  readonly genesisHash: string;
  /** District logs to append to; default: full `MerkleLog`s, which serve proofs. */
  readonly logs?: DistrictLogs;
}

/** Builds the chain of SPEC §8 blocks one block at a time. */
export class BlockBuilder {
  /** The district logs, for proofs (`MerkleLog`) or roots. */
  readonly logs: DistrictLogs;
  private readonly electionId: string;
  private lastHeight = 0;
  private lastHash: string;
  private toOffsets: readonly number[] = [];
  private finalHeight: number | undefined;

  constructor(options: BlockBuilderOptions) {
    const ids = options.manifest.districts.map((d) => d.districtId);
    this.logs = options.logs ?? DistrictLogs.full(ids);
    if (this.logs.districtIds.length !== ids.length || ids.some((id) => !this.logs.log(id))) {
      throw new LedgerError(
        'DISTRICTS_INVALID',
        'the logs are not those of the manifest districts',
      );
    }
    this.electionId = options.manifest.electionId;
    this.lastHash = options.genesisHash;
  }

  /** Height of the last block built (0 before block 1). */
  get height(): number {
    return this.lastHeight;
  }

  /** Hash of the last block built; Q before block 1. */
  get blockHash(): string {
    return this.lastHash;
  }

  /** Per partition, where the last block's cuts ended. */
  get offsets(): readonly number[] {
    return this.toOffsets;
  }

  /** Whether the final block has been built. */
  get finalized(): boolean {
    return this.finalHeight !== undefined;
  }

  /**
   * The next block's cuts, from where the last block ended to `endOffsets` (the board's end
   * offset of each partition 0..P−1 when the interval elapsed).
   */
  nextCuts(endOffsets: readonly number[]): Cut[] {
    const cuts = endOffsets.map((toOffset, partition) => ({
      partition,
      fromOffset: this.toOffsets[partition] ?? 0,
      toOffset,
    }));
    this.checkCuts(cuts);
    return cuts;
  }

  /** Starts the next block: checks its cuts against the chain, returns a draft to add entries to. */
  beginBlock(cuts: readonly Cut[]): BlockDraft {
    if (this.finalHeight !== undefined) {
      throw new LedgerError('CHAIN_FINAL', `block ${this.finalHeight} was final`);
    }
    this.checkCuts(cuts);
    return this.logs.draft(cuts);
  }

  /** Appends a complete draft's leaves and returns the signed-over block with its hash. */
  finishBlock(draft: BlockDraft, closing: BlockClosing): BuiltBlock {
    if (this.finalHeight !== undefined) {
      throw new LedgerError('CHAIN_FINAL', `block ${this.finalHeight} was final`);
    }
    // Again here: a draft may have been made straight from the logs, or before another block.
    this.checkCuts(draft.cuts);
    const districts: DistrictHead[] = this.logs.apply(draft);
    let ballotCount = 0;
    for (const d of districts) ballotCount += d.treeSize;
    const height = this.lastHeight + 1;
    const block: Block = {
      spec: 'hanpyo/1',
      electionId: this.electionId,
      height,
      prevBlockHash: this.lastHash, // SPEC §8: Q for block 1
      closedAt: closing.closedAt,
      final: closing.final,
      cuts: draft.cuts.map((c) => ({
        partition: c.partition,
        fromOffset: c.fromOffset,
        toOffset: c.toOffset,
      })),
      districts,
      ballotCount,
    };
    const hash = blockHash(block);
    this.lastHeight = height;
    this.lastHash = hash;
    this.toOffsets = block.cuts.map((c) => c.toOffset);
    if (closing.final) this.finalHeight = height;
    return { block, blockHash: hash };
  }

  /**
   * Builds the next block from its cuts and the board entries inside them, in any order (they are
   * appended in (partition, offset) order). Throws LedgerError, leaving the logs untouched, when an
   * entry lies outside the cuts, repeats, names an unknown district or has a malformed code.
   */
  buildBlock(
    cuts: readonly Cut[],
    entries: readonly LedgerEntry[],
    closing: BlockClosing,
  ): BuiltBlock {
    const draft = this.beginBlock(cuts);
    for (const entry of sortEntries(entries)) draft.add(entry);
    return this.finishBlock(draft, closing);
  }

  private checkCuts(cuts: readonly Cut[]): void {
    const problems = cutProblems(this.toOffsets, cuts);
    if (problems.length > 0) {
      throw new LedgerError('CUTS_INVALID', problems.map((p) => p.message).join('; '));
    }
  }
}
