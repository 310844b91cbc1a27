// `hanpyo bench observer`: the observer's verification per 1,000 ballots, timed on the observer's
// own code (@hanpyo/observer/verification) over a synthetic record (synth.ts), block by block as
// the service does it: every board message of the block's cuts checked on the worker pool
// (decoded, every proof, the tracking code recomputed; up to 3 blocks ahead), then the block
// replayed by ElectionObserver (BlockReplayer: chain, cuts, district roots and sizes, ballot count,
// ledger and witness signatures). Kafka reads and checkpoint writes are not in the figure. Timed
// with 1 worker and with every core, each with its ratio to @noble/curves' fixed-base
// multiplication rate measured in the same run.
import { BASELINE_NAME, nobleBaseRate } from './bench-baseline.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import type { BoardEntry, SignedBlock } from '@hanpyo/contracts';
import { manifestHash, toHex } from '@hanpyo/crypto';
import {
  BallotCheckPool,
  ElectionObserver,
  checkElectionView,
  isProblem,
} from '@hanpyo/observer/verification';
import type { BoardRecord, CheckedElection, CheckedEntry } from '@hanpyo/observer/verification';
import { initFastest } from './backend.js';
import { REFUSED_KINDS, synthesize } from './synth.js';

export interface ObserverBenchOptions {
  /** Ballots of the synthetic record (about; re-votes included). */
  readonly ballots: number;
  readonly json: boolean;
  readonly out?: string;
  /** Worker counts to time; default 1 and every core. */
  readonly workers?: readonly number[];
  /** Seconds of the baseline measurement; default 2. */
  readonly baselineSeconds?: number;
  /** Prints nothing (tests). */
  readonly quiet?: boolean;
}

export interface ObserverBenchFigure {
  readonly name: string;
  readonly workers: number;
  readonly backend: string;
  readonly ballots: number;
  readonly blocks: number;
  readonly seconds: number;
  /** Of `seconds`, the main thread's block replays (roots, chain, signatures). */
  readonly replaySeconds: number;
  readonly ballotsPerSecond: number;
  readonly secondsPer1000: number;
  /** ballotsPerSecond / baseline.perSecond. */
  readonly ratio: number;
}

export interface ObserverBenchResult {
  readonly suite: 'observer';
  readonly at: string;
  readonly node: string;
  readonly cores: number;
  readonly method: string;
  /** Measured before and after the timed passes; `perSecond` is their mean. */
  readonly baseline: {
    readonly name: string;
    readonly perSecond: number;
    readonly before: number;
    readonly after: number;
  };
  readonly record: {
    readonly ballots: number;
    readonly blocks: number;
    readonly districts: number;
  };
  readonly figures: readonly ObserverBenchFigure[];
}

/** Board messages as the observer reads them from Kafka (value text, broker time). */
function boardRecords(entries: readonly BoardEntry[]): Map<number, BoardRecord[]> {
  const byPartition = new Map<number, BoardRecord[]>();
  for (const e of entries) {
    const list = byPartition.get(e.partition) ?? [];
    // The message value as the edge writes it: the entry without its place and time.
    const { partition, offset, receivedAt, ...value } = e;
    list.push({
      partition,
      offset,
      value: JSON.stringify(value),
      timestamp: Date.parse(receivedAt),
    });
    byPartition.set(e.partition, list);
  }
  for (const list of byPartition.values()) list.sort((a, b) => a.offset - b.offset);
  return byPartition;
}

/** The board messages of each block's cuts, in cut order (what the observer takes per block). */
function perBlock(
  blocks: readonly SignedBlock[],
  board: ReadonlyMap<number, readonly BoardRecord[]>,
): { records: BoardRecord[]; expected: number }[] {
  return blocks.map(({ block }) => {
    const records: BoardRecord[] = [];
    let expected = 0;
    for (const cut of block.cuts) {
      expected += Math.max(0, cut.toOffset - cut.fromOffset);
      for (const r of board.get(cut.partition) ?? []) {
        if (r.offset >= cut.fromOffset && r.offset < cut.toOffset) records.push(r);
      }
    }
    return { records, expected };
  });
}

/** One timed pass of the observer over the record with `workers` worker threads. */
async function observe(
  election: CheckedElection,
  blocks: readonly SignedBlock[],
  work: readonly { records: BoardRecord[]; expected: number }[],
  workers: number,
): Promise<{ seconds: number; replaySeconds: number; ballots: number; refused: number }> {
  const pool = new BallotCheckPool(workers, 256);
  try {
    await pool.addElection('bench', election.manifest, election.jointPublicKey);
    // Warm-up: a few messages on every worker (JIT, backend tables), outside the figure.
    const sample = work.flatMap((w) => w.records).slice(0, 16);
    await Promise.all(Array.from({ length: workers }, () => pool.check('bench', sample)));

    const observer = new ElectionObserver(
      election.manifest,
      election.manifestHash,
      election.genesisHash,
    );
    const t0 = performance.now();
    let replay = 0;
    let ballots = 0;
    let refused = 0;
    // As the service: each block's ballots start checking at once, up to 3 blocks ahead.
    const LOOKAHEAD = 3;
    const queue: Promise<CheckedEntry[]>[] = [];
    let next = 0;
    for (let h = 0; h < blocks.length; h++) {
      while (next < blocks.length && queue.length < LOOKAHEAD) {
        const p = pool.check('bench', work[next++]!.records);
        p.catch(() => undefined);
        queue.push(p);
      }
      const checked = await queue.shift()!;
      const r0 = performance.now();
      const { block, signatures } = blocks[h]!;
      const verdict = observer.verify(block, signatures, checked, work[h]!.expected);
      replay += performance.now() - r0;
      if (verdict.divergences.length > 0 || !verdict.cosign) {
        throw new Error(
          `benchmark block ${verdict.height} does not verify: ${verdict.divergences
            .slice(0, 3)
            .map((d) => `${d.code} ${d.message}`)
            .join('; ')}`,
        );
      }
      ballots += verdict.ballots;
      refused += verdict.refused.length;
    }
    return {
      seconds: (performance.now() - t0) / 1000,
      replaySeconds: replay / 1000,
      ballots,
      refused,
    };
  } finally {
    await pool.close();
  }
}

