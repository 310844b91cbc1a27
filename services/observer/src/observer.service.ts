// The observer's decisions over time: for each configured election, wait for its ceremony, check
// it once, resume from the checkpoint, then take the blocks in height order, each with the board
// messages of its cuts; check every ballot on the worker pool (the next blocks' ballots are checked
// while the current one is replayed), replay the block, and cosign it only when everything holds.
// Every divergence is counted and logged as an alarm; the observer keeps going.
import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { SignedBlock } from '@hanpyo/contracts';
import { signBlockHash } from '@hanpyo/ledger';
import { JsonLogger, Metrics } from '@hanpyo/service-kit';
import { BallotPool } from './ballot-pool.js';
import { BlockSequence } from './block-sequence.js';
import type { SequenceDecision } from './block-sequence.js';
import { CheckpointRepository } from './checkpoint.repository.js';
import { CONFIG } from './config.js';
import type { ObserverConfig } from './config.js';
import { checkElectionView, followedPartitions, isProblem } from './election-check.js';
import type { CheckedElection, FollowedPartitions } from './election-check.js';
import { ElectionObserver, checkpointSchema } from './election-observer.js';
import type { BlockVerdict, Divergence, RefusedEntry } from './election-observer.js';
import type { BoardRecord, CheckedEntry } from './entry-check.js';
import { KafkaRepository } from './kafka.repository.js';
import type { ElectionFollower } from './kafka.repository.js';
import { WitnessKey } from './keys.js';
import { LedgerRepository, RegistrarRepository } from './registrar.repository.js';

/** Blocks whose ballots are being checked ahead of the one being replayed. */
const LOOKAHEAD = 3;
/** Divergences logged one by one per block; the rest are summarised. */
const LOGGED_PER_BLOCK = 20;

/** One election's status, as `/v1/status` shows it. */
export interface ElectionStatus {
  readonly electionId: string;
  /** `finished`: the final block is replayed; nothing more is read for this election. */
  readonly phase: 'waiting' | 'following' | 'finished' | 'stopped';
  readonly detail: string | null;
  readonly cosigning: boolean;
  /** The districts followed (HANPYO_OBSERVER_DISTRICTS); null: all. */
  readonly districts?: readonly string[] | null;
  readonly height: number;
  readonly blockHash: string | null;
  readonly lagBlocks: number | null;
  readonly divergedAt: number | null;
  readonly blocksVerified: number;
  readonly ballotsVerified: number;
  readonly divergences: number;
  /** Board entries seen that will never be counted (refused by SPEC §6, late, invalid ballot). */
  readonly refusedEntries: number;
  readonly recentDivergences: readonly Divergence[];
}

/** A blocks-topic message skipped before the block taken (applied in order, at its replay). */
interface Skipped {
  readonly offset: number;
  readonly decision: Exclude<SequenceDecision, { kind: 'next' }>;
}

interface Prepared {
  /** Undefined: stopped before a block came. */
  readonly signed: SignedBlock | undefined;
  /** The block message's offset and digest. */
  readonly offset: number;
  readonly digest: string;
  readonly skipped: readonly Skipped[];
  readonly checked: CheckedEntry[];
  readonly expected: number;
}

interface Tracked {
  phase: ElectionStatus['phase'];
  detail: string | null;
  cosigning: boolean;
  observer?: ElectionObserver;
  follower?: ElectionFollower;
  lag: number | null;
  /** Checkpoint writes, one after another. */
  saving: Promise<void>;
  publishing: boolean;
}

