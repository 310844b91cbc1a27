// The tally's reads and writes (migration 3) and the board reads the tally and the export share:
// board entries by (partition, offset) range inside one offset bucket, the latest stored block.
import { execute } from './client.js';
import { OFFSET_BUCKET } from './migrations.js';
import type { Store, Row } from './rows.js';
import { long } from './rows.js';

/** One stored board row; `trackingCode` null marks a dead-letter placeholder (skip it). */
export interface BoardRow {
  readonly partition: number;
  readonly offset: number;
  readonly receivedAt: Date | null;
  readonly trackingCode: string | null;
  readonly districtId: string | null;
  /** The ballot's JSON as the persister stored it. */
  readonly ballot: string | null;
  /** The entry's token and cast signature (SPEC §6 revision 2); null when the entry had none. */
  readonly token: string | null;
  readonly castSignature: string | null;
}

/** The largest offset range `readBoardRange` reads in one query. */
export const BOARD_RANGE_MAX = 1000;

/**
 * Board rows of `partition` in `[from, to)`, ascending by offset. The range must lie inside one
 * offset bucket and span at most BOARD_RANGE_MAX offsets (use `boardRanges` to split a larger one),
 * so one query is one bounded page of one Cassandra partition.
 */
export async function readBoardRange(
  s: Store,
  electionId: string,
  partition: number,
  from: number,
  to: number,
): Promise<BoardRow[]> {
  const bucket = pageBucket('board', from, to);
  const r = await execute(
    s.client,
    s.config,
    'SELECT kafka_offset, received_at, tracking_code, district_id, ballot, voter_token, cast_signature FROM {ks}.board_entries WHERE election_id = ? AND kafka_partition = ? AND offset_bucket = ? AND kafka_offset >= ? AND kafka_offset < ?',
    [electionId, partition, bucket, from, to],
    { idempotent: true },
  );
  return r.rows.map((row: Row) => ({
    partition,
    offset: long(row.get('kafka_offset')),
    receivedAt: (row.get('received_at') as Date | null) ?? null,
    trackingCode: (row.get('tracking_code') as string | null) ?? null,
    districtId: (row.get('district_id') as string | null) ?? null,
    ballot: (row.get('ballot') as string | null) ?? null,
    token: (row.get('voter_token') as string | null) ?? null,
    castSignature: (row.get('cast_signature') as string | null) ?? null,
  }));
}

/**
 * The offset bucket of `[from, to)`, which must lie inside one bucket and span at most
 * BOARD_RANGE_MAX offsets (the pages of board_entries and of the tables keyed like it); a
 * RangeError, before any I/O, otherwise.
 */
export function pageBucket(what: string, from: number, to: number): number {
  const bucket = Math.floor(from / OFFSET_BUCKET);
  if (to <= from || to - from > BOARD_RANGE_MAX || Math.floor((to - 1) / OFFSET_BUCKET) !== bucket)
    throw new RangeError(`${what} range [${from}, ${to}) is not inside one bucket and page`);
  return bucket;
}

/** Splits `[from, to)` into ranges `readBoardRange` accepts, in order. */
export function boardRanges(from: number, to: number): [number, number][] {
  const out: [number, number][] = [];
  for (let start = from; start < to;) {
    const bucketEnd = (Math.floor(start / OFFSET_BUCKET) + 1) * OFFSET_BUCKET;
    const end = Math.min(to, bucketEnd, start + BOARD_RANGE_MAX);
    out.push([start, end]);
    start = end;
  }
  return out;
}

/** The latest stored block's JSON and height, if any. */
export async function latestBlock(
  s: Store,
  electionId: string,
): Promise<{ height: number; block: string } | undefined> {
  const r = await execute(
    s.client,
    s.config,
    'SELECT height, block FROM {ks}.blocks WHERE election_id = ? ORDER BY height DESC LIMIT 1',
    [electionId],
    { idempotent: true },
  );
  const first = r.first() as Row | null;
  return first
    ? { height: first.get('height') as number, block: first.get('block') as string }
    : undefined;
}

/** aggregating: the board is being read; aggregated: aggregates published; complete: counts published. */
export type TallyStatus = 'aggregating' | 'aggregated' | 'complete';

/** The tally's state row. */
export interface TallyRow {
  readonly status: TallyStatus;
  readonly finalHeight: number;
  /** Trustees whose complete, verified submissions are stored, ascending. */
  readonly trustees: number[];
  /** The trustees combined (once complete). */
  readonly trusteesUsed: number[];
}

export async function getTally(s: Store, electionId: string): Promise<TallyRow | undefined> {
  const r = await execute(
    s.client,
    s.config,
    'SELECT status, final_height, trustees, trustees_used FROM {ks}.tallies WHERE election_id = ?',
    [electionId],
    { idempotent: true },
  );
  const first = r.first() as Row | null;
  if (!first) return undefined;
  const trustees = (first.get('trustees') as number[] | null) ?? [];
  return {
    status: first.get('status') as TallyStatus,
    finalHeight: first.get('final_height') as number,
    trustees: [...trustees].sort((a, b) => a - b),
    trusteesUsed: (first.get('trustees_used') as number[] | null) ?? [],
  };
}

