// `hanpyo verify`: checks an election record (SPEC §10) and reports every failure with its place.
// Ballot proofs — the bulk of the work — run on all cores in worker threads; the board, blocks and
// tally checks run on the main thread over compact summaries.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  ContractError,
  parseCeremony,
  parseManifest,
  parseSignedBlock,
  parseTally,
} from '@hanpyo/contracts';
import type { CeremonyRecord, Manifest, SignedBlock, Tally } from '@hanpyo/contracts';
import {
  IDENTITY,
  checkCeremony,
  combinePartialDecryptions,
  electionBaseHash,
  group,
  isIdentity,
  manifestHash,
  pointFromText,
  pointToText,
  publicShare,
  scalarFromText,
  toHex,
  verifyPartialDecryption,
} from '@hanpyo/crypto';
import type { Point } from '@hanpyo/crypto';
import { BlockReplayer } from '@hanpyo/ledger';
import type { LedgerEntry } from '@hanpyo/ledger';
import { initFastest } from './backend.js';
import type { EntrySummary } from './ballot-check.js';
import { countedSet } from './counting.js';
import { UnreadableRecord } from './failures.js';
import type { Failure, Place } from './failures.js';
import { RECORD_FILES } from './record-io.js';
import { WorkerPool, pipeline } from './worker-pool.js';

export interface VerifyOptions {
  /** Worker threads for ballot proofs; default: every core. */
  readonly workers?: number;
  /** Group backend: 'native' | 'sodium' | 'noble'; default: the fastest available. */
  readonly backend?: string;
  readonly onProgress?: (stage: string, done: number, total: number) => void;
}

export interface VerifyReport {
  readonly valid: boolean;
  readonly failures: Failure[];
  /** Failures counted but not listed (more than MAX_LISTED of one code). */
  readonly unlisted: Record<string, number>;
  readonly stats: {
    ballots: number;
    validBallots: number;
    blocks: number;
    counted: number;
    seconds: number;
  };
}

const MAX_LISTED = 1000;
const BATCH = 128;

/** Collects failures, listing at most MAX_LISTED per code. */
class Failures {
  readonly list: Failure[] = [];
  readonly unlisted: Record<string, number> = {};
  private readonly perCode = new Map<string, number>();
  add(code: string, place: Place, message: string): void {
    const n = (this.perCode.get(code) ?? 0) + 1;
    this.perCode.set(code, n);
    if (n <= MAX_LISTED) this.list.push({ code, place, message });
    else this.unlisted[code] = (this.unlisted[code] ?? 0) + 1;
  }
  get count(): number {
    let n = 0;
    for (const v of this.perCode.values()) n += v;
    return n;
  }
}

async function readJson(dir: string, file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(join(dir, file), 'utf8');
  } catch (e) {
    throw new UnreadableRecord(
      `${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (e as Error).message}`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UnreadableRecord(`${file}: not JSON`);
  }
}

function contractFailures(failures: Failures, code: string, file: string, e: unknown): void {
  if (e instanceof ContractError)
    for (const i of e.issues) failures.add(code, { file, path: i.path }, i.message);
  else failures.add(code, { file }, String(e));
}

async function* lineBatches(path: string): AsyncGenerator<{ firstLine: number; texts: string[] }> {
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let texts: string[] = [];
  let line = 0;
  let first = 1;
  for await (const text of rl) {
    line++;
    if (text.length === 0) continue; // a trailing newline, or blank lines: not entries
    if (texts.length === 0) first = line;
    texts.push(text);
    if (texts.length >= BATCH) {
      yield { firstLine: first, texts };
      texts = [];
    }
  }
  if (texts.length > 0) yield { firstLine: first, texts };
}