@Injectable()
export class ObserverService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly tracked = new Map<string, Tracked>();
  private stopping = false;
  private readonly loops: Promise<void>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly blocksVerified: ReturnType<Metrics['counter']>;
  private readonly blocksReplayed: ReturnType<Metrics['counter']>;
  private readonly ballotsVerified: ReturnType<Metrics['counter']>;
  private readonly divergences: ReturnType<Metrics['counter']>;
  private readonly skippedBlocks: ReturnType<Metrics['counter']>;
  private readonly refusedEntries: ReturnType<Metrics['counter']>;
  private readonly cosignatures: ReturnType<Metrics['counter']>;
  private readonly height: ReturnType<Metrics['gauge']>;
  private readonly lag: ReturnType<Metrics['gauge']>;
  private readonly resumedFrom: ReturnType<Metrics['gauge']>;
  private readonly diverged: ReturnType<Metrics['gauge']>;
  private readonly blockSeconds: ReturnType<Metrics['histogram']>;

  constructor(
    @Inject(CONFIG) private readonly config: ObserverConfig,
    @Inject(RegistrarRepository) private readonly registrar: RegistrarRepository,
    @Inject(LedgerRepository) private readonly ledger: LedgerRepository,
    @Inject(KafkaRepository) private readonly kafka: KafkaRepository,
    @Inject(CheckpointRepository) private readonly checkpoints: CheckpointRepository,
    @Inject(BallotPool) private readonly pool: BallotPool,
    @Inject(WitnessKey) private readonly witness: WitnessKey,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
    @Inject(Metrics) metrics: Metrics,
  ) {
    const e = ['election'] as const;
    this.blocksVerified = metrics.counter(
      'hanpyo_observer_blocks_verified_total',
      'Blocks replayed with no divergence',
      e,
    );
    this.blocksReplayed = metrics.counter(
      'hanpyo_observer_blocks_replayed_total',
      'Blocks replayed by this process (verified or not); not counting blocks of a checkpoint',
      e,
    );
    this.ballotsVerified = metrics.counter(
      'hanpyo_observer_ballots_verified_total',
      'Board entries whose ballot was checked (rate() gives ballots verified per second)',
      e,
    );
    this.divergences = metrics.counter(
      'hanpyo_observer_divergences_total',
      'Divergences found, by code',
      ['election', 'code'],
    );
    this.refusedEntries = metrics.counter(
      'hanpyo_observer_refused_entries_total',
      'Board entries that will never be counted (SPEC §6 refused, late, or an invalid ballot), by the first rule they fail',
      ['election', 'rule'],
    );
    this.cosignatures = metrics.counter(
      'hanpyo_observer_cosignatures_total',
      'Cosignatures the ledger accepted',
      e,
    );
    this.skippedBlocks = metrics.counter(
      'hanpyo_observer_skipped_block_messages_total',
      'Blocks-topic messages not replayed: a byte-identical duplicate of a height replayed, or rejected (conflict, unsigned, malformed, gap)',
      ['election', 'reason'],
    );
    this.height = metrics.gauge(
      'hanpyo_observer_verified_height',
      'Height of the last block replayed',
      e,
    );
    this.lag = metrics.gauge(
      'hanpyo_observer_lag_blocks',
      'Blocks-topic offsets not read yet (messages and commit markers: an upper bound of blocks)',
      e,
    );
    this.resumedFrom = metrics.gauge(
      'hanpyo_observer_resumed_height',
      'Height of the checkpoint this process resumed from (0: from the start)',
      e,
    );
    this.diverged = metrics.gauge(
      'hanpyo_observer_diverged',
      '1 once a block diverged: no later block of the election is cosigned',
      e,
    );
    this.blockSeconds = metrics.histogram(
      'hanpyo_observer_block_seconds',
      'From a block taken to its checkpoint saved (ballots checked, replayed, signed)',
      e,
      [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    );
  }

  onApplicationBootstrap(): void {
    for (const electionId of this.config.HANPYO_OBSERVER_ELECTIONS) this.track(electionId);
    this.timer = setInterval(() => void this.tick(), this.config.HANPYO_OBSERVER_TICK_MS);
  }

  /** Starts following an election (once). */
  private track(electionId: string): void {
    if (this.tracked.has(electionId) || this.stopping) return;
    {
      this.tracked.set(electionId, {
        phase: 'waiting',
        detail: 'starting',
        cosigning: false,
        lag: null,
        saving: Promise.resolve(),
        publishing: false,
      });
      this.loops.push(this.follow(electionId));
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    for (const t of this.tracked.values()) await t.follower?.stop();
    await Promise.all(this.loops);
  }

  /** Every election's status. */
  status(): ElectionStatus[] {
    return [...this.tracked].map(([electionId, t]) => {
      const c = t.observer?.checkpoint();
      return {
        electionId,
        phase: t.phase,
        detail: t.detail,
        cosigning: t.cosigning && (c?.divergedAt ?? null) === null,
        districts: t.observer?.districts ?? null,
        height: c?.height ?? 0,
        blockHash: c && c.height > 0 ? c.blockHash : null,
        lagBlocks: t.lag,
        divergedAt: c?.divergedAt ?? null,
        blocksVerified: c?.blocksVerified ?? 0,
        ballotsVerified: c?.ballotsVerified ?? 0,
        divergences: c?.divergences ?? 0,
        refusedEntries: c?.refusedEntries ?? 0,
        recentDivergences: c?.recentDivergences ?? [],
      };
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Follows one election until shutdown; infrastructure failures are retried from the checkpoint. */
  private async follow(electionId: string): Promise<void> {
    const t = this.tracked.get(electionId)!;
    while (!this.stopping) {
      try {
        const awaited = await this.awaitElection(electionId, t);
        if (!awaited) return;
        await this.observe(electionId, awaited.election, awaited.followed, t);
        return;
      } catch (e) {
        if (this.stopping) return;
        t.detail = `retrying: ${e instanceof Error ? e.message : String(e)}`;
        this.logger.warn('observer: election loop failed; retrying from the checkpoint', {
          election: electionId,
          error: e instanceof Error ? e.message : String(e),
        });
        await t.follower?.stop();
        t.follower = undefined;
        await this.sleep(2000);
      }
    }
  }

  /** Waits until the registrar has the election with its ceremony; checks both once. */
  private async awaitElection(
    electionId: string,
    t: Tracked,
  ): Promise<{ election: CheckedElection; followed: FollowedPartitions | undefined } | undefined> {
    for (;;) {
      if (this.stopping) return undefined;
      const view = await this.registrar.election(electionId).catch((e: unknown) => {
        t.detail = `registrar unreachable: ${e instanceof Error ? e.message : String(e)}`;
        return null;
      });
      if (view === undefined) t.detail = 'the registrar does not know this election (yet)';
      else if (view !== null) {
        const checked = checkElectionView(view);
        if (!isProblem(checked)) {
          const chosen = this.config.HANPYO_OBSERVER_DISTRICTS;
          if (chosen.length === 0) return { election: checked, followed: undefined };
          const followed = followedPartitions(checked.manifest, view.partitionLayout, chosen);
          if (!('error' in followed)) {
            if (followed.unknown.length > 0) {
              this.logger.warn('observer: chosen districts not in this election, ignored', {
                election: electionId,
                districts: followed.unknown,
              });
            }
            return { election: checked, followed };
          }
          t.phase = 'stopped';
          t.detail = `cannot follow the chosen districts: ${followed.error}`;
          this.logger.error('observer: cannot follow the chosen districts', {
            election: electionId,
            reason: followed.error,
          });
          return undefined;
        }
        if (checked.kind === 'invalid') {
          t.phase = 'stopped';
          t.detail = `${checked.code}: ${checked.message}`;
          this.divergences.inc({ election: electionId, code: checked.code });
          this.logger.error('OBSERVER ALARM: the election cannot be verified', {
            alarm: 'hanpyo.observer.divergence',
            election: electionId,
            code: checked.code,
            reason: checked.message,
          });
          return undefined;
        }
        t.detail = checked.message;
      }
      await this.sleep(this.config.HANPYO_OBSERVER_TICK_MS);
    }
  }

  private async observe(
    electionId: string,
    election: CheckedElection,
    followed: FollowedPartitions | undefined,
    t: Tracked,
  ): Promise<void> {
    // A replay of some districts cannot vouch for the whole block: district mode never cosigns.
    const keyProblem = followed
      ? `following districts ${followed.districts.join(', ')} only (partitions ${followed.partitions.join(', ')})`
      : this.witness.problemWith(election.manifest);
    t.cosigning = keyProblem === undefined;
    if (keyProblem) {
      this.logger.warn('observer: verifying without cosigning', {
        election: electionId,
        reason: keyProblem,
      });
    }
    const saved = await this.checkpoints.load(electionId);
    const checkpoint = saved === undefined ? undefined : checkpointSchema.parse(saved);
    const observer = new ElectionObserver(
      election.manifest,
      election.manifestHash,
      election.genesisHash,
      checkpoint,
      followed ? { districts: followed.districts } : {},
    );
    t.observer = observer;
    this.resumedFrom.set({ election: electionId }, observer.height);
    this.height.set({ election: electionId }, observer.height);
    this.diverged.set({ election: electionId }, observer.checkpoint().divergedAt === null ? 0 : 1);
    this.logger.info(
      checkpoint ? 'observer: resumed from checkpoint' : 'observer: starting from block 1',
      { election: electionId, height: observer.height, cosigning: t.cosigning },
    );
    if (observer.complete) {
      // Resumed after the final block: its cosignature may still wait for publication (tick).
      this.finish(electionId, observer, t);
      return;
    }
    await this.pool.addElection(
      electionId,
      election.manifest,
      election.jointPublicKey,
      followed?.districts,
    );
    const follower = await this.kafka.follow(
      electionId,
      observer.blocksOffset,
      observer.offsets,
      followed?.partitions,
    );
    const partitions = followed ? new Set(followed.partitions) : undefined;
    // Heights, not offsets, order the chain: duplicates and strays are judged here.
    const sequence = new BlockSequence(election.manifest, sha256, {
      height: observer.height,
      ...(observer.lastBlockDigest !== undefined ? { lastDigest: observer.lastBlockDigest } : {}),
    });
    t.follower = follower;
    t.phase = 'following';
    t.detail = null;
    await this.publishPending(electionId, observer, t);

    // Blocks are taken from Kafka one after another (their cuts consume the board in order); each
    // one's ballots start checking at once, so up to LOOKAHEAD blocks are checked in parallel.
    // After the final block nothing more comes: the blocks still being prepared give up.
    const stopped = () => this.stopping || observer.complete;
    let taken: Promise<unknown> = Promise.resolve();
    const prepare = (): Promise<Prepared> => {
      const records = taken.then(() => this.take(follower, sequence, stopped, partitions));
      taken = records.catch(() => undefined);
      return records.then(async (r) => ({
        signed: r.signed,
        offset: r.offset,
        digest: r.digest,
        skipped: r.skipped,
        expected: r.expected,
        checked: r.records.length ? await this.pool.check(electionId, r.records) : [],
      }));
    };
    const queue: Promise<Prepared>[] = [];
    for (;;) {
      while (queue.length < LOOKAHEAD) {
        const p = prepare();
        p.catch(() => undefined);
        queue.push(p);
      }
      const next = await queue.shift()!;
      if (this.stopping) return;
      this.applySkipped(electionId, observer, next.skipped);
      if (!next.signed) return; // stopped while waiting for a block
      await this.verifyBlock(electionId, observer, next, t);
      if (observer.complete) {
        // The final block: nothing follows it, so the board and blocks are not polled any more.
        await follower.stop();
        t.follower = undefined;
        this.finish(electionId, observer, t);
        return;
      }
    }
  }

  /** The election's chain is replayed to its final block: nothing more to read. */
  private finish(electionId: string, observer: ElectionObserver, t: Tracked): void {
    t.phase = 'finished';
    t.lag = 0;
    this.lag.set({ election: electionId }, 0);
    t.detail = `final block ${observer.height} replayed; nothing more to follow`;
    this.logger.info('observer: final block replayed; stopped reading the election', {
      election: electionId,
      height: observer.height,
    });
  }

  /**
   * Takes the next block of the chain (by height: duplicates and strays before it are returned as
   * skipped) and the board messages of its cuts (of `partitions` only, if given).
   */
  private async take(
    follower: ElectionFollower,
    sequence: BlockSequence,
    stopped: () => boolean,
    partitions: ReadonlySet<number> | undefined,
  ): Promise<{
    signed: SignedBlock | undefined;
    offset: number;
    digest: string;
    skipped: Skipped[];
    records: BoardRecord[];
    expected: number;
  }> {
    const skipped: Skipped[] = [];
    for (;;) {
      const message = await follower.nextBlock(stopped);
      if (!message)
        return { signed: undefined, offset: 0, digest: '', skipped, records: [], expected: 0 };
      const decision = sequence.offer(message.value);
      if (decision.kind !== 'next') {
        skipped.push({ offset: message.offset, decision });
        continue;
      }
      const signed = decision.signed;
      const records: BoardRecord[] = [];
      let expected = 0;
      for (const cut of signed.block.cuts) {
        if (partitions && !partitions.has(cut.partition)) continue;
        expected += Math.max(0, cut.toOffset - cut.fromOffset);
        records.push(
          ...(await follower.take(cut.partition, cut.fromOffset, cut.toOffset, stopped)),
        );
      }
      return {
        signed,
        offset: message.offset,
        digest: sequence.digestAt(signed.block.height) ?? '',
        skipped,
        records,
        expected,
      };
    }
  }

  /**
   * Counts and records the blocks-topic messages skipped before a block: a duplicate is counted
   * only; a conflicting, unsigned, malformed or out-of-order one is a divergence alarm too, but
   * the chain replayed is unchanged, so cosigning goes on.
   */
  private applySkipped(
    electionId: string,
    observer: ElectionObserver,
    skipped: readonly Skipped[],
  ): void {
    for (const { offset, decision } of skipped) {
      if (decision.kind === 'duplicate') {
        observer.skippedBlock(offset, decision.known ? 'duplicate' : 'replayed_before');
        if (decision.known) {
          this.skippedBlocks.inc({ election: electionId, reason: 'duplicate' });
          this.logger.info('observer: skipped a byte-identical duplicate of a replayed block', {
            election: electionId,
            height: decision.height,
            blocksOffset: offset,
          });
        }
        continue;
      }
      const divergence: Divergence = {
        height: decision.height,
        code: decision.code,
        message: `${decision.message} (blocks-topic offset ${offset}; skipped, the chain goes on)`,
      };
      this.skippedBlocks.inc({ election: electionId, reason: decision.code });
      this.divergences.inc({ election: electionId, code: decision.code });
      observer.skippedBlock(offset, decision.code, divergence);
      this.logger.error(
        'OBSERVER ALARM: a blocks-topic message that is no block of the chain, skipped; cosigning goes on',
        {
          alarm: 'hanpyo.observer.divergence',
          election: electionId,
          height: decision.height,
          code: decision.code,
          blocksOffset: offset,
          reason: decision.message,
        },
      );
    }
  }

  private async verifyBlock(
    electionId: string,
    observer: ElectionObserver,
    prepared: Prepared,
    t: Tracked,
  ): Promise<void> {
    const started = performance.now();
    const { block, signatures } = prepared.signed!;
    const verdict = observer.verify(block, signatures, prepared.checked, prepared.expected);
    observer.tookBlockMessage(prepared.offset, prepared.digest);
    const election = { election: electionId };
    this.blocksReplayed.inc(election);
    this.ballotsVerified.inc(election, verdict.ballots);
    this.height.set(election, verdict.height);
    if (verdict.refused.length > 0) this.refusedAlarm(electionId, verdict.height, verdict.refused);
    if (verdict.divergences.length > 0) {
      this.alarm(electionId, verdict.height, verdict.divergences);
      this.diverged.set(election, 1);
    } else {
      this.blocksVerified.inc(election);
    }
    const cosign = verdict.cosign && t.cosigning;
    if (cosign) {
      const s = signBlockHash(verdict.blockHash, this.witness.key);
      observer.addUnpublished({
        height: verdict.height,
        blockHash: verdict.blockHash,
        signature: s.signature,
      });
    }
    await this.save(electionId, observer, t);
    this.logBlock(electionId, verdict, cosign, performance.now() - started);
    this.blockSeconds.observe(election, (performance.now() - started) / 1000);
    await this.publishPending(electionId, observer, t);
  }

  private logBlock(electionId: string, v: BlockVerdict, cosigned: boolean, ms: number): void {
    this.logger.info('observer: block replayed', {
      election: electionId,
      height: v.height,
      blockHash: v.blockHash,
      ballots: v.ballots,
      divergences: v.divergences.length,
      refused: v.refused.length,
      cosigned,
      ms: Math.round(ms),
    });
  }

  /** Counts and logs a block's divergences as alarms (bounded lines per block). */
  private alarm(electionId: string, height: number, divergences: readonly Divergence[]): void {
    for (const d of divergences) this.divergences.inc({ election: electionId, code: d.code });
    this.alarmLines('error', 'hanpyo.observer.divergence', electionId, height, divergences, {
      one: 'divergence, block not cosigned',
      more: 'more divergences in the block',
      fields: (d) => ({
        height: d.height,
        code: d.code,
        districtId: d.districtId ?? null,
        partition: d.partition ?? null,
        offset: d.offset ?? null,
        reason: d.message,
      }),
    });
  }

  /**
   * Counts and logs a block's refused entries (bounded lines per block). Each is an alarm — someone
   * wrote to the board what no voter cast, or cast too late — but the block is still cosigned: the
   * ledger is right to log the entries, and the counting rules leave them out.
   */
  private refusedAlarm(electionId: string, height: number, refused: readonly RefusedEntry[]): void {
    for (const r of refused) this.refusedEntries.inc({ election: electionId, rule: r.rule });
    this.alarmLines('warn', 'hanpyo.observer.refused_entry', electionId, height, refused, {
      one: 'refused board entry, never counted',
      more: 'more refused entries in the block',
      fields: (r) => ({
        height: r.height,
        partition: r.partition,
        offset: r.offset,
        districtId: r.districtId ?? null,
        rule: r.rule,
        code: r.code,
        reason: r.message,
      }),
    });
  }

  /** One structured alarm line per item, at most LOGGED_PER_BLOCK, then one line for the rest. */
  private alarmLines<T>(
    level: 'error' | 'warn',
    alarm: string,
    electionId: string,
    height: number,
    items: readonly T[],
    text: { one: string; more: string; fields: (item: T) => Record<string, unknown> },
  ): void {
    for (const item of items.slice(0, LOGGED_PER_BLOCK)) {
      this.logger[level](`OBSERVER ALARM: ${text.one}`, {
        alarm,
        election: electionId,
        ...text.fields(item),
      });
    }
    if (items.length > LOGGED_PER_BLOCK) {
      this.logger[level](`OBSERVER ALARM: ${text.more}`, {
        alarm,
        election: electionId,
        height,
        more: items.length - LOGGED_PER_BLOCK,
      });
    }
  }

  /** Posts the cosignatures the ledger has not accepted yet; keeps them on failure. */
  private async publishPending(
    electionId: string,
    observer: ElectionObserver,
    t: Tracked,
  ): Promise<void> {
    const pending = observer.checkpoint().unpublished;
    if (pending.length === 0 || t.publishing) return;
    t.publishing = true;
    try {
      await this.publish(electionId, observer, pending);
    } finally {
      t.publishing = false;
    }
    await this.save(electionId, observer, t);
  }

  /** Saves the checkpoint; writes of one election never overlap. */
  private save(electionId: string, observer: ElectionObserver, t: Tracked): Promise<void> {
    const write = t.saving.then(() => this.checkpoints.save(electionId, observer.checkpoint()));
    t.saving = write.catch(() => undefined);
    return write;
  }

  private async publish(
    electionId: string,
    observer: ElectionObserver,
    pending: readonly { height: number; signature: string }[],
  ): Promise<void> {
    for (const u of pending) {
      try {
        const outcome = await this.ledger.cosign(electionId, u.height, {
          keyId: this.witness.key.keyId,
          signature: u.signature,
        });
        if (outcome.accepted) {
          observer.published(u.height);
          this.cosignatures.inc({ election: electionId });
        } else if (outcome.status >= 500 || outcome.code === 'BLOCK_NOT_FOUND') {
          return; // the ledger's replica is behind or unavailable: try again later
        } else {
          // The ledger refuses it for good (e.g. another block under that height): say so.
          observer.published(u.height);
          this.logger.error('observer: the ledger refused a cosignature', {
            election: electionId,
            height: u.height,
            status: outcome.status,
            code: outcome.code,
          });
        }
      } catch (e) {
        this.logger.warn('observer: cannot reach the ledger; cosignature kept for later', {
          election: electionId,
          height: u.height,
          error: e instanceof Error ? e.message : String(e),
        });
        return;
      }
    }
  }

  /** Lag, and cosignatures left unpublished while the ledger was unreachable. */
  private async tick(): Promise<void> {
    if (this.config.HANPYO_OBSERVER_ELECTIONS.length === 0) {
      try {
        for (const id of await this.kafka.electionsWithBlocks()) this.track(id);
      } catch (e) {
        this.logger.debug('observer: elections not discovered this time', {
          error: e instanceof Error ? e.message : String(e),
        });
      }
    }
    for (const [electionId, t] of this.tracked) {
      if ((t.phase !== 'following' && t.phase !== 'finished') || !t.observer) continue;
      try {
        await this.publishPending(electionId, t.observer, t);
        if (t.phase === 'finished') continue;
        const end = await this.kafka.blocksEnd(electionId);
        t.lag = Math.max(0, end - t.observer.blocksOffset);
        this.lag.set({ election: electionId }, t.lag);
      } catch (e) {
        // Lag unknown this time; readiness reports Kafka.
        this.logger.debug('observer: lag not measured', {
          election: electionId,
          error: e instanceof Error ? e.message : String(e),
        });
      }
    }
  }
}

/** SHA-256 (hex) of a blocks-topic message: what "byte-identical" compares. */
function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
