// SPEC §8, §10: the observer's side. "The content of a block is a pure function of the board and
// the cuts, and any observer can replay it": feed blocks one at a time, each with the board entries
// inside its cuts, and get every failure — chain rules, entries, tree sizes, roots, ballot count,
// signatures — with the height it is at. An observer can follow a running election block by
// block, or a verifier can replay a whole record.
import type { Block, BlockSignatures, Manifest } from '@hanpyo/contracts';
import { verifyBlockSignatures } from './block.js';
import { ChainVerifier } from './chain.js';
import { DistrictLogs, sortEntries } from './district-logs.js';
import type { LedgerEntry } from './district-logs.js';
import { LedgerError } from './errors.js';
import type { LedgerFailure } from './errors.js';
import { MerkleFrontier } from './merkle.js';

/** Options of a `BlockReplayer`. */
export interface BlockReplayerOptions {
  /** The manifest: its districts, electionId, ledger signers and witnesses. */
  readonly manifest: Pick<Manifest, 'electionId' | 'districts' | 'ledgerSigners' | 'witnesses'>;
  /** Q in hex: block 1's `prevBlockHash` (SPEC §8). */
  readonly genesisHash: string;
  /**
   * District logs to replay into; default: `MerkleFrontier`s, O(log n) memory per district (roots
   * only). Pass `DistrictLogs.full(…)` to serve proofs from the replayed logs.
   */
  readonly logs?: DistrictLogs;
  /** How many entry failures to list per block before summarising the rest; default 100. */
  readonly maxEntryFailures?: number;
  /**
   * Resume after this block (an observer's checkpoint): `logs` must then hold the district logs
   * as they were after it. Replay continues with the next block.
   */
  readonly resumeAfter?: Block;
  /**
   * Replay only these districts (a subset of the manifest's; default: all). Entries of the
   * manifest's other districts are ignored, only these districts' tree sizes and roots are
   * compared, and the ballot count (a sum over every district) is not checked; chain rules and
   * signatures are checked as in a full replay. `logs` must then hold exactly these districts.
   */
  readonly districts?: readonly string[];
}

/** Replays SPEC §8 blocks against the board, one block at a time. */
export class BlockReplayer {
  /** The replayed district logs. */
  readonly logs: DistrictLogs;
  private readonly chain: ChainVerifier;
  private readonly manifest: BlockReplayerOptions['manifest'];
  private readonly maxEntryFailures: number;
  /** With a subset replay: the manifest districts left out (their entries are ignored). */
  private readonly ignored: ReadonlySet<string> | undefined;

  constructor(options: BlockReplayerOptions) {
    this.manifest = options.manifest;
    const all = options.manifest.districts.map((d) => d.districtId);
    let ids = all;
    if (options.districts !== undefined) {
      const chosen = new Set(options.districts);
      const unknown = [...chosen].filter((id) => !all.includes(id));
      if (unknown.length > 0 || chosen.size === 0) {
        throw new LedgerError(
          'DISTRICTS_INVALID',
          chosen.size === 0
            ? 'a subset replay needs at least one district'
            : `not districts of the manifest: ${unknown.join(', ')}`,
        );
      }
      ids = all.filter((id) => chosen.has(id));
      this.ignored = new Set(all.filter((id) => !chosen.has(id)));
    }
    this.logs = options.logs ?? new DistrictLogs(ids, () => new MerkleFrontier());
    if (this.logs.districtIds.length !== ids.length || ids.some((id) => !this.logs.log(id))) {
      throw new LedgerError(
        'DISTRICTS_INVALID',
        'the logs are not those of the manifest districts',
      );
    }
    this.chain = new ChainVerifier(options.genesisHash, { manifest: options.manifest });
    if (options.resumeAfter !== undefined) this.chain.resumeAfter(options.resumeAfter);
    this.maxEntryFailures = options.maxEntryFailures ?? 100;
  }

  /** Height of the last block replayed (0 before any). */
  get height(): number {
    return this.chain.height;
  }

  /** Hash of the last block replayed (Q before any). */
  get blockHash(): string | undefined {
    return this.chain.blockHash;
  }

  /**
   * Replays the next block: `entries` are the board entries inside its cuts, in any order;
   * `signatures`, when given, are checked against the manifest. Returns this block's failures.
   */
  replay(
    block: Block,
    entries: Iterable<LedgerEntry>,
    signatures?: BlockSignatures,
  ): LedgerFailure[] {
    const height = block.height;
    // Chain rules first: heights, links, cuts, final, district list, ballot count arithmetic.
    const failures = this.chain.push(block);

    // Entries: inside this block's cuts, each once, of a known district, well-formed. Bad entries
    // are reported and left out; the rest are appended.
    const draft = this.logs.draft(Array.isArray(block.cuts) ? block.cuts : []);
    const list = Array.isArray(entries) ? (entries as readonly LedgerEntry[]) : [...entries];
    let skipped = 0;
    for (const entry of sortEntries(list)) {
      if (this.ignored?.has(entry.districtId)) continue;
      try {
        draft.add(entry);
      } catch (error) {
        if (!(error instanceof LedgerError)) throw error;
        if (skipped++ < this.maxEntryFailures) {
          failures.push({
            height,
            code: 'BLOCK_ENTRIES',
            message: error.message,
            partition: entry.partition,
          });
        }
      }
    }
    if (skipped > this.maxEntryFailures) {
      failures.push({
        height,
        code: 'BLOCK_ENTRIES',
        message: `${skipped - this.maxEntryFailures} more entries rejected`,
      });
    }

    // Heads: every district's replayed size and root against the block's claim.
    const claimed = new Map(
      Array.isArray(block.districts) ? block.districts.map((d) => [d.districtId, d]) : [],
    );
    for (const head of this.logs.apply(draft)) {
      const claim = claimed.get(head.districtId);
      if (claim === undefined) continue; // reported by the chain check as a missing district
      const where = { height, districtId: head.districtId };
      if (claim.treeSize !== head.treeSize) {
        failures.push({
          ...where,
          code: 'BLOCK_TREE_SIZE',
          message: `district ${head.districtId}: replay has ${head.treeSize} leaves, the block claims ${claim.treeSize}`,
        });
      }
      if (claim.root !== head.root) {
        failures.push({
          ...where,
          code: 'BLOCK_ROOT',
          message: `district ${head.districtId}: replayed root ${head.root}, the block claims ${claim.root}`,
        });
      }
    }
    const ballotCount = this.logs.ballotCount;
    if (this.ignored === undefined && block.ballotCount !== ballotCount) {
      failures.push({
        height,
        code: 'BLOCK_BALLOT_COUNT',
        message: `replay counts ${ballotCount} ballots, the block claims ${block.ballotCount}`,
      });
    }

    if (signatures !== undefined) {
      failures.push(...verifyBlockSignatures({ block, signatures }, this.manifest).failures);
    }
    return failures;
  }

  /** Failures of the chain as a whole: with `requireFinal`, a missing final block. */
  finish(options: { requireFinal?: boolean } = {}): LedgerFailure[] {
    return this.chain.finish(options);
  }
}
