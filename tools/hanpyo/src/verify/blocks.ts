// `hanpyo verify`, the blocks (SPEC §8, §10): each line parsed, then every block replayed over the
// board — chain, cuts, district roots, counts, signatures — and the cuts' coverage of the board.
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseSignedBlock } from '@hanpyo/contracts';
import type { Manifest, SignedBlock } from '@hanpyo/contracts';
import { BlockReplayer } from '@hanpyo/ledger';
import type { LedgerEntry } from '@hanpyo/ledger';
import { UnreadableRecord } from '../failures.js';
import { RECORD_FILES } from '../record-io.js';
import type { Failures } from './collect.js';
import type { EntrySummary } from './entries.js';
import { contractFailures } from './io.js';

/** What the replay reads of an entry: its place and its leaf. */
export type LeafEntry = Pick<
  EntrySummary,
  'parsed' | 'partition' | 'offset' | 'trackingCode' | 'districtId'
>;

/** Every line of blocks.ndjson that parses; the others are failures. */
export async function readBlocks(
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
export function replayBlocks(
  manifest: Manifest,
  genesisHash: string,
  blocks: readonly { line: number; signed: SignedBlock }[],
  entries: readonly LeafEntry[],
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
