// The tally (SPEC §9): after the ledger's final block, the counted set and the per-district,
// per-option aggregates, streamed partition by partition over the board; trustees' partial
// decryptions verified on arrival; combination by the first `threshold` trustees and the counts.
//
// A submission needs the registrar's tally credential (docs/security.md, "Access control"), and
// each share carries a Chaum–Pedersen proof against the trustee's public share P_i (computable by
// anyone from the ceremony record), which only the holder of s_i can make: it is accepted only if
// every one of its proofs verifies.
//
// A tally can always be retried or reset (issue 12): a failed aggregation is retried by starting
// again; a combination whose counts do not decode is kept as TALLY_DECODE_FAILED until a reset,
// which deletes the tally's rows (with its reason in the audit log) so it starts again with a new
// trustee set. Only a complete tally (TALLY_COMPLETE) or a running one (TALLY_RUNNING) is kept.
import { Inject, Injectable } from '@nestjs/common';
import { parseDecimal } from '@hanpyo/contracts';
import type { Block, CeremonyRecord, Manifest, TallyDistrict } from '@hanpyo/contracts';
import {
  combinePartialDecryptions,
  discreteLog,
  electionContext,
  pointFromText,
  publicShare,
  scalarFromText,
  verifyPartialDecryption,
} from '@hanpyo/crypto';
import { initFastestBackend } from '@hanpyo/crypto-native';
import { boardRanges } from '@hanpyo/cassandra';
import { countingOrder } from '@hanpyo/counting';
import type { DistrictAggregate } from '@hanpyo/counting';
import { compareUtf8 } from '@hanpyo/ledger';
import { ApiError, CLOCK, JsonLogger, Metrics } from '@hanpyo/service-kit';
import { podCores } from '@hanpyo/worker-pool';
import type { Clock } from '@hanpyo/service-kit';
import { ElectionsService } from './elections.service.js';
import { CONFIG } from './config.js';
import type { RegistrarConfig } from './config.js';
import { TallyPool } from './tally-pool.js';
import type { StoredRow } from './tally-pool.js';
import { TallyRepository } from './tally.repository.js';

/** One partial decryption as a trustee submits it. */
export interface SubmittedShare {
  readonly districtId: string;
  readonly contestId: string;
  readonly optionId: string;
  readonly D: string;
  readonly c: string;
  readonly z: string;
}

/** What GET …/tally/status answers. */
export interface TallyStatusView {
  readonly status: 'none' | 'aggregating' | 'aggregated' | 'complete';
  readonly finalHeight: number | null;
  readonly threshold: number;
  readonly trustees: number[];
  readonly trusteesUsed: number[];
  /** The last aggregation attempt's failure in this process, if any, and its code. */
  readonly error?: string;
  readonly errorCode?: string;
  /**
   * This process's last aggregation of the election: entries whose verdict was stored while the
   * election ran, and rows judged during the tally itself (services/registrar/README.md, "Judging
   * while voting runs").
   */
  readonly verdicts?: { readonly prejudged: number; readonly judged: number };
}

const KEY = (d: string, c: string, o: string) => `${d}\u0000${c}\u0000${o}`;

/** Why a tally cannot be computed from the board; stable codes (docs/errors.md). */
export type TallyErrorCode = 'BOARD_INCOMPLETE' | 'NULLIFIER_DISTRICTS';