/** Marks the tally as aggregating (unless it is already further along). */
export async function startTally(s: Store, electionId: string, finalHeight: number): Promise<void> {
  await execute(
    s.client,
    s.config,
    "INSERT INTO {ks}.tallies (election_id, status, final_height) VALUES (?, 'aggregating', ?) IF NOT EXISTS",
    [electionId, finalHeight],
  );
}

/** Stores one district's aggregates (idempotent: the aggregation is deterministic). */
export async function putDistrictAggregates(
  s: Store,
  electionId: string,
  districtId: string,
  counted: number,
  aggregates: string,
): Promise<void> {
  await execute(
    s.client,
    s.config,
    'UPDATE {ks}.tally_districts SET counted = ?, aggregates = ? WHERE election_id = ? AND district_id = ?',
    [counted, aggregates, electionId, districtId],
    { idempotent: true },
  );
}

/** Moves aggregating → aggregated once every district's aggregates are stored. */
export async function markAggregated(s: Store, electionId: string, now: Date): Promise<void> {
  await execute(
    s.client,
    s.config,
    "UPDATE {ks}.tallies SET status = 'aggregated', aggregated_at = ? WHERE election_id = ? IF status = 'aggregating'",
    [now, electionId],
  );
}

/** Every district's stored tally row (a deployment has at most a few thousand districts). */
export async function listDistrictTallies(
  s: Store,
  electionId: string,
): Promise<{ districtId: string; counted: number; aggregates: string; result: string | null }[]> {
  const r = await execute(
    s.client,
    s.config,
    'SELECT district_id, counted, aggregates, result FROM {ks}.tally_districts WHERE election_id = ?',
    [electionId],
    { idempotent: true },
  );
  return r.rows.map((row: Row) => ({
    districtId: row.get('district_id') as string,
    counted: long(row.get('counted')),
    aggregates: row.get('aggregates') as string,
    result: (row.get('result') as string | null) ?? null,
  }));
}

/** Stores one trustee's verified shares of one district. */
export async function putTrusteeShares(
  s: Store,
  electionId: string,
  trustee: number,
  districtId: string,
  shares: string,
): Promise<void> {
  await execute(
    s.client,
    s.config,
    'INSERT INTO {ks}.tally_shares (election_id, trustee, district_id, shares) VALUES (?, ?, ?, ?)',
    [electionId, trustee, districtId, shares],
    { idempotent: true },
  );
}

/** Records a trustee's submission as complete (after every district's shares are stored). */
export async function addTallyTrustee(
  s: Store,
  electionId: string,
  trustee: number,
): Promise<void> {
  await execute(
    s.client,
    s.config,
    'UPDATE {ks}.tallies SET trustees = trustees + ? WHERE election_id = ?',
    [[trustee], electionId],
    { idempotent: true },
  );
}

/** A trustee's stored shares, by district. */
export async function getTrusteeShares(
  s: Store,
  electionId: string,
  trustee: number,
): Promise<Map<string, string>> {
  const r = await execute(
    s.client,
    s.config,
    'SELECT district_id, shares FROM {ks}.tally_shares WHERE election_id = ? AND trustee = ?',
    [electionId, trustee],
    { idempotent: true },
  );
  return new Map(
    r.rows.map((row: Row) => [row.get('district_id') as string, row.get('shares') as string]),
  );
}

/** Claims the combination with the chosen trustees: true for the one caller that wins. */
export async function claimCombination(
  s: Store,
  electionId: string,
  trusteesUsed: number[],
): Promise<boolean> {
  const r = await execute(
    s.client,
    s.config,
    "UPDATE {ks}.tallies SET trustees_used = ? WHERE election_id = ? IF status = 'aggregated' AND trustees_used = null",
    [trusteesUsed, electionId],
  );
  return r.first().get('[applied]') as boolean;
}

/** Stores a district's published result (its SPEC §10 tally entry as JSON). */
export async function putDistrictResult(
  s: Store,
  electionId: string,
  districtId: string,
  result: string,
): Promise<void> {
  await execute(
    s.client,
    s.config,
    'UPDATE {ks}.tally_districts SET result = ? WHERE election_id = ? AND district_id = ?',
    [result, electionId, districtId],
    { idempotent: true },
  );
}

/** aggregated → complete, once every district's result is stored. */
export async function markComplete(s: Store, electionId: string, now: Date): Promise<void> {
  await execute(
    s.client,
    s.config,
    "UPDATE {ks}.tallies SET status = 'complete', completed_at = ? WHERE election_id = ? IF status = 'aggregated'",
    [now, electionId],
  );
}
