// I/O of the electoral roll (migration 4), through the registrar's Cassandra client.
import { Inject, Injectable } from '@nestjs/common';
import {
  advanceRollImport,
  commitRollImport,
  getRollImport,
  getRollVoters,
  listRollPositions,
  putRollVoters,
  startRollImport,
} from '@hanpyo/cassandra';
import type { RollImportRow, RollVoter } from '@hanpyo/cassandra';
import { ElectionsRepository } from './elections.repository.js';

@Injectable()
export class RollRepository {
  constructor(@Inject(ElectionsRepository) private readonly elections: ElectionsRepository) {}

  private store() {
    return this.elections.cassandra();
  }

  async importOf(electionId: string): Promise<RollImportRow | undefined> {
    return getRollImport(await this.store(), electionId);
  }

  async start(electionId: string, digest: string, chain: string, now: Date): Promise<boolean> {
    return startRollImport(await this.store(), electionId, digest, chain, now);
  }

  async put(electionId: string, voters: readonly RollVoter[]): Promise<void> {
    await putRollVoters(await this.store(), electionId, voters);
  }

  async advance(
    electionId: string,
    from: number,
    to: number,
    chain: string,
    districts: Record<string, number>,
  ): Promise<boolean> {
    return advanceRollImport(await this.store(), electionId, from, to, chain, districts);
  }

  async commit(electionId: string, count: number, digest: string, now: Date): Promise<boolean> {
    return commitRollImport(await this.store(), electionId, count, digest, now);
  }

  async voters(electionId: string, voterIds: readonly string[]): Promise<Map<string, RollVoter>> {
    return getRollVoters(await this.store(), electionId, voterIds);
  }

  async positions(electionId: string, from: number, limit: number): Promise<RollVoter[]> {
    return listRollPositions(await this.store(), electionId, from, limit);
  }
}
