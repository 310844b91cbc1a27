// The ballot-check pool, without the framework: worker threads (ballot-worker.ts, on
// @hanpyo/worker-pool) verifying batches of board messages; a block's batches are all in flight at
// once. The observer's Nest provider (ballot-pool.ts) is this class; `hanpyo bench observer` uses it
// directly.
import { ThreadPool, electionTask } from '@hanpyo/worker-pool';
import type { ElectionTask } from '@hanpyo/worker-pool';
import type { BoardRecord, CheckedEntry } from './entry-check.js';

export class BallotCheckPool {
  private readonly pool: ThreadPool;
  private readonly elections = new Map<string, ElectionTask>();

  /** `size` worker threads; board messages go to them `batchSize` at a time. */
  constructor(
    size: number,
    private readonly batchSize: number,
  ) {
    this.pool = new ThreadPool({
      filename: new URL('./ballot-worker.js', import.meta.url),
      threads: size,
    });
  }

  /** Number of worker threads. */
  get size(): number {
    return this.pool.size;
  }

  /**
   * Registers the election's context (manifest and K, already checked); each thread builds its
   * rules from it once. With `districts`, only ballots of those districts are checked; the others
   * come back `outside`.
   */
  addElection(
    electionId: string,
    manifest: unknown,
    jointPublicKey: string,
    districts?: readonly string[],
  ): Promise<void> {
    this.elections.set(electionId, electionTask(manifest, jointPublicKey, districts));
    return Promise.resolve();
  }

  /** Checks board messages in batches over every worker; results in input order. */
  async check(electionId: string, records: readonly BoardRecord[]): Promise<CheckedEntry[]> {
    const election = this.elections.get(electionId);
    if (!election) throw new Error(`unknown election ${electionId}`);
    const batches: BoardRecord[][] = [];
    for (let i = 0; i < records.length; i += this.batchSize) {
      batches.push(records.slice(i, i + this.batchSize));
    }
    const results = await Promise.all(
      batches.map((batch) => this.pool.run<CheckedEntry[]>('check', { election, records: batch })),
    );
    return results.flat();
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    await this.pool.close();
  }
}
