// `hanpyo bench tally`: the tally's aggregation per 100,000 ballots, exactly as the registrar does
// it — @hanpyo/counting's CountingPass over each stored row (parse the stored ballot text, judge the
// entry by SPEC §6 with native Ed25519, check the proofs of the ballot a voter's count may rest on,
// add the counted ciphertexts) in the policy's counting order — timed in memory over a synthetic
// record (tools/hanpyo/src/synth.ts) on one core, no Cassandra reads in the figure. Printed with its
// ratio to @noble/curves' fixed-base multiplication rate measured in the same run.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseBoardEntry } from '@hanpyo/contracts';
import type { BoardEntry } from '@hanpyo/contracts';
import { deterministicRandom, electionContext, pointFromText } from '@hanpyo/crypto';
import type { ElectionContext } from '@hanpyo/crypto';
import { NativeEd25519 } from '@hanpyo/crypto-native';
import { CountingPass } from '@hanpyo/counting';
import { ristretto255 } from '@noble/curves/ed25519.js';
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
  const pass = new CountingPass(election, {
    verify: new NativeEd25519().verify,
    ...(checkProofs ? {} : { validBallot: () => true }),
  });
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
  const rng = deterministicRandom('bench-tally');
  const scalars = Array.from({ length: 256 }, () => rng.scalar());
  const base = ristretto255.Point.BASE;
  const baselineStart = performance.now();
  let n = 0;
  while (performance.now() - baselineStart < 2000) {
    for (let k = 0; k < 10; k++) base.multiply(scalars[n++ & 255]!);
  }
  const baseline = n / ((performance.now() - baselineStart) / 1000);
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

  const time = (verifyProofs: boolean) => {
    const t0 = performance.now();
    const r = aggregate(election, rows, verifyProofs);
    const seconds = (performance.now() - t0) / 1000;
    // With proofs the pass must agree with synth's tally; without, the re-signed broken ballot
    // synth adds may count (that figure times the pass, it decides nothing).
    if (verifyProofs && r.counted !== record.tally.districts.reduce((s, d) => s + d.counted, 0))
      throw new Error('benchmark aggregation disagrees with the synthetic tally');
    return seconds;
  };
  const full = time(true);
  const sumsOnly = time(false);
  const figures = [
    { name: 'tally aggregation (authorization + proofs), 1 core', seconds: full },
    { name: 'tally aggregation (authorization + sums, no proofs), 1 core', seconds: sumsOnly },
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
  for (const f of figures) {
    log(
      `${f.name.padEnd(44)} ${f.backend.padEnd(7)} ${f.ballotsPerSecond.toFixed(1).padStart(9)} ballots/s  ${f.secondsPer100k.toFixed(1).padStart(8)} s per 100,000 ballots  ratio ${f.ratio.toFixed(4)}`,
    );
  }
  const result = {
    suite: 'tally',
    at: new Date().toISOString(),
    node: process.version,
    method:
      'in-memory CountingPass (the registrar tally code) over a synthetic revision-2 record (synth.ts), one core; Cassandra reads excluded',
    baseline: { name: '@noble/curves ristretto255 Point.BASE.multiply', perSecond: baseline },
    figures,
  };
  const out = options.out ?? join('bench-results', `tally-${result.at.replace(/[:.]/g, '-')}.json`);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else log(`wrote ${out}`);
  return 0;
}
