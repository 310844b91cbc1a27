// Decisions of the ledger (SPEC §8, DESIGN.md): per open or closed election, follow the stored
// chain (every replica, so any of them serves proofs), and — only while holding the election's
// cutter lease — cut a block every `commitmentIntervalSeconds`, then a final one after the close.
// A cut ends at the board's end offsets when the interval elapses, and the block is built only
// once the persister has written every offset inside it, so its content is a pure function of the
// board and the cuts. Stored blocks are written once per height (a lightweight transaction), so a
// replica that lost its lease unknowingly can never fork the chain: it finds the height taken and
// rebuilds from the store.
import { Inject, Injectable } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { ElectionRow } from '@hanpyo/cassandra';
import type { Cut } from '@hanpyo/contracts';
import { KafkaFencedError, valueDigest } from '@hanpyo/kafka';
import { blockSignatures } from '@hanpyo/ledger';
import { CLOCK, Health, JsonLogger, Metrics, finalCutAt } from '@hanpyo/service-kit';
import type { Clock } from '@hanpyo/service-kit';
import { ChainRepository } from './chain.repository.js';
import { CONFIG } from './config.js';
import type { LedgerConfig } from './config.js';
import { ElectionLedger, LedgerDivergence } from './election-ledger.js';
import type { BoardSlot, StoredBlock } from './election-ledger.js';
import { KafkaRepository } from './kafka.repository.js';
import { LedgerKey } from './keys.js';

/** A cut picked when the interval elapsed, waiting for the persister to write all of it. */
interface PendingCut {
  readonly cuts: Cut[];
  readonly closedAt: Date;
  readonly final: boolean;
  /** Partitions whose every offset is read, with their slots. */
  readonly slots: Map<number, BoardSlot[]>;
  readonly pickedAt: number;
}

/** What this replica knows of one election. */
export interface Tracked {
  ledger: ElectionLedger;
  commitmentIntervalSeconds: number;
  closes: number;
  /** Set when the stored chain cannot be rebuilt: this replica refuses to go on. */
  failed?: string;
  /** Set when this replica's key is not a ledger signer of the election: it never cuts. */
  signerProblem?: string;
  pending?: PendingCut;
  leaseHeld: boolean;
  /** When the lease was last taken, renewed or tried (ms). */
  leaseTriedAt: number;
  /** The last height known to be on the blocks topic, while leading. */
  publishedHeight?: number;
}

