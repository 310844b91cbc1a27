// The tally (SPEC §9): after the ledger's final block, the counted set and the per-district,
// per-option aggregates, streamed partition by partition over the board; trustees' partial
// decryptions verified on arrival; combination by the first `threshold` trustees and the counts.
//
// Trustees do not authenticate with a credential: each share carries a Chaum–Pedersen proof
// against the trustee's public share P_i (computable by anyone from the ceremony record), which
// only the holder of s_i can make. A submission is therefore accepted from anyone, and only if
// every one of its proofs verifies.
import { Inject, Injectable } from '@nestjs/common';
import { ContractError, parseEncryptedBallot } from '@hanpyo/contracts';
import type { Block, CeremonyRecord, Manifest, TallyDistrict } from '@hanpyo/contracts';
import {
  IDENTITY,
  combinePartialDecryptions,
  discreteLog,
  electionContext,
  fromBase64url,
  group,
  isIdentity,
  pointFromText,
  pointToText,
  publicShare,
  scalarFromText,
  trackingCode,
  checkBallot,
  verifyPartialDecryption,
} from '@hanpyo/crypto';
import { initFastestBackend } from '@hanpyo/crypto-native';
import type { ElectionContext, Point } from '@hanpyo/crypto';
import { boardRanges } from '@hanpyo/cassandra';
import { compareUtf8 } from '@hanpyo/ledger';
import { ApiError, CLOCK, JsonLogger } from '@hanpyo/service-kit';
import type { Clock } from '@hanpyo/service-kit';
import { ElectionsService } from './elections.service.js';
import { TallyRepository } from './tally.repository.js';

/** Aggregates of one option (SPEC §9). */
export interface OptionAggregate {
  readonly optionId: string;
  readonly A: string;
  readonly B: string;
}

/** One district's aggregates, as published at GET …/tally/aggregates. */
export interface DistrictAggregates {
  readonly districtId: string;
  readonly counted: number;
  readonly contests: { contestId: string; options: OptionAggregate[] }[];
}

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
  /** The last aggregation attempt's failure in this process, if any. */
  readonly error?: string;
}

const KEY = (d: string, c: string, o: string) => `${d}\u0000${c}\u0000${o}`;

/** One voter's chosen ballot inside a partition: its district and its selections' ciphertexts. */
interface Chosen {
  readonly districtId: string;
  readonly selections: [string, string, string][];
}

@Injectable()
export class TallyService {
  private readonly jobs = new Map<string, Promise<void>>();
  private readonly failures = new Map<string, string>();
  private cryptoReady: Promise<unknown> | undefined;

