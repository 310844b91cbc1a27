// I/O of the tally: the board (read by offset range), the ledger's latest block, and the tally
// tables of migration 3, through the registrar's Cassandra client.
import { Inject, Injectable } from '@nestjs/common';
import {
  addTallyTrustee,
  claimCombination,
  getTally,
  getTallyRetryState,
  getTrusteeShares,
  latestBlock,
  listDistrictTallies,
  markAggregated,
  markComplete,
  markTallyFailed,
  markTallyStarted,
  putDistrictAggregates,
  putDistrictResult,
  putTrusteeShares,
  readBoardRange,
  readVerdictRange,
  resetTally,
  startTally,
} from '@hanpyo/cassandra';
import type { BoardRow, StoredVerdict, TallyRetryState, TallyRow } from '@hanpyo/cassandra';
import { ElectionsRepository } from './elections.repository.js';

@Injectable()
export class TallyRepository {
  constructor(@Inject(ElectionsRepository) private readonly elections: ElectionsRepository) {}

  private store() {
    return this.elections.cassandra();
  }

  async boardRange(
    electionId: string,
    partition: number,
    from: number,
    to: number,
  ): Promise<BoardRow[]> {
    return readBoardRange(await this.store(), electionId, partition, from, to);
  }

  async verdictRange(
    electionId: string,
    partition: number,
    from: number,
    to: number,
  ): Promise<Map<number, StoredVerdict>> {
    return readVerdictRange(await this.store(), electionId, partition, from, to);
  }

  async latestBlock(electionId: string) {
    return latestBlock(await this.store(), electionId);
  }

  async tally(electionId: string): Promise<TallyRow | undefined> {
    return getTally(await this.store(), electionId);
  }

  async start(electionId: string, finalHeight: number): Promise<void> {
    await startTally(await this.store(), electionId, finalHeight);
  }

  async putAggregates(electionId: string, districtId: string, counted: number, json: string) {
    await putDistrictAggregates(await this.store(), electionId, districtId, counted, json);
  }

  async markAggregated(electionId: string, now: Date): Promise<void> {
    await markAggregated(await this.store(), electionId, now);
  }

  async districts(electionId: string) {
    return listDistrictTallies(await this.store(), electionId);
  }

  async putShares(electionId: string, trustee: number, districtId: string, json: string) {
    await putTrusteeShares(await this.store(), electionId, trustee, districtId, json);
  }

  async addTrustee(electionId: string, trustee: number): Promise<void> {
    await addTallyTrustee(await this.store(), electionId, trustee);
  }

  async shares(electionId: string, trustee: number): Promise<Map<string, string>> {
    return getTrusteeShares(await this.store(), electionId, trustee);
  }

  async claimCombination(electionId: string, trusteesUsed: number[]): Promise<boolean> {
    return claimCombination(await this.store(), electionId, trusteesUsed);
  }

  async putResult(electionId: string, districtId: string, json: string): Promise<void> {
    await putDistrictResult(await this.store(), electionId, districtId, json);
  }

  async markComplete(electionId: string, now: Date): Promise<void> {
    await markComplete(await this.store(), electionId, now);
  }

  async retryState(electionId: string): Promise<TallyRetryState | undefined> {
    return getTallyRetryState(await this.store(), electionId);
  }

  async markStarted(electionId: string, now: Date): Promise<void> {
    await markTallyStarted(await this.store(), electionId, now);
  }

  async markFailed(electionId: string, code: string, message: string): Promise<void> {
    await markTallyFailed(await this.store(), electionId, code, message);
  }

  async reset(
    electionId: string,
    expected: 'aggregating' | 'aggregated',
    trustees: number,
  ): Promise<boolean> {
    return resetTally(await this.store(), electionId, expected, trustees);
  }
}
