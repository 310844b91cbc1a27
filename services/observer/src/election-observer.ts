// The observer's decisions for one election (SPEC §8, §10), pure: each block in height order,
// with the checked board entries inside its cuts, is replayed (chain rules, district logs, roots,
// ballot count, ledger signatures) and judged. Refused entries (SPEC §6: unauthorized, late, or with
// an invalid ballot) are reported beside the verdict — each is an alarm — but are no divergence:
// the ledger is right to log them, they are simply never counted. A block is cosigned only when
// nothing diverged in it and nothing diverged before it: every later block builds on the diverged one (its prevBlockHash
// and its cumulative roots commit to it), so the observer keeps verifying and reporting, but never
// signs again for that election. The state after a block is a checkpoint (plain JSON) from which
// the observer resumes without replaying from zero.
import type { Block, BlockSignatures, Manifest } from '@hanpyo/contracts';
import { BlockReplayer, DistrictLogs, MerkleFrontier } from '@hanpyo/ledger';
import type { LedgerEntry } from '@hanpyo/ledger';
import { z } from 'zod';
import type { CheckedEntry } from './entry-check.js';

/** One reason not to cosign, with where it is. */
export interface Divergence {
  readonly height: number;
  /** A bounded code: a ballot issue code, an observer code, or a ledger failure code. */
  readonly code: string;
  readonly message: string;
  readonly districtId?: string;
  readonly partition?: number;
  readonly offset?: number;
}

/** A board entry inside a block that will never be counted, with its place and rule. */
export interface RefusedEntry {
  readonly height: number;
  readonly partition: number;
  readonly offset: number;
  readonly districtId?: string;
  /** The first rule it failed (a bounded label) and that refusal's code. */
  readonly rule: string;
  readonly code: string;
  readonly message: string;
}

/** What the observer concluded about one block. */
export interface BlockVerdict {
  readonly height: number;
  /** The block's hash as recomputed (what a cosignature signs). */
  readonly blockHash: string;
  /** Board entries whose ballot was checked. */
  readonly ballots: number;
  readonly divergences: readonly Divergence[];
  /** Entries of the block that are refused (never counted): alarms, not divergences. */
  readonly refused: readonly RefusedEntry[];
  /**
   * True iff this block and every block before it verified, all districts replayed: then (and
   * only then) cosign. Never with a subset of districts (a partial replay cannot vouch for it).
   */
  readonly cosign: boolean;
}

const frontierSchema = z.object({ size: z.number().int().min(0), subtrees: z.array(z.string()) });

/** The checkpoint file's content (version 1). */
export const checkpointSchema = z.object({
  version: z.literal(1),
  electionId: z.string(),
  manifestHash: z.string(),
  /** The last block replayed, as it was (null before block 1). */
  lastBlock: z.unknown().nullable(),
  height: z.number().int().min(0),
  blockHash: z.string(),
  /** Where the next block's cuts start, per partition. */
  offsets: z.array(z.number().int().min(0)),
  /** Each district's Merkle frontier after the last block. */
  districts: z.record(z.string(), frontierSchema),
  /** The districts followed (null or absent: all); a checkpoint resumes only the same set. */
  followed: z.array(z.string()).nullable().optional(),
  /** First height that diverged; no block from there on is ever cosigned. */
  divergedAt: z.number().int().nullable(),
  blocksVerified: z.number().int().min(0),
  ballotsVerified: z.number().int().min(0),
  divergences: z.number().int().min(0),
  /** Refused board entries seen so far (checkpoints before revision 2 have none). */
  refusedEntries: z.number().int().min(0).default(0),
  /** The latest divergences, for the status page (bounded). */
  recentDivergences: z.array(
    z.object({
      height: z.number(),
      code: z.string(),
      message: z.string(),
      districtId: z.string().optional(),
      partition: z.number().optional(),
      offset: z.number().optional(),
    }),
  ),
  /**
   * The blocks topic's offset after the last block message taken (replayed or skipped); absent
   * in older checkpoints: read from the topic's start, heights up to `height` skipped.
   */
  blocksOffset: z.number().int().min(0).optional(),
  /** SHA-256 of the last replayed block's message, to tell a duplicate from a conflict. */
  lastBlockDigest: z.string().optional(),
  /** Blocks-topic messages skipped: byte-identical duplicates, and rejected ones by code. */
  skippedBlocks: z.record(z.string(), z.number().int().min(0)).optional(),
  /** Cosignatures made but not yet accepted by the ledger. */
  unpublished: z.array(
    z.object({ height: z.number().int(), blockHash: z.string(), signature: z.string() }),
  ),
});
export type Checkpoint = z.infer<typeof checkpointSchema>;

