// `hanpyo bench ledger`: one SPEC §8 block of N leaves (1,000,000 by default) built by @hanpyo/ledger
// as the ledger service builds it (BlockBuilder over DistrictLogs.full: every entry checked against
// the cuts, its tracking code decoded and leaf-hashed, appended to its district's MerkleLog, which
// keeps every subtree hash for proofs; then the district heads and the block hash), and as the
// observer replays it (the same over MerkleFrontier logs, roots only). Baseline, same run: raw
// SHA-256 (node:crypto, OpenSSL) of the same N leaves, SHA-256(0x00 ‖ 32-byte code) one by one —
// the least any Merkle tree of these leaves must hash. A tree hashes about 2N times (N leaves,
// N − 1 nodes), so a builder at the speed of the baseline hash would show a ratio near 0.5.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { deterministicRandom, toHex } from '@hanpyo/crypto';
import { BlockBuilder, DistrictLogs, MerkleFrontier } from '@hanpyo/ledger';
import type { LedgerEntry } from '@hanpyo/ledger';
import { figure } from './bench-suite-report.js';
import type { SuiteFigure } from './bench-suite-report.js';

export interface LedgerBenchOptions {
  readonly leaves: number;
  readonly json: boolean;
  readonly out?: string;
  readonly quiet?: boolean;
}

export interface LedgerBenchResult {
  readonly suite: 'ledger';
  readonly at: string;
  readonly node: string;
  readonly method: string;
  readonly leaves: number;
  readonly districts: number;
  readonly partitions: number;
  /** Leaves/s of each round; `perSecond` is their median. */
  readonly baseline: { readonly rounds: readonly number[]; readonly perSecond: number };
  readonly figures: readonly SuiteFigure[];
}

const DISTRICTS = 20;
const ROUNDS = 3;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
const PARTITIONS = 16;

/** Board entries of one block: `leaves` tracking codes over PARTITIONS partitions and DISTRICTS. */
function boardEntries(leaves: number): { entries: LedgerEntry[]; codes: Uint8Array[] } {
  const rng = deterministicRandom('bench-ledger');
  const entries: LedgerEntry[] = [];
  const codes: Uint8Array[] = [];
  const perPartition = Math.ceil(leaves / PARTITIONS);
  for (let i = 0; i < leaves; i++) {
    const code = rng.bytes(32);
    codes.push(code);
    // Board order (partition, offset), as the ledger reads a cut; districts spread over each.
    entries.push({
      partition: Math.floor(i / perPartition),
      offset: i % perPartition,
      trackingCode: toHex(code),
      districtId: `d-${String(i % DISTRICTS).padStart(3, '0')}`,
    });
  }
  return { entries, codes };
}

/** Leaves hashed per second with node:crypto, one SHA-256(0x00 ‖ code) each. */
function rawSha256(codes: readonly Uint8Array[]): number {
  const input = new Uint8Array(33);
  const t0 = performance.now();
  let check = 0;
  for (const code of codes) {
    input.set(code, 1);
    check ^= createHash('sha256').update(input).digest()[0]!;
  }
  const seconds = (performance.now() - t0) / 1000;
  if (check < 0) throw new Error('unreachable'); // keeps the digests alive
  return codes.length / seconds;
}

