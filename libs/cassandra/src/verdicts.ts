// The registrar's board verdicts (migration 5): its judgment of each stored board row, made while
// the election runs, and how far each partition is judged. The tally reads a page of verdicts beside
// each page of board rows (same partition key and offsets) and re-judges any row whose verdict is
// missing or was made for other bytes (services/registrar/README.md, "Judging while voting runs").
import { execute, executeBatch } from './client.js';
import { pageBucket } from './tally.js';
import type { Store, Row } from './rows.js';
import { long } from './rows.js';

/** One stored verdict: the row's digest when it was judged, and the verdict (JSON). */
export interface StoredVerdict {
  readonly offset: number;
  readonly digest: Uint8Array;
  readonly verdict: string;
}

/**
 * Stores verdicts of `partition` whose offsets lie in one range `readBoardRange` accepts (one
 * unlogged batch of one Cassandra partition; an idempotent upsert).
 */
export async function putVerdicts(
  s: Store,
  electionId: string,
  partition: number,
  verdicts: readonly StoredVerdict[],
): Promise<void> {
  if (verdicts.length === 0) return;
  const offsets = verdicts.map((v) => v.offset);
  const bucket = pageBucket('verdict', Math.min(...offsets), Math.max(...offsets) + 1);
  await executeBatch(
    s.client,
    s.config,
    verdicts.map((v) => ({
      cql: 'INSERT INTO {ks}.board_verdicts (election_id, kafka_partition, offset_bucket, kafka_offset, row_digest, verdict) VALUES (?, ?, ?, ?, ?, ?)',
      params: [electionId, partition, bucket, v.offset, Buffer.from(v.digest), v.verdict],
    })),
  );
}

/** Verdicts of `partition` in `[from, to)` (a range `readBoardRange` accepts), by offset. */
export async function readVerdictRange(
  s: Store,
  electionId: string,
  partition: number,
  from: number,
  to: number,
): Promise<Map<number, StoredVerdict>> {
  const bucket = pageBucket('verdict', from, to);
  const r = await execute(
    s.client,
    s.config,
    'SELECT kafka_offset, row_digest, verdict FROM {ks}.board_verdicts WHERE election_id = ? AND kafka_partition = ? AND offset_bucket = ? AND kafka_offset >= ? AND kafka_offset < ?',
    [electionId, partition, bucket, from, to],
    { idempotent: true },
  );
  const out = new Map<number, StoredVerdict>();
  for (const row of r.rows as Row[]) {
    const offset = long(row.get('kafka_offset'));
    const digest = row.get('row_digest') as Buffer | null;
    const verdict = row.get('verdict') as string | null;
    if (digest === null || verdict === null) continue;
    out.set(offset, { offset, digest: new Uint8Array(digest), verdict });
  }
  return out;
}

/** For each partition with verdicts: the first offset not judged yet. */
export async function getVerdictProgress(
  s: Store,
  electionId: string,
): Promise<Map<number, number>> {
  const r = await execute(
    s.client,
    s.config,
    'SELECT kafka_partition, next_offset FROM {ks}.verdict_progress WHERE election_id = ?',
    [electionId],
    { idempotent: true },
  );
  return new Map(
    (r.rows as Row[]).map((row) => [
      row.get('kafka_partition') as number,
      long(row.get('next_offset')),
    ]),
  );
}

/** Records that every offset of `partition` below `nextOffset` has a stored verdict. */
export async function setVerdictProgress(
  s: Store,
  electionId: string,
  partition: number,
  nextOffset: number,
): Promise<void> {
  await execute(
    s.client,
    s.config,
    'UPDATE {ks}.verdict_progress SET next_offset = ? WHERE election_id = ? AND kafka_partition = ?',
    [nextOffset, electionId, partition],
    { idempotent: true },
  );
}
