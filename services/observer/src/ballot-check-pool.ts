// The ballot-check pool, without the framework: worker threads (ballot-worker.ts) verifying
// batches of board messages. Requests go to the least-loaded worker; a block's batches are all in
// flight at once. The observer's Nest provider (ballot-pool.ts) is this class; `hanpyo bench
// observer` uses it directly.
import { Worker } from 'node:worker_threads';
import type { BoardRecord, CheckedEntry } from './entry-check.js';

interface Pending {
  resolve(value: { entries?: CheckedEntry[]; error?: string }): void;
  reject(error: Error): void;
}

export class BallotCheckPool {
  private readonly workers: Worker[];
  private readonly load: number[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;

  /** `size` worker threads; board messages go to them `batchSize` at a time. */
  constructor(
    size: number,
    private readonly batchSize: number,
  ) {
    this.workers = Array.from(
      { length: Math.max(1, size) },
      () => new Worker(new URL('./ballot-worker.js', import.meta.url)),
    );
    this.load = this.workers.map(() => 0);
    this.workers.forEach((w, i) => {
      w.on('message', (msg: { id: number; entries?: CheckedEntry[]; error?: string }) => {
        this.load[i]!--;
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        p?.resolve(msg);
      });
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`ballot worker exited with status ${code}`));
      });
    });
  }

  /** Number of worker threads. */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Gives every worker the election's context (manifest and K, already checked). With
   * `districts`, only ballots of those districts are checked; the others come back `outside`.
   */
  async addElection(
    electionId: string,
    manifest: unknown,
    jointPublicKey: string,
    districts?: readonly string[],
  ): Promise<void> {
    await Promise.all(
      this.workers.map((_, i) =>
        this.send(i, {
          kind: 'election',
          electionId,
          manifest,
          jointPublicKey,
          ...(districts ? { districts: [...districts] } : {}),
        }),
      ),
    );
  }

  /** Checks board messages in batches over every worker; results in input order. */
  async check(electionId: string, records: readonly BoardRecord[]): Promise<CheckedEntry[]> {
    const batches: BoardRecord[][] = [];
    for (let i = 0; i < records.length; i += this.batchSize) {
      batches.push(records.slice(i, i + this.batchSize));
    }
    const results = await Promise.all(
      batches.map(async (batch) => {
        const reply = await this.send(this.leastLoaded(), {
          kind: 'check',
          electionId,
          records: batch,
        });
        if (reply.error !== undefined || !reply.entries) {
          throw new Error(reply.error ?? 'no answer');
        }
        return reply.entries;
      }),
    );
    return results.flat();
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private leastLoaded(): number {
    let best = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.load[i]! < this.load[best]!) best = i;
    return best;
  }

  private send(
    worker: number,
    message: Record<string, unknown>,
  ): Promise<{ entries?: CheckedEntry[]; error?: string }> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    this.load[worker]!++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.workers[worker]!.postMessage({ ...message, id });
    });
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