/** Verifies the record in `dir`. Throws UnreadableRecord when it cannot be read at all. */
export async function verifyRecord(
  dir: string,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const started = performance.now();
  const progress = options.onProgress ?? (() => undefined);
  const failures = new Failures();
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
    return finish(failures, started, { ballots: 0, validBallots: 0, blocks: 0, counted: 0 });
  }
  let ceremony: CeremonyRecord;
  let K: Point;
  try {
    ceremony = parseCeremony(rawCeremony);
    K = pointFromText(ceremony.jointPublicKey);
  } catch (e) {
    contractFailures(failures, 'CEREMONY_MALFORMED', RECORD_FILES.ceremony, e);
    return finish(failures, started, { ballots: 0, validBallots: 0, blocks: 0, counted: 0 });
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

  // --- pass 1: every board entry, its ballot proofs and tracking code (SPEC §5, §6) ---------
  const ballotsPath = join(dir, RECORD_FILES.ballots);
  await readFile(ballotsPath, { flag: 'r' })
    .catch((e: NodeJS.ErrnoException) => {
      throw new UnreadableRecord(
        `${RECORD_FILES.ballots}: ${e.code === 'ENOENT' ? 'missing' : e.message}`,
      );
    })
    .then(() => undefined);
  const workers = options.workers ?? availableParallelism();
  const pool = new WorkerPool(new URL('./verify-worker.js', import.meta.url), workers, {
    manifest: rawManifest,
    jointPublicKey: ceremony.jointPublicKey,
    backend: options.backend ?? g.name,
  });
  const entries: Omit<EntrySummary, 'failures'>[] = [];
  try {
    await pipeline(
      lineBatches(ballotsPath),
      (b) =>
        pool.request<{ summaries: EntrySummary[] }>({
          kind: 'check',
          firstLine: b.firstLine,
          texts: b.texts,
        }),
      ({ summaries }) => {
        for (const { failures: f, ...summary } of summaries) {
          for (const x of f) failures.add(x.code, x.place, x.message);
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

    // --- tally (SPEC §9) -------------------------------------------------------------------
    const counted = countedSet(
      manifest.revotePolicy,
      entries.map((e) => ({ ...e, valid: e.valid && e.parsed })),
    );
    const countedFlags = new Uint8Array(entries.length);
    for (const i of counted) countedFlags[i] = 1;
    const sums = new Map<string, [Point, Point]>();
    let index = 0;
    await pipeline(
      lineBatches(ballotsPath),
      (b) => {
        const flags = b.texts.map((_, i) => countedFlags[index + i] === 1);
        index += b.texts.length;
        return pool.request<{ sums: Record<string, [string, string]> }>({
          kind: 'sum',
          texts: b.texts,
          counted: flags,
        });
      },
      (r) => {
        for (const [key, [a, b]] of Object.entries(r.sums)) {
          const [A, B] = sums.get(key) ?? [IDENTITY, IDENTITY];
          sums.set(key, [
            add(A, pointFromText(a, { allowIdentity: true })),
            add(B, pointFromText(b, { allowIdentity: true })),
          ]);
        }
      },
      pool.size * 3,
    );
    const countedPerDistrict = new Map<string, number>();
    for (const i of counted) {
      const d = entries[i]!.districtId;
      countedPerDistrict.set(d, (countedPerDistrict.get(d) ?? 0) + 1);
    }
    await checkTally(dir, manifest, ceremony, Q, sums, countedPerDistrict, failures);
    return finish(failures, started, {
      ballots: entries.length,
      validBallots: entries.filter((e) => e.valid).length,
      blocks: replayedBlocks,
      counted: counted.length,
    });
  } finally {
    await pool.close();
  }

  function add(a: Point, b: Point): Point {
    if (isIdentity(a)) return b;
    if (isIdentity(b)) return a;
    return g.add(a, b);
  }
}

function finish(
  failures: Failures,
  started: number,
  stats: Omit<VerifyReport['stats'], 'seconds'>,
): VerifyReport {
  return {
    valid: failures.count === 0,
    failures: failures.list,
    unlisted: failures.unlisted,
    stats: { ...stats, seconds: (performance.now() - started) / 1000 },
  };
}

/** SPEC §6, §10: entries in (partition, offset) order, each offset once, no gaps from 0. */
function checkBoard(entries: readonly Omit<EntrySummary, 'failures'>[], failures: Failures): void {
  const file = RECORD_FILES.ballots;
  const next = new Map<number, number>();
  const partitionOf = new Map<string, number>();
  let previous: { partition: number; offset: number } | undefined;
  for (const e of entries) {
    if (!e.parsed) continue;
    const place = { file, line: e.line, ballot: e.line - 1, partition: e.partition };
    if (
      previous &&
      (e.partition < previous.partition ||
        (e.partition === previous.partition && e.offset <= previous.offset))
    ) {
      failures.add(
        e.partition === previous.partition && e.offset === previous.offset
          ? 'BOARD_DUPLICATE'
          : 'BOARD_ORDER',
        place,
        `entry ${e.partition}/${e.offset} does not follow ${previous.partition}/${previous.offset} in board order`,
      );
    }
    const expected = next.get(e.partition) ?? 0;
    if (e.offset > expected) {
      failures.add(
        'BOARD_GAP',
        place,
        `partition ${e.partition} has no entries at offsets ${expected}..${e.offset - 1}`,
      );
    }
    next.set(e.partition, Math.max(expected, e.offset + 1));
    previous = { partition: e.partition, offset: e.offset };
    // SPEC §9: one voter's ballots share a partition, so board order between them is offset order.
    const p = partitionOf.get(e.nullifier);
    if (p === undefined) partitionOf.set(e.nullifier, e.partition);
    else if (p !== e.partition) {
      failures.add(
        'NULLIFIER_PARTITIONS',
        { ...place, district: e.districtId },
        'ballots of one nullifier are on different partitions',
      );
    }
  }
}

async function readBlocks(
  dir: string,
  failures: Failures,
): Promise<{ line: number; signed: SignedBlock }[]> {
  const path = join(dir, RECORD_FILES.blocks);
  const out: { line: number; signed: SignedBlock }[] = [];
  let line = 0;
  try {
    const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
    for await (const text of rl) {
      line++;
      if (text.length === 0) continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        failures.add('BLOCK_UNPARSEABLE', { file: RECORD_FILES.blocks, line }, 'line is not JSON');
        continue;
      }
      try {
        out.push({ line, signed: parseSignedBlock(value) });
      } catch (e) {
        contractFailures(failures, 'BLOCK_MALFORMED', `${RECORD_FILES.blocks}:${line}`, e);
      }
    }
  } catch (e) {
    throw new UnreadableRecord(
      `${RECORD_FILES.blocks}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (e as Error).message}`,
    );
  }
  return out;
}

/** Replays every block over the board: chain, cuts, roots, counts, signatures, coverage. */
function replayBlocks(
  manifest: Manifest,
  genesisHash: string,
  blocks: readonly { line: number; signed: SignedBlock }[],
  entries: readonly Omit<EntrySummary, 'failures'>[],
  failures: Failures,
): number {
  // Board entries by partition, in offset order, for slicing by cut.
  const byPartition = new Map<number, LedgerEntry[]>();
  for (const e of entries) {
    if (!e.parsed) continue;
    let list = byPartition.get(e.partition);
    if (!list) byPartition.set(e.partition, (list = []));
    list.push({
      partition: e.partition,
      offset: e.offset,
      trackingCode: e.trackingCode,
      districtId: e.districtId,
    });
  }
  for (const list of byPartition.values()) list.sort((a, b) => a.offset - b.offset);
  const replayer = new BlockReplayer({ manifest, genesisHash });
  const covered = new Map<number, number>();
  for (const { line, signed } of blocks) {
    const { block } = signed;
    const inside: LedgerEntry[] = [];
    for (const cut of block.cuts) {
      const list = byPartition.get(cut.partition) ?? [];
      for (
        let i = lowerBound(list, cut.fromOffset);
        i < list.length && list[i]!.offset < cut.toOffset;
        i++
      )
        inside.push(list[i]!);
      covered.set(cut.partition, Math.max(covered.get(cut.partition) ?? 0, cut.toOffset));
    }
    for (const f of replayer.replay(block, inside, signed.signatures)) {
      failures.add(
        f.code,
        {
          file: RECORD_FILES.blocks,
          line,
          height: f.height,
          ...(f.districtId !== undefined ? { district: f.districtId } : {}),
          ...(f.partition !== undefined ? { partition: f.partition } : {}),
          ...(f.keyId !== undefined ? { path: `key ${f.keyId}` } : {}),
        },
        f.message,
      );
    }
  }
  for (const f of replayer.finish({ requireFinal: true }))
    failures.add(f.code, { file: RECORD_FILES.blocks, height: f.height }, f.message);
  // SPEC §10: the cuts cover exactly the board.
  for (const [partition, list] of byPartition) {
    const end = list[list.length - 1]!.offset + 1;
    const to = covered.get(partition) ?? 0;
    if (to < end)
      failures.add(
        'BOARD_UNCOVERED',
        { file: RECORD_FILES.ballots, partition },
        `offsets ${to}..${end - 1} of partition ${partition} are in no block`,
      );
  }
  for (const [partition, to] of covered) {
    const list = byPartition.get(partition);
    const end = list && list.length > 0 ? list[list.length - 1]!.offset + 1 : 0;
    if (to > end)
      failures.add(
        'BLOCK_BEYOND_BOARD',
        { file: RECORD_FILES.blocks, partition },
        `blocks cover offsets up to ${to - 1}, the board ends at ${end - 1}`,
      );
  }
  return blocks.length;
}

function lowerBound(list: readonly LedgerEntry[], offset: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.offset < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** SPEC §9: counted set sizes, aggregates, every decryption proof, every count. */
async function checkTally(
  dir: string,
  manifest: Manifest,
  ceremony: CeremonyRecord,
  Q: Uint8Array,
  sums: ReadonlyMap<string, [Point, Point]>,
  countedPerDistrict: ReadonlyMap<string, number>,
  failures: Failures,
): Promise<void> {
  const file = RECORD_FILES.tally;
  let tally: Tally;
  try {
    tally = parseTally(await readJson(dir, file));
  } catch (e) {
    if (e instanceof UnreadableRecord) failures.add('TALLY_MISSING', { file }, e.message);
    else contractFailures(failures, 'TALLY_MALFORMED', file, e);
    return;
  }
  const g = group();
  const { count: n, threshold: t } = manifest.trustees;
  const used = tally.trusteesUsed;
  if (new Set(used).size !== used.length || used.length < t || used.some((i) => i < 1 || i > n)) {
    failures.add(
      'TALLY_TRUSTEES',
      { file, path: '$.trusteesUsed' },
      `need at least ${t} distinct trustees in 1..${n}`,
    );
    return;
  }
  const publicShares = new Map(used.map((i) => [i, publicShare(ceremony, i)]));
  const districts = new Map(manifest.districts.map((d) => [d.districtId, d]));
  const styles = new Map(manifest.ballotStyles.map((s) => [s.ballotStyleId, s]));
  const contests = new Map(manifest.contests.map((c) => [c.contestId, c]));
  const seen = new Set<string>();
  tally.districts.forEach((td, di) => {
    const district = districts.get(td.districtId);
    const dplace = { file, district: td.districtId, path: `$.districts[${di}]` };
    if (!district || seen.has(td.districtId)) {
      failures.add(
        'TALLY_DISTRICTS',
        dplace,
        district ? 'district listed twice' : 'unknown district',
      );
      return;
    }
    seen.add(td.districtId);
    const counted = countedPerDistrict.get(td.districtId) ?? 0;
    if (td.counted !== counted)
      failures.add(
        'TALLY_COUNTED',
        dplace,
        `counted set has ${counted} ballots, the tally says ${td.counted}`,
      );
    const contestIds = styles.get(district.ballotStyleId)!.contestIds;
    if (
      td.contests.length !== contestIds.length ||
      td.contests.some((c, i) => c.contestId !== contestIds[i])
    ) {
      failures.add(
        'TALLY_STRUCTURE',
        dplace,
        `contests must be ${contestIds.join(', ')} in ballot-style order`,
      );
      return;
    }
    for (const tc of td.contests) {
      const options = contests.get(tc.contestId)!.options;
      if (
        tc.options.length !== options.length ||
        tc.options.some((o, i) => o.optionId !== options[i]!.optionId)
      ) {
        failures.add(
          'TALLY_STRUCTURE',
          { ...dplace, contest: tc.contestId },
          'options must be those of the manifest, in order',
        );
        continue;
      }
      for (const to of tc.options) {
        const place = { file, district: td.districtId, contest: tc.contestId, option: to.optionId };
        const [A, B] = sums.get(`${td.districtId}\u0000${tc.contestId}\u0000${to.optionId}`) ?? [
          IDENTITY,
          IDENTITY,
        ];
        if (to.A !== pointToText(A) || to.B !== pointToText(B)) {
          failures.add('TALLY_AGGREGATE', place, 'A or B is not the sum over the counted ballots');
          continue;
        }
        const trustees = to.shares.map((s) => s.trustee);
        if (trustees.length !== used.length || used.some((i) => !trustees.includes(i))) {
          failures.add(
            'TALLY_SHARES',
            place,
            `shares must come from exactly trustees ${used.join(',')}`,
          );
          continue;
        }
        let sharesValid = true;
        const parsed: { trustee: number; D: Point }[] = [];
        for (const s of to.shares) {
          try {
            const share = {
              trustee: s.trustee,
              D: pointFromText(s.D, { allowIdentity: true }),
              c: scalarFromText(s.c),
              z: scalarFromText(s.z),
            };
            if (!verifyPartialDecryption(Q, publicShares.get(s.trustee)!, A, share)) {
              failures.add(
                'DECRYPTION_PROOF_INVALID',
                { ...place, trustee: s.trustee },
                'partial decryption proof does not verify',
              );
              sharesValid = false;
            }
            parsed.push(share);
          } catch (e) {
            failures.add(
              'DECRYPTION_SHARE_MALFORMED',
              { ...place, trustee: s.trustee },
              (e as Error).message,
            );
            sharesValid = false;
          }
        }
        if (!sharesValid) continue;
        // SPEC §9: B − Σ λ_i·D_i = count·G with count ∈ [0, registeredVoters].
        const M = combinePartialDecryptions(B, parsed);
        const expected = to.count === 0 ? IDENTITY : g.mulBase(BigInt(to.count));
        if (to.count > district.registeredVoters || pointToText(M) !== pointToText(expected)) {
          failures.add(
            'TALLY_COUNT_MISMATCH',
            place,
            `the decryption does not equal count ${to.count}`,
          );
        }
      }
    }
  });
  for (const d of manifest.districts) {
    if (!seen.has(d.districtId))
      failures.add(
        'TALLY_DISTRICTS',
        { file, district: d.districtId },
        'district missing from the tally',
      );
  }
}
