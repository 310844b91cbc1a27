// `hanpyo bench tally`: the tally's aggregation per 100,000 ballots, timed in memory over a
// synthetic record (tools/hanpyo/src/synth.ts), no Cassandra reads in the figures:
//   - the registrar's judging while voting runs (tally-pool.ts `prejudge`: every row's verdict, to
//     store), on 1 thread;
//   - the registrar's aggregation after the final block (services/registrar/src/tally-pool.ts: rows
//     judged — or taken from their stored verdicts — and summed on worker threads, the counted set
//     decided on the main thread) with 1 thread and with every core, with and without the verdicts
//     stored while voting ran, and from the 1-thread figures the time for 10 million ballots on a
//     16-core node;
//   - the single-threaded CountingPass (@hanpyo/counting's `add`, proofs checked lazily), before;
//   - the same pass without proofs (what authorization and sums alone cost).
// Printed with each figure's ratio to @noble/curves' fixed-base multiplication rate measured in the
// same run.
import { BASELINE_NAME, nobleBaseRate } from './bench-baseline.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseBoardEntry } from '@hanpyo/contracts';
import type { BoardEntry } from '@hanpyo/contracts';
import { electionContext, pointFromText } from '@hanpyo/crypto';
import type { ElectionContext } from '@hanpyo/crypto';
import { CountingPass, countingOrder } from '@hanpyo/counting';
import { TallyPool } from '@hanpyo/registrar/dist/tally-pool.js';
import type { StoredRow as PoolRow } from '@hanpyo/registrar/dist/tally-pool.js';
import { podCores } from '@hanpyo/worker-pool';
import { initFastest } from './backend.js';
import { synthesize } from './synth.js';

export interface TallyBenchOptions {
  readonly ballots: number;
  readonly json: boolean;
  readonly out?: string;
}

/** A board row as the registrar reads it from Cassandra: the ballot is stored as JSON text. */
interface StoredRow {
  readonly entry: Omit<BoardEntry, 'ballot'>;
  readonly ballot: string;
}

/** The registrar's aggregation (services/registrar/src/tally.service.ts), in memory. */
function aggregate(
  election: ElectionContext,
  rows: readonly StoredRow[],
  checkProofs: boolean,
): CountingPass {
  const pass = new CountingPass(election, checkProofs ? {} : { validBallot: () => true });
  const ordered = pass.order === 'reverse' ? [...rows].reverse() : rows;
  for (const row of ordered) {
    pass.add(parseBoardEntry({ ...row.entry, ballot: JSON.parse(row.ballot) as unknown }));
  }
  return pass;
}