const RECENT = 20;

/** Follows one election's chain block by block. */
export class ElectionObserver {
  private readonly replayer: BlockReplayer;
  private readonly logs: DistrictLogs<MerkleFrontier>;
  private state: Checkpoint;
  private readonly followed: readonly string[] | null;

  /**
   * `genesisHash` is Q in hex. With `checkpoint`, resumes after its last block (its district
   * frontiers and chain position); the checkpoint must be this election's and this manifest's.
   * With `districts`, follows only those districts (BlockReplayer's subset replay): their entries
   * and roots are checked, the chain and signatures too, but no block is ever cosigned.
   */
  constructor(
    private readonly manifest: Pick<
      Manifest,
      'electionId' | 'districts' | 'ledgerSigners' | 'witnesses'
    >,
    manifestHash: string,
    genesisHash: string,
    checkpoint?: Checkpoint,
    options: { readonly districts?: readonly string[] } = {},
  ) {
    if (
      checkpoint &&
      (checkpoint.electionId !== manifest.electionId || checkpoint.manifestHash !== manifestHash)
    ) {
      throw new Error('the checkpoint is of another election or manifest');
    }
    const all = manifest.districts.map((d) => d.districtId);
    this.followed = options.districts
      ? all.filter((id) => options.districts!.includes(id)).sort()
      : null;
    if (
      checkpoint &&
      JSON.stringify(checkpoint.followed ?? null) !== JSON.stringify(this.followed)
    ) {
      throw new Error(
        `the checkpoint follows ${checkpoint.followed ? `districts ${checkpoint.followed.join(',')}` : 'every district'}, this observer ${this.followed ? `districts ${this.followed.join(',')}` : 'every district'}: use another state directory`,
      );
    }
    const saved = checkpoint?.districts ?? {};
    this.logs = new DistrictLogs(this.followed ?? all, (id) => {
      const s = saved[id];
      return s ? MerkleFrontier.fromSnapshot(s) : new MerkleFrontier();
    });
    const lastBlock = (checkpoint?.lastBlock ?? null) as Block | null;
    this.replayer = new BlockReplayer({
      manifest,
      genesisHash,
      logs: this.logs,
      ...(lastBlock ? { resumeAfter: lastBlock } : {}),
      ...(this.followed ? { districts: this.followed } : {}),
    });
    this.state = checkpoint ?? {
      version: 1,
      electionId: manifest.electionId,
      manifestHash,
      lastBlock: null,
      height: 0,
      blockHash: genesisHash,
      offsets: [],
      districts: {},
      followed: this.followed ? [...this.followed] : null,
      divergedAt: null,
      blocksVerified: 0,
      ballotsVerified: 0,
      divergences: 0,
      refusedEntries: 0,
      recentDivergences: [],
      unpublished: [],
    };
  }

  /** Height of the last block replayed (0 before any). */
  get height(): number {
    return this.state.height;
  }

  /** True once the election's final block is replayed: the chain has nothing after it (SPEC §8). */
  get complete(): boolean {
    return (this.state.lastBlock as Block | null)?.final === true;
  }

  /** Where the next block's cuts start, per partition (empty before block 1). */
  get offsets(): readonly number[] {
    return this.state.offsets;
  }

  /** The districts followed; null: all of them. */
  get districts(): readonly string[] | null {
    return this.followed;
  }

  /** The state to save after a block. */
  checkpoint(): Checkpoint {
    return this.state;
  }

