// `hanpyo bench crypto`: per-core throughput, every figure also as a ratio to @noble/curves'
// fixed-base multiplication rate measured in the same run (the machine is shared and noisy, so
// only ratios compare across runs). Prints a table and writes JSON.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseManifest } from '@hanpyo/contracts';
import {
  checkBallot,
  deterministicRandom,
  electionContext,
  encryptBallot,
  group,
  initCrypto,
  loadSodiumBackend,
  nobleBackend,
  randomBallotNonces,
  withBackend,
} from '@hanpyo/crypto';
import type { GroupBackend } from '@hanpyo/crypto';
import { ristretto255 } from '@noble/curves/ed25519.js';
import { initFastest } from './backend.js';
import { writeRecord } from './record-io.js';
import { synthesize } from './synth.js';
import { verifyRecord } from './verify.js';

export interface BenchOptions {
  readonly json: boolean;
  readonly seconds: number;
  readonly out?: string;
  /** Voters of the synth+verify record (10,000 by default). */
  readonly voters?: number;
}

interface Figure {
  name: string;
  backend: string;
  perSecond: number;
  ratio: number;
  unit: string;
}

/** Runs `f` repeatedly for about `seconds` (after a warm-up) and returns calls per second. */
function rate(seconds: number, f: (i: number) => void): number {
  for (let i = 0; i < 10; i++) f(i);
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    for (let k = 0; k < 10; k++) f(n++);
    elapsed = performance.now() - start;
  }
  return n / (elapsed / 1000);
}

/** A ballot of one contest with 5 options, choose 1 (the benchmark ballot of the issue). */
function benchManifest() {
  return parseManifest({
    spec: 'hanpyo/1',
    electionId: 'bench',
    title: 'bench',
    opens: '2026-01-01T00:00:00Z',
    closes: '2026-01-02T00:00:00Z',
    revotePolicy: 'last',
    encryptionModes: ['client'],
    commitmentIntervalSeconds: 3600,
    contests: [
      {
        contestId: 'mayor',
        title: 'Mayor',
        options: ['a', 'b', 'c', 'd', 'e'].map((o) => ({ optionId: o, title: o })),
        minSelections: 1,
        maxSelections: 1,
      },
    ],
    ballotStyles: [{ ballotStyleId: 's', contestIds: ['mayor'] }],
    districts: [{ districtId: 'd', name: 'd', ballotStyleId: 's', registeredVoters: 1000 }],
    trustees: { count: 1, threshold: 1 },
    tokenIssuers: [],
    edgeSigners: [],
    ledgerSigners: [],
    witnesses: [],
  });
}

export async function runBench(options: BenchOptions): Promise<number> {
  const seconds = options.seconds > 0 ? options.seconds : 2;
  const rng = deterministicRandom('bench');
  const scalars = Array.from({ length: 256 }, () => rng.scalar());
  const log = (s: string) => {
    if (!options.json) process.stdout.write(`${s}\n`);
  };

  // Baseline: noble's fixed-base multiplication (precomputed G table), same run, same core.
  const base = ristretto255.Point.BASE;
  const baseline = rate(seconds, (i) => base.multiply(scalars[i & 255]!));
  log(`baseline: @noble/curves ristretto255 fixed-base multiplication ${baseline.toFixed(0)}/s`);

  const backends: GroupBackend[] = [nobleBackend, await loadSodiumBackend()];
  const fastest = await initFastest();
  if (!backends.some((b) => b.name === fastest.name)) backends.push(fastest);
  const figures: Figure[] = [];
  const add = (name: string, backend: string, perSecond: number, unit: string) => {
    figures.push({ name, backend, perSecond, ratio: perSecond / baseline, unit });
    log(
      `${name.padEnd(34)} ${backend.padEnd(7)} ${perSecond.toFixed(1).padStart(10)} ${unit.padEnd(10)} ratio ${(perSecond / baseline).toFixed(4)}`,
    );
  };

  const manifest = benchManifest();
  for (const backend of backends) {
    withBackend(backend, () => {
      add(
        'fixed-base multiplication k·G',
        backend.name,
        rate(seconds, (i) => group().mulBase(scalars[i & 255]!)),
        'mult/s',
      );
      const K = group().mulBase(scalars[0]!);
      const election = electionContext(manifest, K);
      const prepared = election.K;
      add(
        'fixed-base multiplication k·K',
        backend.name,
        rate(seconds, (i) => prepared.mul(scalars[i & 255]!)),
        'mult/s',
      );
      const nonces = randomBallotNonces(rng);
      const voter = { districtId: 'd', nullifier: rng.bytes(32) };
      const choices = ['a', 'b', 'c', 'd', 'e'];
      add(
        'encrypt+prove, 5 options choose 1',
        backend.name,
        rate(seconds, (i) => encryptBallot(election, voter, { mayor: [choices[i % 5]!] }, nonces)),
        'ballots/s',
      );
      const ballot = encryptBallot(election, voter, { mayor: ['c'] }, nonces);
      add(
        'verify, 5 options choose 1',
        backend.name,
        rate(seconds, () => {
          if (checkBallot(election, ballot).length > 0)
            throw new Error('benchmark ballot does not verify');
        }),
        'ballots/s',
      );
    });
  }

  // synth + verify of a 10,000-voter record with the fastest backend.
  await initCrypto({ backend: fastest.name === 'noble' ? 'noble' : 'sodium' });
  await initFastest();
  const voters = options.voters ?? 10_000;
  const dir = join(tmpdir(), `hanpyo-bench-${process.pid}`);
  const t0 = performance.now();
  const { record } = synthesize({
    voters,
    districts: 10,
    policy: 'last',
    blocks: 4,
    seed: 'bench',
  });
  const synthSeconds = (performance.now() - t0) / 1000;
  await writeRecord(dir, record);
  add(
    `synth ${voters}-voter record`,
    fastest.name,
    record.ballots.length / synthSeconds,
    'ballots/s',
  );
  const t1 = performance.now();
  const oneCore = await verifyRecord(dir, { workers: 1 });
  const verifyOne = (performance.now() - t1) / 1000;
  if (!oneCore.valid) throw new Error('benchmark record does not verify');
  add(
    `verify ${voters}-voter record, 1 worker`,
    fastest.name,
    record.ballots.length / verifyOne,
    'ballots/s',
  );
  const cores = availableParallelism();
  const t2 = performance.now();
  await verifyRecord(dir, { workers: cores });
  const verifyAll = (performance.now() - t2) / 1000;
  add(
    `verify ${voters}-voter record, ${cores} workers`,
    fastest.name,
    record.ballots.length / verifyAll,
    'ballots/s',
  );
  await rm(dir, { recursive: true, force: true });

  const result = {
    suite: 'crypto',
    at: new Date().toISOString(),
    node: process.version,
    cores,
    baseline: { name: '@noble/curves ristretto255 Point.BASE.multiply', perSecond: baseline },
    figures,
    record: {
      voters,
      ballots: record.ballots.length,
      synthSeconds,
      verifySeconds1Worker: verifyOne,
      verifySecondsAllWorkers: verifyAll,
    },
  };
  const out =
    options.out ?? join('bench-results', `crypto-${result.at.replace(/[:.]/g, '-')}.json`);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else log(`wrote ${out}`);
  return 0;
}