/** Measures; prints nothing, writes nothing. */
export async function measureObserver(
  options: Omit<ObserverBenchOptions, 'json' | 'out'>,
  log: (line: string) => void = () => undefined,
): Promise<ObserverBenchResult> {
  const measureBaseline = () => nobleBaseRate(options.baselineSeconds ?? 2);
  // Measured before and after the timed passes (the machine is shared); ratios use the mean.
  const baselineBefore = measureBaseline();
  log(
    `baseline: @noble/curves ristretto255 fixed-base multiplication ${baselineBefore.toFixed(0)}/s`,
  );

  // The observer's main thread and its workers use the fastest backend (crypto-native).
  const backend = await initFastest();
  const voters = Math.max(1, Math.round(options.ballots / 1.1));
  const blockCount = Math.min(50, Math.max(2, Math.ceil(options.ballots / 1000)));
  log(
    `synthesizing a record of ~${options.ballots} ballots (${voters} voters, 10% re-votes, ${blockCount} blocks)…`,
  );
  const { record } = synthesize({
    voters,
    districts: 10,
    policy: 'last',
    blocks: blockCount,
    seed: 'observer',
  });
  // As the observer: the registrar's view checked once (manifest hash, ceremony, K), then Q.
  const election = checkElectionView({
    manifest: record.manifest,
    manifestHash: toHex(manifestHash(record.manifest)),
    jointPublicKey: record.ceremony.jointPublicKey,
    ceremony: record.ceremony,
  });
  if (isProblem(election)) throw new Error(`benchmark election: ${election.message}`);
  const work = perBlock(record.blocks, boardRecords(record.ballots));

  const cores = availableParallelism();
  const counts = options.workers ?? (cores > 1 ? [1, cores] : [1]);
  const runs: { workers: number; r: Awaited<ReturnType<typeof observe>> }[] = [];
  for (const workers of counts) {
    const r = await observe(election, record.blocks, work, workers);
    // The figure is of real casts: exactly the entries synth refuses on purpose may be refused,
    // so a board of unsigned entries (no proof checked at all) cannot pass for a fast observer.
    if (r.refused !== REFUSED_KINDS.length)
      throw new Error(
        `benchmark board: ${r.refused} refused entries, synth made ${REFUSED_KINDS.length}`,
      );
    runs.push({ workers, r });
  }
  const baselineAfter = measureBaseline();
  const baseline = (baselineBefore + baselineAfter) / 2;
  log(
    `baseline again: ${baselineAfter.toFixed(0)}/s; ratios below use the mean, ${baseline.toFixed(0)}/s`,
  );
  const figures: ObserverBenchFigure[] = [];
  for (const { workers, r } of runs) {
    const perSecond = r.ballots / r.seconds;
    const figure: ObserverBenchFigure = {
      name: `observer verification, ${workers} worker${workers === 1 ? '' : 's'}`,
      workers,
      backend: backend.name,
      ballots: r.ballots,
      blocks: record.blocks.length,
      seconds: r.seconds,
      replaySeconds: r.replaySeconds,
      ballotsPerSecond: perSecond,
      secondsPer1000: 1000 / perSecond,
      ratio: perSecond / baseline,
    };
    figures.push(figure);
    log(
      `${figure.name.padEnd(36)} ${figure.backend.padEnd(7)} ${perSecond.toFixed(1).padStart(9)} ballots/s  ${figure.secondsPer1000.toFixed(3).padStart(7)} s per 1,000 ballots  ratio ${figure.ratio.toFixed(4)}  (replay ${r.replaySeconds.toFixed(3)} s of ${r.seconds.toFixed(3)} s)`,
    );
  }
  return {
    suite: 'observer',
    at: new Date().toISOString(),
    node: process.version,
    cores,
    method:
      'the observer’s own verification code (@hanpyo/observer/verification: worker-pool ballot checks, tracking codes, ElectionObserver/BlockReplayer replay, ledger and witness signatures), block by block, 3 blocks checked ahead, over a synthetic record (synth.ts); Kafka reads and checkpoint writes excluded',
    baseline: {
      name: BASELINE_NAME,
      perSecond: baseline,
      before: baselineBefore,
      after: baselineAfter,
    },
    record: {
      ballots: record.ballots.length,
      blocks: record.blocks.length,
      districts: record.manifest.districts.length,
    },
    figures,
  };
}

export async function runObserverBench(options: ObserverBenchOptions): Promise<number> {
  const print = (s: string) => {
    if (!options.json && !options.quiet) process.stdout.write(`${s}\n`);
  };
  const result = await measureObserver(options, print);
  const out =
    options.out ?? join('bench-results', `observer-${result.at.replace(/[:.]/g, '-')}.json`);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  if (options.json && !options.quiet) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else print(`wrote ${out}`);
  return 0;
}
