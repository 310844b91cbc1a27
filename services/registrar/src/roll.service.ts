// The electoral roll (DESIGN.md: the registrar holds it; each voter in exactly one district). One
// import per election, before it opens, in batches that follow each other position by position: the
// registrar checks every row (a district of the manifest, no voter twice in a batch, no district
// past its registeredVoters), keeps a hash chain over the batches and commits the roll only when the
// chain is the digest the importer announced for the file it checked as a whole (no voter twice in
// the file). Rows are keyed by voter id, so the roll can never place one voter in two districts,
// and it cannot change once committed; tokens are issued only from a committed roll.
import { Inject, Injectable } from '@nestjs/common';
import { ContractError, parseDecimal, parseRollBatch } from '@hanpyo/contracts';
import { rollChainNext, rollChainStart } from '@hanpyo/crypto';
import type { RollImportRow, RollVoter } from '@hanpyo/cassandra';
import { ApiError, CLOCK } from '@hanpyo/service-kit';
import type { Clock } from '@hanpyo/service-kit';
import { ElectionsService } from './elections.service.js';
import { RollRepository } from './roll.repository.js';

/** What GET …/roll answers. */
export interface RollView {
  readonly status: 'none' | 'importing' | 'committed';
  readonly voters: number;
  readonly districts: Record<string, number>;
  readonly digest: string | null;
}

const HEX64 = /^[0-9a-f]{64}$/;

