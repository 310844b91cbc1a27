// `hanpyo verify`: checks an election record (SPEC §10) and reports every failure with its place,
// and every refused entry (SPEC §6: on the board, never counted) with its place and rule, apart
// from the failures: a refused entry alone does not make a record invalid. One stage per file
// under verify/; ballot proofs and authorization — the bulk of the work — run on all cores in
// worker threads, the rest on the main thread over compact summaries. What counts is decided by
// @hanpyo/counting, the same code the tally runs.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCeremony, parseManifest } from '@hanpyo/contracts';
import type { CeremonyRecord, Manifest } from '@hanpyo/contracts';
import {
  checkCeremony,
  electionBaseHash,
  group,
  manifestHash,
  pointFromText,
  toHex,
} from '@hanpyo/crypto';
import type { Point } from '@hanpyo/crypto';
import { Aggregates, countedEntries } from '@hanpyo/counting';
import type { PartialAggregates } from '@hanpyo/counting';
import { ThreadPool, pipeline, podCores } from '@hanpyo/worker-pool';
import { initFastest } from './backend.js';
import { UnreadableRecord } from './failures.js';
import type { Failure } from './failures.js';
import { RECORD_FILES } from './record-io.js';
import { checkBoard } from './verify/board.js';
import { readBlocks, replayBlocks } from './verify/blocks.js';
import { Failures, RefusedEntries } from './verify/collect.js';
import type { RefusedEntry } from './verify/collect.js';
import type { EntrySummary } from './verify/entries.js';
import { contractFailures, lineBatches, readJson } from './verify/io.js';
import { checkTally } from './verify/tally.js';

export type { RefusedEntry } from './verify/collect.js';

export interface VerifyOptions {
  /** Worker threads for ballot proofs; default: every core. */
  readonly workers?: number;
  /** Group backend: 'native' | 'sodium' | 'noble'; default: the fastest available. */
  readonly backend?: string;
  readonly onProgress?: (stage: string, done: number, total: number) => void;
}

export interface VerifyReport {
  /** True when nothing fails; refused entries do not make a record invalid. */
  readonly valid: boolean;
  readonly failures: Failure[];
  /** Failures counted but not listed (more than 1,000 of one code). */
  readonly unlisted: Record<string, number>;
  /** Board entries that are never counted (SPEC §6, §9), with their place and rule. */
  readonly refused: RefusedEntry[];
  /** Refused entries counted but not listed (more than 1,000 of one rule), by rule. */
  readonly refusedUnlisted: Record<string, number>;
  readonly stats: {
    ballots: number;
    /** Entries authorized by SPEC §6. */
    authorized: number;
    /** Authorized entries whose ballot is valid: those that may count. */
    validBallots: number;
    /** Entries that will never count, in all and by first failed rule. */
    refused: number;
    refusedByRule: Record<string, number>;
    blocks: number;
    counted: number;
    seconds: number;
  };
}

type Stats = Omit<VerifyReport['stats'], 'seconds'>;
const EMPTY: Stats = {
  ballots: 0,
  authorized: 0,
  validBallots: 0,
  refused: 0,
  refusedByRule: {},
  blocks: 0,
  counted: 0,
};