/** A tally refused for what the board holds: it stays `aggregating`, with the code in its status. */
export class TallyError extends Error {
  constructor(
    readonly code: TallyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

@Injectable()
export class TallyService {
  /**
   * What an operator alerts on (deploy/k8s PrometheusRule HanpyoTallyStalled, HanpyoTallyFailed):
   * aggregations running in this process, board rows they have read, and the ones that failed,
   * by code (TallyError codes and TALLY_FAILED: a bounded set).
   */
  private readonly running: ReturnType<Metrics['gauge']>;
  private readonly rowsRead: ReturnType<Metrics['counter']>;
  private readonly failed: ReturnType<Metrics['counter']>;
  private readonly jobs = new Map<string, Promise<void>>();
  private readonly failures = new Map<string, { code: string; message: string }>();
  private readonly verdicts = new Map<string, { prejudged: number; judged: number }>();
  private cryptoReady: Promise<unknown> | undefined;

  constructor(
    @Inject(ElectionsService) private readonly elections: ElectionsService,
    @Inject(TallyRepository) private readonly repository: TallyRepository,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONFIG) private readonly config: RegistrarConfig,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.running = metrics.gauge(
      'hanpyo_registrar_tally_running',
      'Tally aggregations running in this process',
    );
    this.rowsRead = metrics.counter(
      'hanpyo_registrar_tally_rows_read_total',
      'Board rows read by tally aggregations (their progress)',
    );
    this.failed = metrics.counter(
      'hanpyo_registrar_tally_failures_total',
      'Tally aggregations that failed, by code',
      ['code'],
    );
  }

  /** Starts the aggregation (idempotent); 409 ELECTION_STATE until the final block exists. */
  async start(electionId: string): Promise<TallyStatusView> {
    const election = await this.elections.view(electionId);
    const stored = await this.repository.latestBlock(electionId);
    // The ledger wrote and validated the block; the registrar only reads its cuts and `final`.
    const block = stored ? (JSON.parse(stored.block) as Block) : undefined;
    if (!block?.final) {
      throw new ApiError(
        'ELECTION_STATE',
        `election '${electionId}' has no final block yet; the tally starts after the ledger's final block`,
      );
    }
    const row = await this.repository.tally(electionId);
    if ((!row || row.status === 'aggregating') && !this.jobs.has(electionId)) {
      this.failures.delete(electionId);
      // A retry: the earlier attempt's stored failure goes before the answer reports the status.
      if (row) await this.repository.markStarted(electionId, this.clock.now());
      this.running.inc();
      const job = this.aggregate(election.manifest, election.ceremony!, block)
        .catch(async (e: unknown) => {
          const code = e instanceof TallyError ? e.code : 'TALLY_FAILED';
          this.failed.inc({ code });
          this.failures.set(electionId, { code, message: (e as Error).message });
          this.logger.error('tally aggregation failed', {
            electionId,
            code,
            error: (e as Error).message,
          });
          // Kept in the row too, so every replica sees the tally as failed, not running.
          await this.repository
            .markFailed(electionId, code, (e as Error).message)
            .catch(() => undefined);
        })
        .finally(() => {
          this.running.dec();
          this.jobs.delete(electionId);
        });
      this.jobs.set(electionId, job);
    }
    return this.status(electionId);
  }

  async status(electionId: string): Promise<TallyStatusView> {
    const election = await this.elections.view(electionId);
    const [row, retry] = await Promise.all([
      this.repository.tally(electionId),
      this.repository.retryState(electionId),
    ]);
    const stored =
      retry?.failureCode != null
        ? { code: retry.failureCode, message: retry.failureMessage ?? retry.failureCode }
        : undefined;
    const error = this.failures.get(electionId) ?? stored;
    const verdicts = this.verdicts.get(electionId);
    return {
      status: row?.status ?? 'none',
      finalHeight: row?.finalHeight ?? null,
      threshold: election.manifest.trustees.threshold,
      trustees: row?.trustees ?? [],
      trusteesUsed: row?.trusteesUsed ?? [],
      ...(error !== undefined ? { error: error.message, errorCode: error.code } : {}),
      ...(verdicts !== undefined ? { verdicts } : {}),
    };
  }

  /** Waits for this process's aggregation job of the election, if one runs (tests, shutdown). */
  async settled(electionId: string): Promise<void> {
    await this.jobs.get(electionId);
  }

  /**
   * Streams the board up to the final block's cuts through the counting core (@hanpyo/counting) on
   * every core (tally-pool.ts): each entry is judged by SPEC §6 (only authorized entries count) and
   * its ballot checked on a worker thread, and offered to the one counted set in its counting order
   * (board order for "first", reverse for "last"). Memory: a few pages of rows per thread, the sums,
   * and one small slot per voter.
   */
  private async aggregate(manifest: Manifest, ceremony: CeremonyRecord, block: Block) {
    // The fastest backend this process can load (native libsodium, else WASM): the same bytes.
    this.cryptoReady ??= initFastestBackend();
    await this.cryptoReady;
    const electionId = manifest.electionId;
    await this.repository.start(electionId, block.height);
    await this.repository.markStarted(electionId, this.clock.now());
    const entries = block.cuts.reduce((n, c) => n + c.toOffset, 0);
    const pool = new TallyPool(this.config.HANPYO_REGISTRAR_TALLY_THREADS ?? podCores());
    let aggregation;
    try {
      aggregation = await pool.aggregate(
        manifest,
        ceremony.jointPublicKey,
        this.pages(manifest, block),
        { expectedVoters: Math.min(entries, 1 << 20) },
      );
    } finally {
      await pool.close();
    }
    const { pass, prejudged, judged } = aggregation;
    this.verdicts.set(electionId, { prejudged, judged });
    if (pass.conflictTotal > 0) {
      const first = pass.conflicts[0]!;
      throw new TallyError(
        'NULLIFIER_DISTRICTS',
        `${pass.conflictTotal} voter(s) have authorized entries in two districts (SPEC §9: such a record is invalid), e.g. nullifier ${first.nullifier} in ${first.districts.join(' and ')}; nothing is counted`,
      );
    }
    for (const d of pass.aggregates.districts(manifest)) {
      await this.repository.putAggregates(
        electionId,
        d.districtId,
        d.counted,
        JSON.stringify(d.contests),
      );
    }
    await this.repository.markAggregated(electionId, this.clock.now());
    this.logger.info('tally aggregated', {
      electionId,
      finalHeight: block.height,
      counted: pass.counted,
      refused: pass.refused,
      prejudged,
      judged,
    });
  }

  /**
   * The board up to the final block's cuts, as pages of stored rows in the policy's counting order
   * (board order for "first", its reverse for "last"), each row with the verdict stored for its
   * place while the election ran, if any. Before a page is used, every offset of it must be stored
   * (entries and dead-letter placeholders), so a missing row fails the tally instead of
   * undercounting it.
   */
  private async *pages(manifest: Manifest, block: Block): AsyncGenerator<StoredRow[]> {
    const electionId = manifest.electionId;
    const reverse = countingOrder(manifest.revotePolicy) === 'reverse';
    const cuts = [...block.cuts].sort((a, b) => a.partition - b.partition);
    if (reverse) cuts.reverse();
    for (const cut of cuts) {
      const ranges = boardRanges(0, cut.toOffset);
      if (reverse) ranges.reverse();
      for (const [from, to] of ranges) {
        const [board, verdicts] = await Promise.all([
          this.repository.boardRange(electionId, cut.partition, from, to),
          this.repository.verdictRange(electionId, cut.partition, from, to),
        ]);
        if (board.length !== to - from) {
          throw new TallyError(
            'BOARD_INCOMPLETE',
            `partition ${cut.partition} has ${board.length} stored rows in offsets ${from}..${to - 1}, the final block covers ${to - from}: the board store is missing entries, so nothing is counted`,
          );
        }
        const rows: StoredRow[] = board.map((r) => {
          const v = verdicts.get(r.offset);
          return v ? { ...r, judged: { digest: v.digest, verdict: v.verdict } } : r;
        });
        if (reverse) rows.reverse();
        this.rowsRead.inc(rows.length);
        yield rows;
      }
    }
  }

  /** The published aggregates; 404 TALLY_NOT_FOUND until aggregated. */
  async aggregates(electionId: string): Promise<{ districts: DistrictAggregate[] }> {
    const row = await this.repository.tally(electionId);
    if (!row || row.status === 'aggregating') {
      throw new ApiError(
        'TALLY_NOT_FOUND',
        `the aggregates of '${electionId}' are not published yet`,
      );
    }
    const rows = await this.repository.districts(electionId);
    return {
      districts: rows
        .sort((a, b) => compareUtf8(a.districtId, b.districtId))
        .map((r) => ({
          districtId: r.districtId,
          counted: r.counted,
          contests: JSON.parse(r.aggregates) as DistrictAggregate['contests'],
        })),
    };
  }

  /**
   * Verifies a trustee's whole submission (one share per option of every district) against P_i and
   * stores it; any missing, extra, undecodable or failing share rejects all of it with
   * DECRYPTION_SHARE_INVALID naming the first. Re-submitting after acceptance changes nothing.
   */
  async submitShares(
    electionId: string,
    body: unknown,
  ): Promise<{ trustee: number; accepted: true; alreadySubmitted: boolean; status: string }> {
    const election = await this.elections.view(electionId);
    const { trustee, shares } = parseSubmission(body, election.manifest.trustees.count);
    const row = await this.repository.tally(electionId);
    if (!row || row.status === 'aggregating') {
      throw new ApiError(
        'ELECTION_STATE',
        `the aggregates of '${electionId}' are not published yet; run the tally first`,
      );
    }
    const retry = await this.repository.retryState(electionId);
    if (retry?.failureCode === 'TALLY_DECODE_FAILED') throw decodeFailed(electionId, retry);
    if (row.trustees.includes(trustee)) {
      return { trustee, accepted: true, alreadySubmitted: true, status: row.status };
    }
    const ceremony = election.ceremony!;
    const { Q } = electionContext(election.manifest, pointFromText(ceremony.jointPublicKey));
    const P = publicShare(ceremony, trustee);
    const { districts } = await this.aggregates(electionId);
    const byKey = new Map<string, SubmittedShare>();
    for (const s of shares) {
      const key = KEY(s.districtId, s.contestId, s.optionId);
      if (byKey.has(key)) throw shareInvalid(trustee, s, 'submitted twice');
      byKey.set(key, s);
    }
    const accepted = new Map<string, unknown[]>();
    for (const d of districts) {
      const out: unknown[] = [];
      for (const c of d.contests) {
        for (const o of c.options) {
          const key = KEY(d.districtId, c.contestId, o.optionId);
          const s = byKey.get(key);
          const where = { districtId: d.districtId, contestId: c.contestId, optionId: o.optionId };
          if (!s) throw shareInvalid(trustee, where, 'missing');
          byKey.delete(key);
          let ok: boolean;
          try {
            ok = verifyPartialDecryption(Q, P, pointFromText(o.A, { allowIdentity: true }), {
              trustee,
              D: pointFromText(s.D, { allowIdentity: true }),
              c: scalarFromText(s.c),
              z: scalarFromText(s.z),
            });
          } catch (e) {
            throw shareInvalid(
              trustee,
              where,
              `does not decode (${(e as { code?: string }).code ?? 'ENCODING_INVALID'})`,
            );
          }
          // SPEC §9: U = z·G − c·P_i, V = z·A − c·D_i must hash back to c.
          if (!ok) throw shareInvalid(trustee, where, 'its decryption proof does not verify');
          out.push({ contestId: c.contestId, optionId: o.optionId, D: s.D, c: s.c, z: s.z });
        }
      }
      accepted.set(d.districtId, out);
    }
    const extra = byKey.values().next();
    if (!extra.done) throw shareInvalid(trustee, extra.value, 'not an option of the tally');
    for (const [districtId, out] of accepted) {
      await this.repository.putShares(electionId, trustee, districtId, JSON.stringify(out));
    }
    await this.repository.addTrustee(electionId, trustee);
    try {
      await this.combineIfReady(electionId);
    } catch (e) {
      // SPEC §9: a count outside [0, registeredVoters] (or a share that does not combine) means
      // the trustees' shares and the aggregates disagree. Kept until a reset, and reported.
      if ((e as { code?: unknown }).code !== 'DLOG_NOT_FOUND' && !(e instanceof CombineError))
        throw e;
      const message = `the counts do not decode with trustees ${(await this.repository.tally(electionId))?.trusteesUsed.join(', ')}: ${(e as Error).message}; reset the tally (POST …/tally/reset with a reason) to start again`;
      this.failed.inc({ code: 'TALLY_DECODE_FAILED' });
      await this.repository.markFailed(electionId, 'TALLY_DECODE_FAILED', message);
      this.logger.error('tally combination failed', { electionId, code: 'TALLY_DECODE_FAILED' });
      throw new ApiError('TALLY_DECODE_FAILED', message);
    }
    const after = await this.repository.tally(electionId);
    return {
      trustee,
      accepted: true,
      alreadySubmitted: false,
      status: after?.status ?? row.status,
    };
  }

  /**
   * Once `threshold` trustees are in: combines the first `threshold` by index (deterministic, so a
   * combination interrupted and re-run by another submission yields the same document).
   */
  private async combineIfReady(electionId: string): Promise<void> {
    const election = await this.elections.view(electionId);
    const t = election.manifest.trustees.threshold;
    let row = await this.repository.tally(electionId);
    if (row?.status !== 'aggregated') return;
    let used = row.trusteesUsed;
    if (used.length === 0) {
      if (row.trustees.length < t) return;
      used = row.trustees.slice(0, t);
      if (!(await this.repository.claimCombination(electionId, used))) {
        row = await this.repository.tally(electionId);
        if (row?.status !== 'aggregated') return;
        used = row.trusteesUsed;
      }
    }
    const shareMaps = await Promise.all(used.map((i) => this.repository.shares(electionId, i)));
    const registered = new Map(
      election.manifest.districts.map((d) => [d.districtId, d.registeredVoters]),
    );
    const { districts } = await this.aggregates(electionId);
    for (const d of districts) {
      const perTrustee = shareMaps.map(
        (m) =>
          new Map(
            (
              JSON.parse(m.get(d.districtId) ?? '[]') as (SubmittedShare & { contestId: string })[]
            ).map((s) => [`${s.contestId}\u0000${s.optionId}`, s]),
          ),
      );
      const result: TallyDistrict = {
        districtId: d.districtId,
        counted: d.counted,
        contests: d.contests.map((c) => ({
          contestId: c.contestId,
          options: c.options.map((o) => {
            const shares = used.map((trustee, k) => {
              const s = perTrustee[k]!.get(`${c.contestId}\u0000${o.optionId}`);
              if (!s)
                throw new CombineError(`trustee ${trustee} has no stored share of ${d.districtId}`);
              return { trustee, D: s.D, c: s.c, z: s.z };
            });
            // SPEC §9: B − Σ λ_i·D_i = count·G, count ∈ [0, registeredVoters].
            const M = combinePartialDecryptions(
              pointFromText(o.B, { allowIdentity: true }),
              shares.map((s) => ({
                trustee: s.trustee,
                D: pointFromText(s.D, { allowIdentity: true }),
              })),
            );
            return {
              optionId: o.optionId,
              A: o.A,
              B: o.B,
              shares,
              count: discreteLog(M, registered.get(d.districtId) ?? 0),
            };
          }),
        })),
      };
      await this.repository.putResult(electionId, d.districtId, JSON.stringify(result));
    }
    await this.repository.markComplete(electionId, this.clock.now());
    this.logger.info('tally complete', { electionId, trusteesUsed: used });
  }

  /**
   * Resets the tally so it can be started again with a new trustee set: {"reason"} (1–500
   * characters, kept in the audit log). Refused for a complete tally (TALLY_COMPLETE) and for one
   * aggregating now (TALLY_RUNNING: a job in this process, or a start within
   * HANPYO_REGISTRAR_TALLY_STALE_MS with no failure recorded, which may be another replica's).
   */
  async reset(
    electionId: string,
    body: unknown,
  ): Promise<{ status: 'none'; reset: boolean; previous: string }> {
    const reason = (body as { reason?: unknown } | null)?.reason;
    if (typeof reason !== 'string' || reason.trim().length === 0 || reason.length > 500) {
      throw new ApiError('REQUEST_INVALID', 'body must be {"reason": "1–500 characters"}');
    }
    const election = await this.elections.view(electionId);
    const retry = await this.repository.retryState(electionId);
    if (!retry) return { status: 'none', reset: false, previous: 'none' };
    if (retry.status === 'complete') throw tallyComplete(electionId);
    const startedAt = retry.startedAt?.getTime() ?? 0;
    const fresh =
      this.clock.now().getTime() - startedAt < this.config.HANPYO_REGISTRAR_TALLY_STALE_MS;
    if (
      this.jobs.has(electionId) ||
      (retry.status === 'aggregating' &&
        retry.failureCode === null &&
        fresh &&
        !this.failures.has(electionId))
    ) {
      throw new ApiError(
        'TALLY_RUNNING',
        `the tally of '${electionId}' is aggregating now (started ${retry.startedAt?.toISOString() ?? 'at an unknown time'}); reset it once it fails or after ${this.config.HANPYO_REGISTRAR_TALLY_STALE_MS / 1000} s without progress`,
      );
    }
    if (
      !(await this.repository.reset(electionId, retry.status, election.manifest.trustees.count))
    ) {
      const now = await this.repository.retryState(electionId);
      if (now?.status === 'complete') throw tallyComplete(electionId);
      throw new ApiError(
        'TALLY_RUNNING',
        `the tally of '${electionId}' changed meanwhile; try again`,
      );
    }
    this.failures.delete(electionId);
    this.verdicts.delete(electionId);
    this.logger.warn('tally reset', {
      electionId,
      previous: retry.status,
      failureCode: retry.failureCode,
    });
    return { status: 'none', reset: true, previous: retry.status };
  }

  /** The SPEC §10 tally document; 404 TALLY_NOT_FOUND until complete. */
  async tally(electionId: string) {
    const row = await this.repository.tally(electionId);
    if (row?.status !== 'complete') {
      throw new ApiError('TALLY_NOT_FOUND', `the tally of '${electionId}' is not complete`);
    }
    const rows = await this.repository.districts(electionId);
    return {
      trusteesUsed: row.trusteesUsed,
      districts: rows
        .sort((a, b) => compareUtf8(a.districtId, b.districtId))
        .map((r) => JSON.parse(r.result!) as TallyDistrict),
    };
  }

  /** A page of the board (export): entries of one partition in [from, to), placeholders skipped. */
  async board(electionId: string, partition: string, fromText: unknown, toText: unknown) {
    await this.elections.view(electionId);
    // Canonical decimals only: Number() would read "" as 0 and "1e3", "0x10" or "1.0" as numbers.
    const p = parseDecimal(partition);
    const from = fromText === undefined ? 0 : parseDecimal(fromText);
    const to = parseDecimal(toText);
    if (p === undefined || from === undefined || to === undefined || to <= from) {
      throw new ApiError(
        'REQUEST_INVALID',
        'use /board/{partition}?from=OFFSET&to=OFFSET with from < to',
      );
    }
    const [range] = boardRanges(from, to);
    const rows = await this.repository.boardRange(electionId, p, range![0], range![1]);
    return {
      entries: rows
        .filter((r) => r.trackingCode !== null && r.ballot !== null)
        .map((r) => ({
          partition: p,
          offset: r.offset,
          receivedAt: r.receivedAt!.toISOString(),
          trackingCode: r.trackingCode,
          ballot: JSON.parse(r.ballot!) as unknown,
          ...(r.token !== null ? { token: r.token } : {}),
          ...(r.castSignature !== null ? { castSignature: r.castSignature } : {}),
        })),
      next: range![1] < to ? range![1] : null,
    };
  }
}

/** A stored share is missing at combination: the tally's rows disagree (TALLY_DECODE_FAILED). */
class CombineError extends Error {}

function tallyComplete(electionId: string): ApiError {
  return new ApiError(
    'TALLY_COMPLETE',
    `the tally of '${electionId}' is complete and published; it is never reset`,
  );
}

function decodeFailed(electionId: string, retry: { failureMessage: string | null }): ApiError {
  return new ApiError(
    'TALLY_DECODE_FAILED',
    retry.failureMessage ?? `the counts of '${electionId}' do not decode; reset the tally`,
  );
}

function shareInvalid(
  trustee: number,
  where: { districtId: string; contestId: string; optionId: string },
  why: string,
): ApiError {
  return new ApiError(
    'DECRYPTION_SHARE_INVALID',
    `trustee ${trustee}: the share of district '${where.districtId}', contest '${where.contestId}', option '${where.optionId}' ${why}; nothing was stored`,
  );
}

function parseSubmission(
  body: unknown,
  trustees: number,
): { trustee: number; shares: SubmittedShare[] } {
  const b = body as { trustee?: unknown; shares?: unknown } | null;
  if (
    typeof b !== 'object' ||
    b === null ||
    !Number.isSafeInteger(b.trustee) ||
    (b.trustee as number) < 1 ||
    (b.trustee as number) > trustees ||
    !Array.isArray(b.shares)
  ) {
    throw new ApiError(
      'REQUEST_INVALID',
      `body must be {"trustee": 1..${trustees}, "shares": [{districtId, contestId, optionId, D, c, z}…]}`,
    );
  }
  b.shares.forEach((s: unknown, i) => {
    const x = s as Record<string, unknown> | null;
    if (
      typeof x !== 'object' ||
      x === null ||
      !['districtId', 'contestId', 'optionId', 'D', 'c', 'z'].every((k) => typeof x[k] === 'string')
    ) {
      throw new ApiError(
        'REQUEST_INVALID',
        `$.shares[${i}] must be {districtId, contestId, optionId, D, c, z} (strings)`,
      );
    }
  });
  return { trustee: b.trustee as number, shares: b.shares as SubmittedShare[] };
}