/** Measures; prints progress through `log`, writes nothing. */
export function measureLedger(
  options: Pick<LedgerBenchOptions, 'leaves'>,
  log: (line: string) => void = () => undefined,
): LedgerBenchResult {
  const { leaves } = options;
  log(`making ${leaves} board entries (${PARTITIONS} partitions, ${DISTRICTS} districts)…`);
  const { entries, codes } = boardEntries(leaves);
  const manifest = {
    electionId: 'bench-ledger',
    districts: Array.from({ length: DISTRICTS }, (_, d) => ({
      districtId: `d-${String(d).padStart(3, '0')}`,
      name: `d${d}`,
      ballotStyleId: 's',
      registeredVoters: leaves,
    })),
  };
  const perPartition = Math.ceil(leaves / PARTITIONS);
  const cuts = Array.from({ length: PARTITIONS }, (_, partition) => ({
    partition,
    fromOffset: 0,
    toOffset: Math.max(0, Math.min(perPartition, leaves - partition * perPartition)),
  }));
  const closing = { closedAt: '2026-06-03T01:00:00.000Z', final: false };
  const genesisHash = '00'.repeat(32);

  // Warm-up outside the figures (JIT of the hash and tree code), on a small block.
  {
    const small = new BlockBuilder({ manifest, genesisHash });
    const few = Math.min(leaves, 20_000);
    const warm = entries.slice(0, few).map((e, i) => ({ ...e, partition: 0, offset: i }));
    small.buildBlock(
      cuts.map((c) => ({ ...c, toOffset: c.partition === 0 ? few : 0 })),
      warm,
      closing,
    );
    rawSha256(codes.slice(0, few));
  }

  const build = (logs?: DistrictLogs) => {
    const builder = new BlockBuilder({ manifest, genesisHash, ...(logs ? { logs } : {}) });
    const t0 = performance.now();
    const built = builder.buildBlock(cuts, entries, closing);
    const seconds = (performance.now() - t0) / 1000;
    if (built.block.ballotCount !== leaves)
      throw new Error(`benchmark block holds ${built.block.ballotCount} leaves, not ${leaves}`);
    return { seconds, blockHash: built.blockHash };
  };
  const frontierLogs = () =>
    new DistrictLogs(
      manifest.districts.map((d) => d.districtId),
      () => new MerkleFrontier(),
    );
  // Rounds of (baseline, ledger block, observer block), and the median of each: on a shared
  // machine one pass of each can land in a burst of someone else's work (or of GC).
  const baselines: number[] = [];
  const fulls: number[] = [];
  const frontiers: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    log(
      `round ${round}/${ROUNDS}: raw SHA-256 of every leaf; a block of ${leaves} leaves built with MerkleLog (ledger), then MerkleFrontier (observer)…`,
    );
    baselines.push(rawSha256(codes));
    const full = build();
    const frontier = build(frontierLogs());
    if (frontier.blockHash !== full.blockHash)
      throw new Error('the frontier logs and the full logs disagree on the block hash');
    fulls.push(full.seconds);
    frontiers.push(frontier.seconds);
  }
  const perSecond = median(baselines);
  log(
    `baseline ${baselines.map((b) => b.toFixed(0)).join(', ')} leaves/s; ratios use the median, ${perSecond.toFixed(0)}`,
  );
  const full = { seconds: median(fulls) };
  const frontier = { seconds: median(frontiers) };
  const baseline = {
    name: 'raw SHA-256 of each leaf (node:crypto)',
    value: perSecond,
    unit: 'leaves/s',
  };
  const figures = [
    figure({
      bench: 'ledger',
      name: `block of ${leaves.toLocaleString('en-US')} leaves, ledger's MerkleLog`,
      value: leaves / full.seconds,
      unit: 'leaves/s',
      baseline,
      note: `${full.seconds.toFixed(2)} s per block, median of ${ROUNDS}`,
    }),
    figure({
      bench: 'ledger',
      name: `block of ${leaves.toLocaleString('en-US')} leaves, observer's MerkleFrontier`,
      value: leaves / frontier.seconds,
      unit: 'leaves/s',
      baseline,
      note: `${frontier.seconds.toFixed(2)} s per block, median of ${ROUNDS}`,
    }),
  ];
  for (const f of figures)
    log(`${f.name}: ${f.value.toFixed(0)} ${f.unit}, ratio ${f.ratio.toFixed(3)} (${f.note})`);
  return {
    suite: 'ledger',
    at: new Date().toISOString(),
    node: process.version,
    method: `@hanpyo/ledger BlockBuilder.buildBlock over ${PARTITIONS} partitions and ${DISTRICTS} districts, leaves = 32-byte tracking codes (SPEC §8), entries in board order; baseline: node:crypto SHA-256(0x00 ‖ code) per leaf over the same codes; ${ROUNDS} rounds of (baseline, MerkleLog block, MerkleFrontier block), medians`,
    leaves,
    districts: DISTRICTS,
    partitions: PARTITIONS,
    baseline: { rounds: baselines, perSecond },
    figures,
  };
}

export async function runLedgerBench(options: LedgerBenchOptions): Promise<number> {
  const print = (s: string) => {
    if (!options.json && !options.quiet) process.stdout.write(`${s}\n`);
  };
  const result = measureLedger(options, print);
  const out =
    options.out ?? join('bench-results', `ledger-${result.at.replace(/[:.]/g, '-')}.json`);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  if (options.json && !options.quiet) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else print(`wrote ${out}`);
  return 0;
}