@Injectable()
export class LedgerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly tracked = new Map<string, Tracked>();
  /** The step each election is taking, so no election takes two at once. */
  private readonly busy = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopping = false;
  private readonly blocksCut;
  private readonly height;
  private readonly cutSeconds;
  private readonly buildSeconds;
  private readonly leaseHeld;
  private readonly missing;
  private readonly diverged;
  private readonly fenced;

  constructor(
    @Inject(CONFIG) private readonly config: LedgerConfig,
    @Inject(ChainRepository) private readonly chain: ChainRepository,
    @Inject(KafkaRepository) private readonly kafka: KafkaRepository,
    @Inject(LedgerKey) private readonly key: LedgerKey,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
    @Inject(Health) private readonly health: Health,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.blocksCut = metrics.counter('hanpyo_ledger_blocks_cut_total', 'Blocks cut and stored', [
      'election',
    ]);
    this.height = metrics.gauge('hanpyo_ledger_block_height', 'Height of the latest block', [
      'election',
    ]);
    this.cutSeconds = metrics.histogram(
      'hanpyo_ledger_cut_seconds',
      'From picking a cut to its block stored (includes waiting for the persister)',
      ['election'],
      [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    );
    this.buildSeconds = metrics.histogram(
      'hanpyo_ledger_build_seconds',
      'Building, signing and storing a block once its entries are read',
      ['election'],
      [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    );
    this.leaseHeld = metrics.gauge(
      'hanpyo_ledger_lease_held',
      '1 while this replica holds the cutter lease of the election',
      ['election'],
    );
    this.missing = metrics.gauge(
      'hanpyo_ledger_cut_missing_entries',
      'Offsets of the pending cut the persister has not written yet',
      ['election'],
    );
    this.fenced = metrics.counter(
      'hanpyo_ledger_fenced_total',
      'Publications refused because a newer replica claimed the election (this one stopped)',
      ['election'],
    );
    this.diverged = metrics.gauge(
      'hanpyo_ledger_diverged',
      '1 when the stored chain could not be rebuilt from the board: this replica stopped',
      ['election'],
    );
  }

  /** What this replica holds of an election (undefined before it is open, or before the first round). */
  election(electionId: string): Tracked | undefined {
    return this.tracked.get(electionId);
  }

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.round = this.tick().finally(() => this.schedule(this.config.HANPYO_LEDGER_TICK_MS));
    }, ms);
  }

  /** One round: every open or closed election takes a step, each on its own (never two at once). */
  private async tick(): Promise<void> {
    let rows: ElectionRow[];
    try {
      rows = await this.chain.elections();
    } catch (e) {
      this.logger.warn('cannot read the election registry; retrying', {
        error: (e as Error).message,
      });
      return;
    }
    for (const row of rows) {
      if (this.stopping) return;
      if ((row.state !== 'open' && row.state !== 'closed') || row.baseHash === null) continue;
      const id = row.electionId;
      if (this.busy.has(id)) continue;
      this.busy.set(
        id,
        this.step(row)
          .catch((e: unknown) => {
            this.logger.warn('ledger step failed; retrying next round', {
              electionId: id,
              error: (e as Error).message,
              code: (e as { code?: unknown }).code,
            });
          })
          .finally(() => this.busy.delete(id)),
      );
    }
  }

  private async step(row: ElectionRow): Promise<void> {
    const t = await this.load(row);
    if (!t || t.failed) return;
    await this.follow(t);
    if (t.failed) return;
    if (t.ledger.finalized) {
      if (t.leaseHeld) await this.release(t);
      return;
    }
    if (t.signerProblem) return;
    if (!(await this.holdLease(t, false))) return;
    await this.publishMissing(t);
    if (!t.leaseHeld) return; // fenced while publishing
    await this.cut(t, row);
  }

  /** The election's state; a fresh one (replayed from the store) at first or after a lost write. */
  private async load(row: ElectionRow): Promise<Tracked | undefined> {
    const id = row.electionId;
    const known = this.tracked.get(id);
    if (known && !known.ledger.dirty) return known;
    const election = await this.chain.election(id);
    if (!election) return undefined;
    const t: Tracked = {
      ledger: new ElectionLedger({
        manifest: election.manifest,
        genesisHash: row.baseHash!,
        partitionCount: election.layout.partitionCount,
      }),
      commitmentIntervalSeconds: election.manifest.commitmentIntervalSeconds,
      closes: Date.parse(election.manifest.closes),
      leaseHeld: known?.leaseHeld ?? false,
      leaseTriedAt: known?.leaseTriedAt ?? 0,
    };
    const problem = this.key.problemWith(election.manifest);
    if (problem) {
      t.signerProblem = problem;
      this.logger.error('this ledger cannot sign the election; serving reads only', {
        electionId: id,
        problem,
      });
    }
    this.tracked.set(id, t);
    this.diverged.set({ election: id }, 0);
    return t;
  }

  /** Replays the stored blocks this replica has not seen, checking each comes out identical. */
  private async follow(t: Tracked): Promise<void> {
    const id = t.ledger.electionId;
    const stored = await this.chain.blocksAfter(id, t.ledger.height);
    const started = performance.now();
    for (const s of stored) {
      const slots = await this.readCuts(id, s.block.cuts);
      if (slots === undefined) {
        throw new Error(
          `board entries inside stored block ${s.block.height} are missing from the store`,
        );
      }
      try {
        t.ledger.replay(s, slots);
      } catch (e) {
        if (!(e instanceof LedgerDivergence)) throw e;
        t.failed = e.message;
        this.diverged.set({ election: id }, 1);
        this.logger.error(
          'LEDGER DIVERGED: the stored chain cannot be rebuilt from the board; this replica will not cut or prove for the election',
          { electionId: id, height: s.block.height, code: e.code, error: e.message },
        );
        return;
      }
      this.height.set({ election: id }, t.ledger.height);
      // Another cutter extended the chain: a cut picked before no longer follows it.
      t.pending = undefined;
    }
    if (stored.length > 1) {
      this.logger.info('rebuilt the chain from the store', {
        electionId: id,
        blocks: stored.length,
        height: t.ledger.height,
        ballotCount: t.ledger.latest?.block.ballotCount,
        ms: Math.round(performance.now() - started),
      });
    }
  }

  /** Every slot inside the cuts, in (partition, offset) order; undefined if one is not written. */
  private async readCuts(
    electionId: string,
    cuts: readonly Cut[],
  ): Promise<BoardSlot[] | undefined> {
    const out: BoardSlot[] = [];
    for (const c of cuts) {
      if (c.toOffset === c.fromOffset) continue;
      const slots = await this.chain.slots(electionId, c.partition, c.fromOffset, c.toOffset);
      if (slots.length !== c.toOffset - c.fromOffset) return undefined;
      out.push(...slots);
    }
    return out;
  }

  /** Takes or renews the cutter lease (every third of its TTL, or now when `force`). */
  private async holdLease(t: Tracked, force: boolean): Promise<boolean> {
    const id = t.ledger.electionId;
    const now = this.clock.now();
    const ttl = this.config.HANPYO_LEDGER_LEASE_TTL_SECONDS;
    // The holder renews every third of the TTL; the others try as often, so one takes over
    // within 4/3 of the TTL after the holder died.
    if (!force && now.getTime() - t.leaseTriedAt < (ttl * 1000) / 3) return t.leaseHeld;
    t.leaseTriedAt = now.getTime();
    let held = false;
    try {
      held = await this.chain.acquireLease(id, this.config.HANPYO_LEDGER_INSTANCE_ID, ttl, now);
    } catch (e) {
      this.logger.warn('cannot renew the cutter lease; not cutting', {
        electionId: id,
        error: (e as Error).message,
      });
    }
    if (held !== t.leaseHeld) {
      this.logger.info(held ? 'took the cutter lease' : 'lost the cutter lease', {
        electionId: id,
        instance: this.config.HANPYO_LEDGER_INSTANCE_ID,
      });
      t.publishedHeight = undefined;
      t.pending = undefined;
      if (!held) await this.kafka.release(id);
    }
    t.leaseHeld = held;
    this.leaseHeld.set({ election: id }, held ? 1 : 0);
    return held;
  }

  private async release(t: Tracked): Promise<void> {
    const id = t.ledger.electionId;
    t.leaseHeld = false;
    this.leaseHeld.set({ election: id }, 0);
    await this.kafka.release(id);
    await this.chain.releaseLease(id, this.config.HANPYO_LEDGER_INSTANCE_ID);
  }

  /**
   * Puts every stored block not yet on the blocks topic there, in height order, through the
   * election's fenced publisher. After taking the lease (or a failed publication) it first claims
   * the publisher role, which fences any older replica, then reads what the topic already holds:
   * a height already there is never published again (docs/ledger.md, "Fenced publication").
   */
  private async publishMissing(t: Tracked): Promise<void> {
    const id = t.ledger.electionId;
    try {
      if (t.publishedHeight === undefined) {
        await this.kafka.claim(id);
        t.publishedHeight = await this.alreadyPublished(t);
      }
      const from = t.publishedHeight + 1;
      for (let h = from; h <= t.ledger.height; h += 100) {
        const batch: StoredBlock[] = [];
        for (let k = h; k < Math.min(h + 100, t.ledger.height + 1); k++) {
          batch.push(t.ledger.block(k)!);
        }
        await this.kafka.publish(id, batch);
        t.publishedHeight = batch[batch.length - 1]!.block.height;
      }
    } catch (e) {
      t.publishedHeight = undefined;
      if (e instanceof KafkaFencedError) {
        // A newer replica claimed the election's publisher: this one is a zombie whose lease
        // lapsed. Stop publishing and give the lease up; the store tells who cuts next.
        this.fenced.inc({ election: id });
        this.logger.warn('fenced by a newer ledger replica; stopped publishing, lease given up', {
          electionId: id,
          code: e.code,
          instance: this.config.HANPYO_LEDGER_INSTANCE_ID,
        });
        t.pending = undefined;
        t.leaseTriedAt = this.clock.now().getTime();
        await this.release(t).catch((r: unknown) =>
          this.logger.warn('cannot release the cutter lease', {
            electionId: id,
            error: (r as Error).message,
          }),
        );
        return;
      }
      this.logger.warn('cannot publish blocks yet; retrying', {
        electionId: id,
        error: (e as Error).message,
        code: (e as { code?: unknown }).code,
      });
    }
  }

  /**
   * The height the blocks topic already holds. The block there at that height must be
   * byte-identical to the stored one; if it is not, it is still never published twice (an
   * observer would see a conflict), and the difference is logged as BLOCK_CONFLICT.
   */
  private async alreadyPublished(t: Tracked): Promise<number> {
    const id = t.ledger.electionId;
    const last = await this.kafka.lastPublished(id);
    if (last.height === 0) return 0;
    const stored = t.ledger.block(last.height);
    const digest = stored ? valueDigest(KafkaRepository.value(stored)) : undefined;
    if (last.digest !== null && digest !== undefined && last.digest !== digest) {
      this.logger.error('the blocks topic holds another block at this height than the store', {
        electionId: id,
        height: last.height,
        code: 'BLOCK_CONFLICT',
      });
    } else if (last.height > 0) {
      this.logger.info('blocks already on the topic; publishing only what follows', {
        electionId: id,
        height: last.height,
        identical: digest !== undefined && last.digest === digest,
      });
    }
    return last.height;
  }

  /** Picks a cut when one is due, and builds, signs, stores and publishes it once it is written. */
  private async cut(t: Tracked, row: ElectionRow): Promise<void> {
    const id = t.ledger.electionId;
    const now = this.clock.now();
    if (!t.pending) {
      const closedAt = row.closedAt?.getTime() ?? 0;
      const final =
        row.state === 'closed' &&
        now.getTime() >= finalCutAt(t.closes, closedAt, this.config.finalGraceMs);
      const latest = t.ledger.latest;
      const since = latest
        ? Date.parse(latest.block.closedAt)
        : (row.openedAt?.getTime() ?? now.getTime());
      if (!final && now.getTime() < since + t.commitmentIntervalSeconds * 1000) return;
      const cuts = t.ledger.nextCuts(await this.kafka.boardEndOffsets(id));
      t.pending = { cuts, closedAt: now, final, slots: new Map(), pickedAt: performance.now() };
    }
    const pending = t.pending;
    const reading = performance.now();
    let missing = 0;
    for (const c of pending.cuts) {
      if (pending.slots.has(c.partition)) continue;
      const slots =
        c.toOffset === c.fromOffset
          ? []
          : await this.chain.slots(id, c.partition, c.fromOffset, c.toOffset);
      if (slots.length === c.toOffset - c.fromOffset) pending.slots.set(c.partition, slots);
      else missing += c.toOffset - c.fromOffset - slots.length;
    }
    const readMs = performance.now() - reading;
    this.missing.set({ election: id }, missing);
    if (missing > 0) return; // the persister has not written the whole cut yet: next round
    if (!(await this.holdLease(t, true))) return;

    const started = performance.now();
    t.pending = undefined;
    const slots = pending.cuts.flatMap((c) => pending.slots.get(c.partition)!);
    const built = t.ledger.cut(pending.cuts, slots, {
      closedAt: pending.closedAt.toISOString(),
      final: pending.final,
    });
    const stored: StoredBlock = {
      block: built.block,
      blockHash: built.blockHash,
      signatures: blockSignatures(built.block, [this.key.key]),
    };
    // From here until `accept`, memory is ahead of the store; a failure rebuilds from the store.
    if (!(await this.chain.insertBlock(id, stored))) {
      this.logger.warn('another cutter stored this height; following the store', {
        electionId: id,
        height: stored.block.height,
      });
      return;
    }
    t.ledger.accept(stored);
    const seconds = (performance.now() - started) / 1000;
    this.buildSeconds.observe({ election: id }, seconds);
    this.cutSeconds.observe({ election: id }, (performance.now() - pending.pickedAt) / 1000);
    this.blocksCut.inc({ election: id });
    this.height.set({ election: id }, t.ledger.height);
    this.logger.info('block cut', {
      electionId: id,
      height: stored.block.height,
      blockHash: stored.blockHash,
      entries: slots.length,
      ballotCount: stored.block.ballotCount,
      final: stored.block.final,
      readMs: Math.round(readMs),
      buildMs: Math.round(seconds * 1000),
    });
    await this.publishMissing(t);
    if (stored.block.final) await this.release(t);
  }

  /** Stops the rounds, lets running steps finish, and gives every held lease up. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.health.drain();
    clearTimeout(this.timer);
    await this.round;
    await Promise.all(this.busy.values());
    await Promise.all(
      [...this.tracked.values()]
        .filter((t) => t.leaseHeld)
        .map((t) =>
          this.release(t).catch((e: unknown) =>
            this.logger.warn('cannot release the cutter lease', {
              electionId: t.ledger.electionId,
              error: (e as Error).message,
            }),
          ),
        ),
    );
  }
}