/** Verifies the record in `dir`. Throws UnreadableRecord when it cannot be read at all. */
export async function verifyRecord(
  dir: string,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const started = performance.now();
  const progress = options.onProgress ?? (() => undefined);
  const failures = new Failures();
  const refused = new RefusedEntries();
  await initFastest(options.backend);
  const g = group();

  // --- manifest and ceremony (SPEC §2, §3) -------------------------------------------------
  const rawManifest = await readJson(dir, RECORD_FILES.manifest);
  const rawCeremony = await readJson(dir, RECORD_FILES.ceremony);
  let manifest: Manifest;
  try {
    manifest = parseManifest(rawManifest);
  } catch (e) {
    contractFailures(failures, 'MANIFEST_INVALID', RECORD_FILES.manifest, e);
    return finish(failures, refused, started, EMPTY);
  }
  let ceremony: CeremonyRecord;
  let K: Point;
  try {
    ceremony = parseCeremony(rawCeremony);
    K = pointFromText(ceremony.jointPublicKey);
  } catch (e) {
    contractFailures(failures, 'CEREMONY_MALFORMED', RECORD_FILES.ceremony, e);
    return finish(failures, refused, started, EMPTY);
  }
  const mh = manifestHash(manifest);
  for (const issue of checkCeremony(mh, manifest.trustees, ceremony)) {
    failures.add(
      issue.code,
      {
        file: RECORD_FILES.ceremony,
        ...(issue.trustee !== undefined ? { trustee: issue.trustee } : {}),
        ...(issue.coefficient !== undefined ? { path: `coefficient ${issue.coefficient}` } : {}),
      },
      issue.message,
    );
  }
  const Q = electionBaseHash(mh, K);

  // --- pass 1: every board entry judged: SPEC §6 authorization, SPEC §9 ballot validity -------
  const ballotsPath = join(dir, RECORD_FILES.ballots);
  await readFile(ballotsPath, { flag: 'r' })
    .catch((e: NodeJS.ErrnoException) => {
      throw new UnreadableRecord(
        `${RECORD_FILES.ballots}: ${e.code === 'ENOENT' ? 'missing' : e.message}`,
      );
    })
    .then(() => undefined);
  const workers = options.workers ?? podCores();
  const pool = new ThreadPool({
    filename: new URL('./verify/worker.js', import.meta.url),
    threads: workers,
    workerData: {
      manifest: rawManifest,
      jointPublicKey: ceremony.jointPublicKey,
      backend: options.backend ?? g.name,
    },
  });
  const entries: Omit<EntrySummary, 'failures' | 'refusals'>[] = [];
  try {
    await pipeline(
      lineBatches(ballotsPath),
      (b) =>
        pool.run<(EntrySummary & { places: Failure['place'][] })[]>('check', {
          firstLine: b.firstLine,
          texts: b.texts,
        }),
      (summaries) => {
        for (const { failures: f, refusals, places, ...summary } of summaries) {
          for (const x of f) failures.add(x.code, x.place, x.message);
          if (refusals.length > 0) {
            refused.add({
              place: places[0]!,
              rule: refusals[0]!.rule,
              code: refusals[0]!.code,
              message: refusals.map((r) => `${r.code}: ${r.message}`).join('; '),
            });
          }
          entries.push(summary);
        }
        progress('ballots verified', entries.length, entries.length);
      },
      pool.size * 3,
    );
    checkBoard(entries, failures);

    // --- blocks: chain, cuts, replayed roots, signatures (SPEC §8) ---------------------------
    const blocks = await readBlocks(dir, failures);
    const replayedBlocks = replayBlocks(manifest, toHex(Q), blocks, entries, failures);

    // --- the counted set and its aggregates (SPEC §9), by the counting core --------------------
    const { counted, conflicts, conflictTotal } = countedEntries(
      manifest.revotePolicy,
      manifest.districts.map((d) => d.districtId),
      entries.map((e) => ({
        // An authorized entry's district is its token's, a district of the manifest (SPEC §4).
        authorized: e.parsed && e.authorized,
        valid: () => e.countable,
        nullifier: e.nullifier,
        districtId: e.districtId,
        partition: e.partition,
        offset: e.offset,
      })),
    );
    for (const c of conflicts) {
      failures.add(
        'NULLIFIER_DISTRICTS',
        { file: RECORD_FILES.ballots, district: c.districts.join(',') },
        `nullifier ${c.nullifier} has authorized entries in districts ${c.districts.join(' and ')} (SPEC §9: a voter belongs to one district)`,
      );
    }
    if (conflictTotal > conflicts.length)
      failures.add(
        'NULLIFIER_DISTRICTS',
        { file: RECORD_FILES.ballots },
        `${conflictTotal - conflicts.length} more nullifiers with authorized entries in two districts`,
      );
    const countedFlags = new Uint8Array(entries.length);
    for (const i of counted) countedFlags[i] = 1;
    const aggregates = new Aggregates();
    let index = 0;
    await pipeline(
      lineBatches(ballotsPath),
      (b) => {
        const flags = b.texts.map((_, i) => countedFlags[index + i] === 1);
        index += b.texts.length;
        return pool.run<PartialAggregates>('sum', { texts: b.texts, counted: flags });
      },
      (sums) => aggregates.merge(sums),
      pool.size * 3,
    );
    await checkTally(dir, manifest, ceremony, Q, aggregates, failures);
    return finish(failures, refused, started, {
      ballots: entries.length,
      authorized: entries.filter((e) => e.authorized).length,
      validBallots: entries.filter((e) => e.countable).length,
      refused: refused.total,
      refusedByRule: refused.byRule,
      blocks: replayedBlocks,
      counted: counted.length,
    });
  } finally {
    await pool.close();
  }
}

function finish(
  failures: Failures,
  refused: RefusedEntries,
  started: number,
  stats: Stats,
): VerifyReport {
  return {
    valid: failures.count === 0,
    failures: failures.list,
    unlisted: failures.unlisted,
    refused: refused.list,
    refusedUnlisted: refused.unlisted,
    stats: { ...stats, seconds: (performance.now() - started) / 1000 },
  };
}
