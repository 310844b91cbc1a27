// `hanpyo bench tally`: the tally's aggregation per 100,000 ballots, as the registrar does it per
// board partition (parse the stored ballot text, check the tracking code and every proof, pick the
// counted ballot per voter, add the counted ciphertexts), timed in memory over a synthetic record
// (tools/hanpyo/src/synth.ts) on one core — no Cassandra reads in the figure. Printed with its
// ratio to @noble/curves' fixed-base multiplication rate measured in the same run.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  IDENTITY,
  checkBallot,
  deterministicRandom,
  electionContext,
  fromBase64url,
  group,
  isIdentity,
  pointFromText,
  trackingCode,
} from '@hanpyo/crypto';
import { initFastest } from './backend.js';
import type { ElectionContext, Point } from '@hanpyo/crypto';
import { parseEncryptedBallot } from '@hanpyo/contracts';
import { ristretto255 } from '@noble/curves/ed25519.js';
import { synthesize } from './synth.js';

export interface TallyBenchOptions {
  readonly ballots: number;
  readonly json: boolean;
  readonly out?: string;
}

interface StoredRow {
  readonly partition: number;
  readonly trackingCode: string;
  readonly ballot: string;
}

/** The registrar's per-partition aggregation (services/registrar/src/tally.service.ts), in memory. */
function aggregate(
  election: ElectionContext,
  rows: readonly StoredRow[],
  verifyProofs: boolean,
): { counted: number; sums: Map<string, [Point, Point]> } {
  const g = group();
  const add = (a: Point, b: Point) => (isIdentity(a) ? b : isIdentity(b) ? a : g.add(a, b));
  const sums = new Map<string, [Point, Point]>();
  let counted = 0;
  let i = 0;
  while (i < rows.length) {
    const partition = rows[i]!.partition;
    const chosen = new Map<string, [string, string, string][]>();
    for (; i < rows.length && rows[i]!.partition === partition; i++) {
      const row = rows[i]!;
      const ballot = parseEncryptedBallot(JSON.parse(row.ballot));
      if (verifyProofs) {
        if (trackingCode(ballot) !== row.trackingCode) continue;
        if (checkBallot(election, ballot).length > 0) continue;
      }
      // revotePolicy "last": the latest valid ballot of each voter.
      chosen.set(
        ballot.nullifier,
        ballot.contests.flatMap((c) =>
          c.selections.map(
            (s) =>
              [`${ballot.districtId}\u0000${c.contestId}\u0000${s.optionId}`, s.alpha, s.beta] as [
                string,
                string,
                string,
              ],
          ),
        ),
      );
    }
    for (const selections of chosen.values()) {
      counted++;
      for (const [key, alpha, beta] of selections) {
        const [A, B] = sums.get(key) ?? [IDENTITY, IDENTITY];
        sums.set(key, [add(A, fromBase64url(alpha, 32)), add(B, fromBase64url(beta, 32))]);
      }
    }
  }
  return { counted, sums };
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
  const rows = record.ballots.map((e) => ({
    partition: e.partition,
    trackingCode: e.trackingCode,
    ballot: JSON.stringify(e.ballot),
  }));

  const time = (verifyProofs: boolean) => {
    const t0 = performance.now();
    const r = aggregate(election, rows, verifyProofs);
    const seconds = (performance.now() - t0) / 1000;
    if (r.counted !== record.tally.districts.reduce((s, d) => s + d.counted, 0))
      throw new Error('benchmark aggregation disagrees with the synthetic tally');
    return seconds;
  };
  const full = time(true);
  const sumsOnly = time(false);
  const figures = [
    { name: 'tally aggregation (proofs checked), 1 core', seconds: full },
    { name: 'tally aggregation (sums only), 1 core', seconds: sumsOnly },
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
      'in-memory aggregation of a synthetic record (synth.ts) with the registrar tally steps, one core; Cassandra reads excluded',
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
