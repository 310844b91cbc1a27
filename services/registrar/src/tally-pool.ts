// The tally's aggregation on every core. Pages of stored board rows, read in the policy's counting
// order, go to worker threads (tally-worker.ts) that parse and judge every entry — SPEC §6 and, for
// authorized entries, the ballot's proofs: nearly all of the CPU. Their verdicts come back in order
// and the main thread decides, entry by entry in counting order, what counts (CountingPass.addVerdict:
// the one counted set, exact across partitions); the counted ballots of each page are then summed on
// a worker too. Unlike the single-threaded pass, which checks a ballot only while its voter has no
// counted ballot yet, every authorized ballot's proofs are checked (as `hanpyo verify` does): a
// re-vote costs one more check, in exchange for all cores. A row whose verdict was stored while
// the election ran (`prejudge`, for exactly its bytes) is not judged again
// (services/registrar/README.md, "Judging while voting runs").
import type { Manifest } from '@hanpyo/contracts';
import { electionContext, pointFromText } from '@hanpyo/crypto';
import { CountingPass } from '@hanpyo/counting';
import type { PartialAggregates } from '@hanpyo/counting';
import { ThreadPool, electionTask, pipeline } from '@hanpyo/worker-pool';
import type { JudgedPage, PrejudgedRow, StoredRow } from './tally-worker.js';

export type { PrejudgedRow, StoredRow } from './tally-worker.js';

/** A counting pass and what it cost: rows taken from stored verdicts, rows judged in the pass. */
export interface TallyAggregation {
  readonly pass: CountingPass;
  /** Entries whose verdict was stored while the election ran (and matched their row). */
  readonly prejudged: number;
  /** Rows judged during the pass (no stored verdict, or one for other bytes). */
  readonly judged: number;
}

/** Worker threads judging and summing board rows for a tally. */
export class TallyPool {
  private readonly pool: ThreadPool;

  constructor(threads: number) {
    this.pool = new ThreadPool({
      filename: new URL('./tally-worker.js', import.meta.url),
      threads,
    });
  }

  /** Number of worker threads. */
  get size(): number {
    return this.pool.size;
  }

  /**
   * The counting pass over `pages`, which must come in `countingOrder(manifest.revotePolicy)`
   * (board order for "first", its reverse for "last"), each page in that order too.
   */
  async aggregate(
    manifest: Manifest,
    jointPublicKey: string,
    pages: AsyncIterable<readonly StoredRow[]>,
    options: { readonly expectedVoters?: number } = {},
  ): Promise<TallyAggregation> {
    // Fed only verdicts (addVerdict): this pass verifies no signature and no proof itself.
    const pass = new CountingPass(
      electionContext(manifest, pointFromText(jointPublicKey)),
      options.expectedVoters !== undefined ? { expectedVoters: options.expectedVoters } : {},
    );
    const election = electionTask(manifest, jointPublicKey);
    const sums: Promise<void>[] = [];
    let prejudged = 0;
    let judged = 0;
    await pipeline(
      pages,
      (rows) => this.pool.run<JudgedPage>('judge', { election, rows }),
      ({ verdicts, reused }, rows) => {
        prejudged += reused;
        judged += verdicts.filter((v) => v.kind !== 'placeholder').length - reused;
        const counted: string[] = [];
        verdicts.forEach((v, i) => {
          if (v.kind === 'placeholder') return;
          if (v.kind === 'malformed') pass.addMalformed();
          else if (pass.addVerdict(v.verdict) === 'counted') counted.push(rows[i]!.ballot!);
        });
        if (counted.length > 0) {
          // Sums merge in any order (point addition); a failure surfaces below, where all are awaited.
          const merged = this.pool
            .run<PartialAggregates>('sum', { ballots: counted })
            .then((partial) => pass.aggregates.merge(partial));
          merged.catch(() => undefined);
          sums.push(merged);
        }
      },
      this.pool.size * 2,
    );
    await Promise.all(sums);
    return { pass, prejudged, judged };
  }

  /** The verdicts to store for `rows` of one election (while it runs; placeholders have none). */
  async prejudge(
    manifest: Manifest,
    jointPublicKey: string,
    rows: readonly StoredRow[],
  ): Promise<PrejudgedRow[]> {
    return this.pool.run<PrejudgedRow[]>('prejudge', {
      election: electionTask(manifest, jointPublicKey),
      rows,
    });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