  constructor(
    @Inject(ElectionsService) private readonly elections: ElectionsService,
    @Inject(TallyRepository) private readonly repository: TallyRepository,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

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
      const job = this.aggregate(election.manifest, election.ceremony!, block)
        .catch((e: unknown) => {
          this.failures.set(electionId, (e as Error).message);
          this.logger.error('tally aggregation failed', {
            electionId,
            error: (e as Error).message,
          });
        })
        .finally(() => this.jobs.delete(electionId));
      this.jobs.set(electionId, job);
    }
    return this.status(electionId);
  }

  async status(electionId: string): Promise<TallyStatusView> {
    const election = await this.elections.view(electionId);
    const row = await this.repository.tally(electionId);
    const error = this.failures.get(electionId);
    return {
      status: row?.status ?? 'none',
      finalHeight: row?.finalHeight ?? null,
      threshold: election.manifest.trustees.threshold,
      trustees: row?.trustees ?? [],
      trusteesUsed: row?.trusteesUsed ?? [],
      ...(error !== undefined ? { error } : {}),
    };
  }

  /** Waits for this process's aggregation job of the election, if one runs (tests, shutdown). */
  async settled(electionId: string): Promise<void> {
    await this.jobs.get(electionId);
  }

  /**
   * Streams the board partition by partition up to the final block's cuts. One voter's ballots
   * share a partition (SPEC §9), so the counted set is decided per partition and memory is bounded
   * by one partition's voters plus the per-option sums.
   */
  private async aggregate(manifest: Manifest, ceremony: CeremonyRecord, block: Block) {
    // The fastest backend this process can load (native libsodium, else WASM): the same bytes.
    this.cryptoReady ??= initFastestBackend();
    await this.cryptoReady;
    const electionId = manifest.electionId;
    const election = electionContext(manifest, pointFromText(ceremony.jointPublicKey));
    await this.repository.start(electionId, block.height);
    const g = group();
    const add = (a: Point, b: Point) => (isIdentity(a) ? b : isIdentity(b) ? a : g.add(a, b));
    const sums = new Map<string, [Point, Point]>();
    const counted = new Map<string, number>();
    for (const cut of block.cuts) {
      const chosen = new Map<string, Chosen>();
      for (const [from, to] of boardRanges(0, cut.toOffset)) {
        const rows = await this.repository.boardRange(electionId, cut.partition, from, to);
        for (const row of rows) {
          // Dead-letter placeholders hold an offset but no entry (docs/storage.md).
          if (row.trackingCode === null || row.ballot === null) continue;
          const voter = this.validBallot(election, row.ballot, row.trackingCode, (nullifier) =>
            manifest.revotePolicy === 'first' ? !chosen.has(nullifier) : true,
          );
          if (voter) chosen.set(voter.nullifier, voter.chosen);
        }
      }
      for (const { districtId, selections } of chosen.values()) {
        counted.set(districtId, (counted.get(districtId) ?? 0) + 1);
        for (const [key, alpha, beta] of selections) {
          const [A, B] = sums.get(key) ?? [IDENTITY, IDENTITY];
          sums.set(key, [add(A, fromBase64url(alpha, 32)), add(B, fromBase64url(beta, 32))]);
        }
      }
    }
    for (const d of manifest.districts) {
      const style = election.styles.get(d.ballotStyleId)!;
      const contests = style.contestIds.map((contestId) => ({
        contestId,
        options: election.contests.get(contestId)!.options.map((o) => {
          const [A, B] = sums.get(KEY(d.districtId, contestId, o.optionId)) ?? [IDENTITY, IDENTITY];
          return { optionId: o.optionId, A: pointToText(A), B: pointToText(B) };
        }),
      }));
      await this.repository.putAggregates(
        electionId,
        d.districtId,
        counted.get(d.districtId) ?? 0,
        JSON.stringify(contests),
      );
    }
    await this.repository.markAggregated(electionId, this.clock.now());
    this.logger.info('tally aggregated', { electionId, finalHeight: block.height });
  }

  /**
   * The entry's voter and ciphertexts when its ballot is valid (SPEC §5 proofs, ids, and the
   * stated tracking code is the ballot's); undefined when invalid or when `wanted` says the
   * voter's choice is already made (policy "first": skip the proofs of later ballots).
   */
  private validBallot(
    election: ElectionContext,
    text: string,
    stated: string,
    wanted: (nullifier: string) => boolean,
  ): { nullifier: string; chosen: Chosen } | undefined {
    let ballot;
    try {
      ballot = parseEncryptedBallot(JSON.parse(text));
    } catch (e) {
      if (e instanceof SyntaxError || e instanceof ContractError) return undefined;
      throw e;
    }
    if (!wanted(ballot.nullifier)) return undefined;
    if (trackingCode(ballot) !== stated) return undefined;
    if (checkBallot(election, ballot).length > 0) return undefined;
    return {
      nullifier: ballot.nullifier,
      chosen: {
        districtId: ballot.districtId,
        selections: ballot.contests.flatMap((c) =>
          c.selections.map(
            (s) =>
              [KEY(ballot.districtId, c.contestId, s.optionId), s.alpha, s.beta] as [
                string,
                string,
                string,
              ],
          ),
        ),
      },
    };
  }

  /** The published aggregates; 404 TALLY_NOT_FOUND until aggregated. */
  async aggregates(electionId: string): Promise<{ districts: DistrictAggregates[] }> {
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
          contests: JSON.parse(r.aggregates) as DistrictAggregates['contests'],
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
    await this.combineIfReady(electionId);
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
              if (!s) throw new Error(`trustee ${trustee} has no stored share of ${d.districtId}`);
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
    const p = Number(partition);
    const from = Number(fromText ?? 0);
    const to = Number(toText);
    if (![p, from, to].every((n) => Number.isSafeInteger(n) && n >= 0) || to <= from) {
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
        })),
      next: range![1] < to ? range![1] : null,
    };
  }
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