  /**
   * Replays the next block: `entries` are the checked board messages of every offset inside its
   * cuts (a missing offset is a divergence); `signatures` are those published with the block.
   */
  verify(
    block: Block,
    signatures: BlockSignatures,
    entries: readonly CheckedEntry[],
    expectedEntries: number,
  ): BlockVerdict {
    const height = block.height;
    const divergences: Divergence[] = [];
    const refused: RefusedEntry[] = [];
    const leaves: LedgerEntry[] = [];
    let ballots = 0;
    for (const e of entries) {
      if (e.outside) continue; // a ballot of a district not followed: not checked, not replayed
      ballots++;
      const first = e.refusals[0];
      if (first) {
        refused.push({
          height,
          partition: e.partition,
          offset: e.offset,
          ...(e.districtId ? { districtId: e.districtId } : {}),
          rule: first.rule,
          code: first.code,
          message: e.refusals
            .map((r) => (r.path ? `${r.code} ${r.path}: ${r.message}` : `${r.code}: ${r.message}`))
            .join('; '),
        });
      }
      if (e.trackingCode !== null && e.districtId !== null) {
        leaves.push({
          partition: e.partition,
          offset: e.offset,
          trackingCode: e.trackingCode,
          districtId: e.districtId,
        });
      }
    }
    if (entries.length !== expectedEntries) {
      divergences.push({
        height,
        code: 'ENTRY_MISSING',
        message: `the cuts span ${expectedEntries} board offsets, the board gave ${entries.length}`,
      });
    }
    for (const f of this.replayer.replay(block, leaves, signatures)) {
      divergences.push({
        height,
        code: f.code,
        message: f.message,
        ...(f.districtId !== undefined ? { districtId: f.districtId } : {}),
        ...(f.partition !== undefined ? { partition: f.partition } : {}),
      });
    }
    const blockHash = this.replayer.blockHash ?? '';
    const divergedAt = this.state.divergedAt ?? (divergences.length > 0 ? height : null);
    const districts: Checkpoint['districts'] = {};
    for (const id of this.logs.districtIds) districts[id] = this.logs.log(id)!.snapshot();
    this.state = {
      ...this.state,
      lastBlock: block,
      height,
      blockHash,
      offsets: block.cuts.map((c) => c.toOffset),
      districts,
      divergedAt,
      blocksVerified: this.state.blocksVerified + (divergences.length === 0 ? 1 : 0),
      ballotsVerified: this.state.ballotsVerified + ballots,
      divergences: this.state.divergences + divergences.length,
      refusedEntries: this.state.refusedEntries + refused.length,
      recentDivergences: [...this.state.recentDivergences, ...divergences].slice(-RECENT),
    };
    return {
      height,
      blockHash,
      ballots,
      divergences,
      refused,
      cosign: this.followed === null && divergedAt === null && blockHash !== '',
    };
  }

  /** Where the blocks topic is read from after a restart (0: its start). */
  get blocksOffset(): number {
    return this.state.blocksOffset ?? 0;
  }

  /** The digest of the last replayed block's message, when this checkpoint kept it. */
  get lastBlockDigest(): string | undefined {
    return this.state.lastBlockDigest;
  }

  /** A block message was taken at `offset`; the replayed ones also keep their digest. */
  tookBlockMessage(offset: number, digest?: string): void {
    this.state = {
      ...this.state,
      blocksOffset: Math.max(this.state.blocksOffset ?? 0, offset + 1),
      ...(digest !== undefined ? { lastBlockDigest: digest } : {}),
    };
  }

  /**
   * A blocks-topic message that is not part of the chain (a duplicate, a conflicting, unsigned or
   * malformed block): counted, and a divergence other than a duplicate is kept for the status
   * page; it never stops cosigning, since the chain replayed is unchanged.
   */
  skippedBlock(offset: number, kind: string, divergence?: Divergence): void {
    const skipped = { ...(this.state.skippedBlocks ?? {}) };
    skipped[kind] = (skipped[kind] ?? 0) + 1;
    this.state = {
      ...this.state,
      blocksOffset: Math.max(this.state.blocksOffset ?? 0, offset + 1),
      skippedBlocks: skipped,
      ...(divergence
        ? {
            divergences: this.state.divergences + 1,
            recentDivergences: [...this.state.recentDivergences, divergence].slice(-RECENT),
          }
        : {}),
    };
  }

  /** Records a cosignature to publish (kept in the checkpoint until the ledger took it). */
  addUnpublished(signature: { height: number; blockHash: string; signature: string }): void {
    this.state = { ...this.state, unpublished: [...this.state.unpublished, signature] };
  }

  /** Forgets a cosignature the ledger accepted. */
  published(height: number): void {
    this.state = {
      ...this.state,
      unpublished: this.state.unpublished.filter((u) => u.height !== height),
    };
  }
}