export async function runTallyBench(options: TallyBenchOptions): Promise<number> {
  const log = (s: string) => {
    if (!options.json) process.stdout.write(`${s}\n`);
  };
  const baseline = nobleBaseRate(2);
  log(`baseline: @noble/curves ristretto255 fixed-base multiplication ${baseline.toFixed(0)}/s`);

  // The registrar's backend: the fastest this process can load (native libsodium, else WASM).
  const backend = await initFastest();
  const voters = Math.max(1, Math.round(options.ballots / 1.1));
  log(`synthesizing a record of ~${options.ballots} ballots (${voters} voters, 10% re-votes)…`);
  const { record } = synthesize({
    voters,
    districts: 10,
    policy: 'last',
    blocks: 1,
    seed: 'tally',
  });
  const election = electionContext(record.manifest, pointFromText(record.ceremony.jointPublicKey));
  const rows = record.ballots.map(({ ballot, ...entry }) => ({
    entry,
    ballot: JSON.stringify(ballot),
  }));

  const expected = record.tally.districts.reduce((s, d) => s + d.counted, 0);
  const time = (verifyProofs: boolean) => {
    const t0 = performance.now();
    const pass = aggregate(election, rows, verifyProofs);
    const seconds = (performance.now() - t0) / 1000;
    // With proofs the pass must agree with synth's tally; without, the re-signed broken ballot
    // synth adds may count (that figure times the pass, it decides nothing).
    if (verifyProofs && pass.counted !== expected)
      throw new Error('benchmark aggregation disagrees with the synthetic tally');
    return { seconds, pass };
  };
  log('timing the single-threaded pass, with and without proofs…');
  const full = time(true);
  const sumsOnly = time(false);
  const singleAggregates = JSON.stringify(full.pass.aggregates.districts(record.manifest));
  // The registrar's pooled aggregation over the same rows, in pages of 1,000 as it reads them.
  const poolRows: PoolRow[] = record.ballots.map((e) => ({
    partition: e.partition,
    offset: e.offset,
    receivedAt: new Date(e.receivedAt),
    trackingCode: e.trackingCode,
    ballot: JSON.stringify(e.ballot),
    token: e.token ?? null,
    castSignature: e.castSignature ?? null,
  }));
  // While voting runs: the verdicts the registrar stores (services/registrar/README.md, "Judging
  // while voting runs"), on one thread.
  const judging = new TallyPool(1);
  let prejudgeSeconds: number;
  let judgedRows: PoolRow[];
  try {
    const t0 = performance.now();
    judgedRows = [];
    for (let i = 0; i < poolRows.length; i += 1000) {
      const page = poolRows.slice(i, i + 1000);
      const verdicts = await judging.prejudge(
        record.manifest,
        record.ceremony.jointPublicKey,
        page,
      );
      // One verdict per row that is an entry, in the page's order (placeholders have none).
      let k = 0;
      for (const row of page) {
        const v = row.trackingCode !== null && row.ballot !== null ? verdicts[k++] : undefined;
        judgedRows.push(v ? { ...row, judged: { digest: v.digest, verdict: v.verdict } } : row);
      }
    }
    prejudgeSeconds = (performance.now() - t0) / 1000;
  } finally {
    await judging.close();
  }
  const pooled = async (threads: number, stored: boolean) => {
    const pool = new TallyPool(threads);
    const source = stored ? judgedRows : poolRows;
    try {
      const ordered =
        countingOrder(record.manifest.revotePolicy) === 'reverse' ? [...source].reverse() : source;
      async function* pages() {
        for (let i = 0; i < ordered.length; i += 1000) {
          await Promise.resolve();
          yield ordered.slice(i, i + 1000);
        }
      }
      const t0 = performance.now();
      const { pass: r, prejudged } = await pool.aggregate(
        record.manifest,
        record.ceremony.jointPublicKey,
        pages(),
      );
      const seconds = (performance.now() - t0) / 1000;
      if (r.counted !== expected)
        throw new Error('pooled aggregation disagrees with the synthetic tally');
      if (JSON.stringify(r.aggregates.districts(record.manifest)) !== singleAggregates)
        throw new Error('pooled aggregates differ from the single-threaded pass');
      if (stored && prejudged !== byEntry)
        throw new Error(`only ${prejudged} of ${byEntry} stored verdicts were used`);
      return seconds;
    } finally {
      await pool.close();
    }
  };
  const cores = podCores();
  log(`timing the registrar's pooled aggregation on 1 thread and on ${cores}…`);
  const byEntry = poolRows.filter((r) => r.trackingCode !== null && r.ballot !== null).length;
  const pool1 = await pooled(1, false);
  const poolAll = await pooled(cores, false);
  log(`timing the same after the verdicts stored while voting ran, on 1 thread and on ${cores}…`);
  const stored1 = await pooled(1, true);
  const storedAll = await pooled(cores, true);
  const figures = [
    { name: 'tally after close, verdicts stored, 1 thread', seconds: stored1 },
    { name: `tally after close, verdicts stored, ${cores} threads`, seconds: storedAll },
    { name: 'judging while voting runs (prejudge), 1 thread', seconds: prejudgeSeconds },
    { name: 'tally aggregation, registrar pool, 1 thread', seconds: pool1 },
    { name: `tally aggregation, registrar pool, ${cores} threads`, seconds: poolAll },
    { name: 'tally aggregation, single-threaded pass (before)', seconds: full.seconds },
    { name: 'tally aggregation, single pass, no proofs', seconds: sumsOnly.seconds },
  ].map((f) => {
    const perSecond = rows.length / f.seconds;
    return {
      name: f.name,
      backend: backend.name,
      ballots: rows.length,
      ballotsPerSecond: perSecond,
      secondsPer100k: 100_000 / perSecond,
      ratio: perSecond / baseline,
    };
  });
  // 10 million ballots on one 16-core node, from the measured 1-thread rates (the pool's threads
  // share nothing but the main thread's counted set, which costs ~1 µs per entry).
  const rate = (name: string) => figures.find((f) => f.name.startsWith(name))!.ballotsPerSecond;
  const tenMillion = {
    name: '10,000,000 ballots on 16 cores after close, verdicts stored (extrapolated from 1 thread)',
    minutes: 10_000_000 / (rate('tally after close, verdicts stored, 1') * 16) / 60,
    withoutVerdicts: 10_000_000 / (rate('tally aggregation, registrar pool, 1') * 16) / 60,
    // While voting runs, at the province peak of 2,800 ballots/s (issue 10): threads of judging.
    judgingThreadsAtPeak: 2800 / rate('judging while voting runs'),
  };
  for (const f of figures) {
    log(
      `${f.name.padEnd(52)} ${f.backend.padEnd(7)} ${f.ballotsPerSecond.toFixed(1).padStart(9)} ballots/s  ${f.secondsPer100k.toFixed(1).padStart(8)} s per 100,000 ballots  ratio ${f.ratio.toFixed(4)}`,
    );
  }
  log(`${tenMillion.name}: ${tenMillion.minutes.toFixed(1)} minutes`);
  log(
    `the same without stored verdicts (every proof checked after close): ${tenMillion.withoutVerdicts.toFixed(1)} minutes`,
  );
  log(
    `judging while voting runs at the province peak (2,800 ballots/s): ${tenMillion.judgingThreadsAtPeak.toFixed(1)} threads of this machine`,
  );
  const result = {
    suite: 'tally',
    extrapolation: tenMillion,
    at: new Date().toISOString(),
    node: process.version,
    method:
      "in memory over a synthetic revision-2 record (synth.ts): the registrar's TallyPool (pages of 1,000 stored rows) judging while voting runs (prejudge, 1 thread), aggregating after close with and without the stored verdicts on 1 thread and on every core, and the single-threaded CountingPass; Cassandra reads excluded",
    baseline: { name: BASELINE_NAME, perSecond: baseline },
    figures,
  };
  const out = options.out ?? join('bench-results', `tally-${result.at.replace(/[:.]/g, '-')}.json`);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else log(`wrote ${out}`);
  return 0;
}