@Injectable()
export class RollService {
  constructor(
    @Inject(ElectionsService) private readonly elections: ElectionsService,
    @Inject(RollRepository) private readonly repository: RollRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async view(electionId: string): Promise<RollView> {
    await this.elections.view(electionId);
    return viewOf(await this.repository.importOf(electionId));
  }

  /**
   * Starts (or resumes) the election's roll import for the file whose chain digest is `digest`.
   * Resuming the same file answers where it stands; another file while one is in is ROLL_CONFLICT.
   */
  async start(electionId: string, body: unknown): Promise<RollView & { nextPosition: number }> {
    const election = await this.elections.view(electionId);
    const digest = (body as { digest?: unknown } | null)?.digest;
    if (typeof digest !== 'string' || !HEX64.test(digest))
      throw new ApiError('REQUEST_INVALID', 'body must be {"digest": 64 lowercase hex digits}');
    let row = await this.repository.importOf(electionId);
    if (!row) {
      if (election.state !== 'created' && election.state !== 'ready') {
        throw new ApiError(
          'ELECTION_STATE',
          `election '${electionId}' is ${election.state}; the roll is imported before it opens`,
        );
      }
      await this.repository.start(electionId, digest, rollChainStart(electionId), this.clock.now());
      row = await this.repository.importOf(electionId);
    }
    if (!row || row.digest !== digest) {
      throw new ApiError(
        'ROLL_CONFLICT',
        `election '${electionId}' already has a ${row?.status === 'committed' ? 'committed roll' : 'roll import in progress'} of another file (digest ${row?.digest ?? '?'}); a roll is imported once`,
      );
    }
    return { ...viewOf(row), nextPosition: row.nextPosition };
  }

  /** Takes the batch starting at the import's next position; a batch already taken is a no-op. */
  async addBatch(electionId: string, body: unknown): Promise<{ nextPosition: number }> {
    const election = await this.elections.view(electionId);
    let batch;
    try {
      batch = parseRollBatch(body);
    } catch (e) {
      if (e instanceof ContractError) throw new ApiError('ROLL_INVALID', e.message);
      throw e;
    }
    if (election.state !== 'created' && election.state !== 'ready')
      throw new ApiError(
        'ELECTION_STATE',
        `election '${electionId}' is ${election.state}; the roll is imported before it opens`,
      );
    const row = await this.importing(electionId);
    const to = batch.from + batch.voters.length;
    if (to <= row.nextPosition) return { nextPosition: row.nextPosition }; // a retry: taken already
    if (batch.from !== row.nextPosition) {
      throw new ApiError(
        'ROLL_INVALID',
        `the import stands at position ${row.nextPosition}; a batch from ${batch.from} does not follow it`,
      );
    }
    const registered = new Map(
      election.manifest.districts.map((d) => [d.districtId, d.registeredVoters]),
    );
    const districts = { ...row.districts };
    const seen = new Set<string>();
    const voters: RollVoter[] = batch.voters.map((v, i) => {
      const limit = registered.get(v.districtId);
      if (limit === undefined)
        throw new ApiError(
          'ROLL_INVALID',
          `voters[${i}] (position ${batch.from + i}): '${v.districtId}' is not a district of '${electionId}'`,
        );
      if (seen.has(v.voterId))
        throw new ApiError(
          'ROLL_INVALID',
          `voters[${i}] (position ${batch.from + i}): the voter appears twice in the batch`,
        );
      seen.add(v.voterId);
      const n = (districts[v.districtId] ?? 0) + 1;
      if (n > limit)
        throw new ApiError(
          'ROLL_DISTRICT_FULL',
          `district '${v.districtId}' has ${limit} registered voters; position ${batch.from + i} would be voter ${n}`,
        );
      districts[v.districtId] = n;
      return { voterId: v.voterId, districtId: v.districtId, position: batch.from + i };
    });
    // Rows first (idempotent upserts), then the import moves forward past them.
    await this.repository.put(electionId, voters);
    const chain = rollChainNext(row.chain, batch.from, batch.voters);
    if (!(await this.repository.advance(electionId, batch.from, to, chain, districts))) {
      const now = await this.repository.importOf(electionId);
      if (now?.status === 'importing' && now.nextPosition >= to)
        return { nextPosition: now.nextPosition };
      throw new ApiError(
        'ROLL_CONFLICT',
        'another importer moved this roll import forward at the same time; run the import again to resume',
      );
    }
    return { nextPosition: to };
  }

  /** Commits the import: every announced row is in, and the chain is the announced digest. */
  async commit(electionId: string, body: unknown): Promise<RollView> {
    await this.elections.view(electionId);
    const b = body as { digest?: unknown; count?: unknown } | null;
    if (typeof b?.digest !== 'string' || !Number.isSafeInteger(b.count) || (b.count as number) < 0)
      throw new ApiError('REQUEST_INVALID', 'body must be {"digest": hex, "count": integer}');
    const current = await this.repository.importOf(electionId);
    if (current?.status === 'committed' && current.digest === b.digest) return viewOf(current);
    const row = await this.importing(electionId);
    if (row.nextPosition !== b.count || row.chain !== b.digest || row.digest !== b.digest) {
      throw new ApiError(
        'ROLL_INVALID',
        `the import holds ${row.nextPosition} rows whose chain is ${row.chain}; the file announced ${String(b.count)} rows and ${b.digest}: nothing committed`,
      );
    }
    await this.repository.commit(electionId, b.count, b.digest, this.clock.now());
    const after = await this.repository.importOf(electionId);
    if (after?.status !== 'committed')
      throw new ApiError('ROLL_CONFLICT', 'the roll import changed while it was committed; retry');
    return viewOf(after);
  }

  /** The roll in file order, a page of at most 1,000 rows (what `hanpyo tokens` mints for). */
  async page(electionId: string, fromText: unknown, limitText: unknown) {
    await this.committed(electionId);
    // Canonical decimals only (Number() would read "" as 0 and "1e3" as 1000).
    const from = fromText === undefined ? 0 : parseDecimal(fromText);
    const limit = limitText === undefined ? 1000 : parseDecimal(limitText);
    if (from === undefined || limit === undefined || limit < 1 || limit > 1000)
      throw new ApiError('REQUEST_INVALID', 'use ?from=POSITION&limit=1..1000');
    const voters = await this.repository.positions(electionId, from, limit);
    const last = voters[voters.length - 1];
    return { voters, next: voters.length === 0 ? null : last!.position + 1 };
  }

  /** The voters of a committed roll (by id): where each one votes. ROLL_MISSING before. */
  async lookUp(electionId: string, voterIds: readonly string[]): Promise<Map<string, RollVoter>> {
    await this.committed(electionId);
    return this.repository.voters(electionId, voterIds);
  }

  private async committed(electionId: string): Promise<RollImportRow> {
    const row = await this.repository.importOf(electionId);
    if (row?.status !== 'committed')
      throw new ApiError(
        'ROLL_MISSING',
        `election '${electionId}' has no committed electoral roll yet (hanpyo roll import)`,
      );
    return row;
  }

  private async importing(electionId: string): Promise<RollImportRow> {
    const row = await this.repository.importOf(electionId);
    if (row?.status !== 'importing')
      throw new ApiError(
        row ? 'ROLL_CONFLICT' : 'ROLL_MISSING',
        row
          ? `the roll of '${electionId}' is committed; it cannot change`
          : `no roll import of '${electionId}' has started (POST …/roll/imports first)`,
      );
    return row;
  }
}

function viewOf(row: RollImportRow | undefined): RollView {
  if (!row) return { status: 'none', voters: 0, districts: {}, digest: null };
  return {
    status: row.status,
    voters: row.nextPosition,
    districts: row.districts,
    digest: row.digest,
  };
}
