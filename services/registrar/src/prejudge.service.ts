// Judging the board while the election runs (services/registrar/README.md, "Judging while voting
// runs"). Every round, for each open or closed election whose tally has not started, the registrar
// reads the board rows the persister has stored past each partition's progress (the contiguous run
// from it, a page at a time), judges them on its own worker threads by exactly the tally's rules
// (tally-worker.ts `prejudge`: @hanpyo/counting judgeEntry), and stores each verdict with the
// digest of the row it judged, then the progress. After the final block the tally takes a stored
// verdict for a row with the same digest instead of re-checking its proofs, and judges every other
// row itself: a missing, stale or foreign verdict costs time, never a different result. Idempotent:
// two replicas store the same verdicts (a lagging one may move a partition's progress back, which
// only repeats work).
import { Inject, Injectable } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import {
  boardRanges,
  getTally,
  getVerdictProgress,
  latestBlock,
  listElections,
  putVerdicts,
  readBoardRange,
  setVerdictProgress,
} from '@hanpyo/cassandra';
import type { ElectionRow } from '@hanpyo/cassandra';
import { parseManifest } from '@hanpyo/contracts';
import type { Block, Manifest } from '@hanpyo/contracts';
import type { PartitionLayout } from '@hanpyo/ledger';
import { JsonLogger } from '@hanpyo/service-kit';
import { CONFIG } from './config.js';
import type { RegistrarConfig } from './config.js';
import { ElectionsRepository } from './elections.repository.js';
import { TallyPool } from './tally-pool.js';

/** What a round knows of an election between rounds. */
interface Followed {
  readonly manifest: Manifest;
  readonly jointPublicKey: string;
  readonly partitions: number;
  /** Per partition, the first offset without a stored verdict. */
  readonly progress: Map<number, number>;
}

/** Rows judged in one task (a few seconds of one thread at most). */
const PAGE = 250;
/** Pages judged per partition and round of an open election (the rest waits for the next round). */
const PAGES_PER_ROUND = 4;

@Injectable()
export class PrejudgeService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly followed = new Map<string, Followed>();
  /** Elections with nothing left to judge: tally started, or every offset of the final block judged. */
  private readonly done = new Set<string>();
  private pool: TallyPool | undefined;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopping = false;
  /** The closed election judged in the last round (they take turns). */
  private lastClosed = '';

  constructor(
    @Inject(CONFIG) private readonly config: RegistrarConfig,
    @Inject(ElectionsRepository) private readonly elections: Pick<ElectionsRepository, 'cassandra'>,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.HANPYO_REGISTRAR_PREJUDGE_THREADS === 0) return;
    this.schedule(this.config.HANPYO_REGISTRAR_PREJUDGE_INTERVAL_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.round;
    await this.pool?.close();
  }

  private schedule(ms: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.round = this.tick().finally(() =>
        this.schedule(this.config.HANPYO_REGISTRAR_PREJUDGE_INTERVAL_MS),
      );
    }, ms);
  }

  private async tick(): Promise<void> {
    let rows: ElectionRow[];
    try {
      rows = await listElections(await this.elections.cassandra());
    } catch (e) {
      this.logger.warn('prejudge: cannot read the election registry; retrying', {
        error: (e as Error).message,
        code: (e as { code?: unknown }).code,
      });
      return;
    }
    // Every open election (its ballots keep coming), then one closed election not yet tallied, in
    // turn: a backlog of closed elections never holds up the open ones.
    const pending = rows.filter((r) => r.jointPublicKey !== null && !this.done.has(r.electionId));
    const closed = pending
      .filter((r) => r.state === 'closed')
      .sort((a, b) => (a.electionId < b.electionId ? -1 : 1));
    const turn = closed.find((r) => r.electionId > this.lastClosed) ?? closed[0];
    if (turn) this.lastClosed = turn.electionId;
    const due = [...pending.filter((r) => r.state === 'open'), ...(turn ? [turn] : [])];
    for (const row of due) {
      if (this.stopping) return;
      try {
        await this.step(row);
      } catch (e) {
        this.logger.warn('prejudge step failed; retrying next round', {
          electionId: row.electionId,
          error: (e as Error).message,
          code: (e as { code?: unknown }).code,
        });
      }
    }
  }

  private async step(row: ElectionRow): Promise<void> {
    const store = await this.elections.cassandra();
    const id = row.electionId;
    // The tally judges what is left itself once it starts; judging on would only compete with it.
    if (await getTally(store, id)) {
      this.finish(id);
      return;
    }
    let f = this.followed.get(id);
    if (!f) {
      const layout = JSON.parse(row.partitionLayout) as PartitionLayout;
      f = {
        manifest: parseManifest(JSON.parse(row.manifest)),
        jointPublicKey: row.jointPublicKey!,
        partitions: layout.partitionCount,
        progress: await getVerdictProgress(store, id),
      };
      this.followed.set(id, f);
    }
    // An open election: every partition, as many at once as there are threads. A closed one
    // (its turn among them): one page, so that a backlog never holds up the open elections.
    const threads = this.config.HANPYO_REGISTRAR_PREJUDGE_THREADS;
    if (row.state === 'open') {
      for (let p = 0; p < f.partitions && !this.stopping; p += threads) {
        const group = Array.from({ length: Math.min(threads, f.partitions - p) }, (_, k) => p + k);
        await Promise.all(group.map((q) => this.catchUp(f, q, PAGES_PER_ROUND)));
      }
    } else {
      for (let p = 0; p < f.partitions && !this.stopping; p++)
        if ((await this.catchUp(f, p, 1)) > 0) break;
    }
    if (row.state === 'closed') {
      // After the final block nothing new comes: once every offset it covers is judged, stop.
      const stored = await latestBlock(store, id);
      const block = stored ? (JSON.parse(stored.block) as Block) : undefined;
      if (block?.final && block.cuts.every((c) => (f.progress.get(c.partition) ?? 0) >= c.toOffset))
        this.finish(id);
    }
  }

  /**
   * Judges partition `p` from its progress over the contiguous rows stored so far, at most `pages`
   * pages, so that every election and partition moves on in each round; the pages judged.
   */
  private async catchUp(f: Followed, p: number, pages: number): Promise<number> {
    const store = await this.elections.cassandra();
    const id = f.manifest.electionId;
    let judged = 0;
    for (; judged < pages && !this.stopping; judged++) {
      const from = f.progress.get(p) ?? 0;
      const [range] = boardRanges(from, from + PAGE);
      const rows = await readBoardRange(store, id, p, range![0], range![1]);
      // Only the run without gaps: a later offset may be stored before an earlier one.
      let n = 0;
      while (n < rows.length && rows[n]!.offset === from + n) n++;
      if (n === 0) return judged;
      const run = rows.slice(0, n);
      // Its threads start at the judge process's nice 19 (judge-main.ts): judging takes only the
      // CPU that taking ballots leaves free, and what it has not judged by the tally, the tally does.
      this.pool ??= new TallyPool(this.config.HANPYO_REGISTRAR_PREJUDGE_THREADS);
      const verdicts = await this.pool.prejudge(f.manifest, f.jointPublicKey, run);
      await putVerdicts(store, id, p, verdicts);
      await setVerdictProgress(store, id, p, from + n);
      f.progress.set(p, from + n);
      if (n < range![1] - range![0]) return judged + 1;
    }
    return judged;
  }

  private finish(electionId: string): void {
    this.done.add(electionId);
    this.followed.delete(electionId);
  }
}
