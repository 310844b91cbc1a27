// The electoral roll (migration 4): who may get a token, and in which one district. `roll_voters`
// answers "is this voter on the roll, and where" (partitioned by a hash bucket of the voter id);
// `roll_positions` lists the roll in its file order ("the first N voters"); `roll_imports` is the
// one import of an election, moved forward batch by batch with compare-and-set, so an interrupted
// import resumes where it stopped and two importers cannot interleave.
import { createHash } from 'node:crypto';
import type { CqlValue } from './client.js';
import { execute, executeBatch } from './client.js';
import type { Store, Row } from './rows.js';
import { long } from './rows.js';

/** Hash buckets of roll_voters: 10 million voters → ~40,000 rows per partition. */
export const ROLL_BUCKETS = 256;
/** Positions per roll_positions partition. */
export const ROLL_CHUNK = 10_000;

/** The roll_voters bucket of a voter id: the first byte of SHA-256(voterId). */
export function rollBucket(voterId: string): number {
  return createHash('sha256').update(voterId, 'utf8').digest()[0]! % ROLL_BUCKETS;
}

/** An election's roll import: `importing` until committed, then immutable. */
export interface RollImportRow {
  readonly status: 'importing' | 'committed';
  /** The digest the importer announced for the whole roll (the final chain value). */
  readonly digest: string;
  /** Rows taken so far: the next batch starts here. */
  readonly nextPosition: number;
  /** The hash chain over the batches taken so far (hex). */
  readonly chain: string;
  /** Voters taken so far, per district. */
  readonly districts: Record<string, number>;
}

export async function getRollImport(
  s: Store,
  electionId: string,
): Promise<RollImportRow | undefined> {
  const r = await execute(
    s.client,
    s.config,
    'SELECT status, digest, next_position, chain, districts FROM {ks}.roll_imports WHERE election_id = ?',
    [electionId],
    { idempotent: true },
  );
  const row = r.first() as Row | null;
  if (!row) return undefined;
  const districts: Record<string, number> = {};
  const map = (row.get('districts') as Record<string, unknown> | null) ?? {};
  for (const [k, v] of Object.entries(map)) districts[k] = long(v);
  return {
    status: row.get('status') as RollImportRow['status'],
    digest: row.get('digest') as string,
    nextPosition: long(row.get('next_position')),
    chain: row.get('chain') as string,
    districts,
  };
}

/** Starts the election's one roll import; false when one exists already (read it). */
export async function startRollImport(
  s: Store,
  electionId: string,
  digest: string,
  chain: string,
  now: Date,
): Promise<boolean> {
  const r = await execute(
    s.client,
    s.config,
    "INSERT INTO {ks}.roll_imports (election_id, status, digest, next_position, chain, districts, started_at) VALUES (?, 'importing', ?, 0, ?, {}, ?) IF NOT EXISTS",
    [electionId, digest, chain, now],
  );
  return r.first().get('[applied]') as boolean;
}

/** One roll row as stored. */
export interface RollVoter {
  readonly voterId: string;
  readonly districtId: string;
  readonly position: number;
}

/** Writes roll rows (idempotent upserts): by voter, grouped per bucket, and by position. */
export async function putRollVoters(
  s: Store,
  electionId: string,
  voters: readonly RollVoter[],
  concurrency = 32,
): Promise<void> {
  const groups = new Map<string, { cql: string; params: CqlValue[] }[]>();
  const add = (key: string, cql: string, params: CqlValue[]) => {
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push({ cql, params });
  };
  for (const v of voters) {
    const bucket = rollBucket(v.voterId);
    add(
      `v${bucket}`,
      'INSERT INTO {ks}.roll_voters (election_id, bucket, voter_id, district_id, position) VALUES (?, ?, ?, ?, ?)',
      [electionId, bucket, v.voterId, v.districtId, v.position],
    );
    const chunk = Math.floor(v.position / ROLL_CHUNK);
    add(
      `p${chunk}`,
      'INSERT INTO {ks}.roll_positions (election_id, chunk, position, voter_id, district_id) VALUES (?, ?, ?, ?, ?)',
      [electionId, chunk, v.position, v.voterId, v.districtId],
    );
  }
  // One unlogged batch per Cassandra partition, in slices that stay far below the batch limits.
  const batches: { cql: string; params: CqlValue[] }[][] = [];
  for (const g of groups.values())
    for (let i = 0; i < g.length; i += 200) batches.push(g.slice(i, i + 200));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) await executeBatch(s.client, s.config, batches[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
}

/**
 * Moves the import forward by one batch with compare-and-set on where it stands: true for the
 * one caller whose batch started at `from`.
 */
export async function advanceRollImport(
  s: Store,
  electionId: string,
  from: number,
  to: number,
  chain: string,
  districts: Record<string, number>,
): Promise<boolean> {
  const r = await execute(
    s.client,
    s.config,
    "UPDATE {ks}.roll_imports SET next_position = ?, chain = ?, districts = ? WHERE election_id = ? IF status = 'importing' AND next_position = ?",
    [to, chain, districts, electionId, from],
  );
  return r.first().get('[applied]') as boolean;
}

/** importing → committed, when every row announced is in and the chain is the announced digest. */
export async function commitRollImport(
  s: Store,
  electionId: string,
  count: number,
  digest: string,
  now: Date,
): Promise<boolean> {
  const r = await execute(
    s.client,
    s.config,
    "UPDATE {ks}.roll_imports SET status = 'committed', committed_at = ? WHERE election_id = ? IF status = 'importing' AND next_position = ? AND chain = ?",
    [now, electionId, count, digest],
  );
  return r.first().get('[applied]') as boolean;
}

/** The roll rows of these voter ids (those on the roll), by voter id. */
export async function getRollVoters(
  s: Store,
  electionId: string,
  voterIds: readonly string[],
): Promise<Map<string, RollVoter>> {
  const byBucket = new Map<number, string[]>();
  for (const id of new Set(voterIds)) {
    const b = rollBucket(id);
    let list = byBucket.get(b);
    if (!list) byBucket.set(b, (list = []));
    list.push(id);
  }
  const out = new Map<string, RollVoter>();
  await Promise.all(
    [...byBucket].map(async ([bucket, ids]) => {
      for (let i = 0; i < ids.length; i += 100) {
        const r = await execute(
          s.client,
          s.config,
          'SELECT voter_id, district_id, position FROM {ks}.roll_voters WHERE election_id = ? AND bucket = ? AND voter_id IN ?',
          [electionId, bucket, ids.slice(i, i + 100)],
          { idempotent: true },
        );
        for (const row of r.rows as Row[]) {
          const voterId = row.get('voter_id') as string;
          out.set(voterId, {
            voterId,
            districtId: row.get('district_id') as string,
            position: long(row.get('position')),
          });
        }
      }
    }),
  );
  return out;
}

/** Roll rows in file order from `from`, at most `limit` (≤ ROLL_CHUNK), within one chunk. */
export async function listRollPositions(
  s: Store,
  electionId: string,
  from: number,
  limit: number,
): Promise<RollVoter[]> {
  const chunk = Math.floor(from / ROLL_CHUNK);
  const to = Math.min(from + limit, (chunk + 1) * ROLL_CHUNK);
  const r = await execute(
    s.client,
    s.config,
    'SELECT position, voter_id, district_id FROM {ks}.roll_positions WHERE election_id = ? AND chunk = ? AND position >= ? AND position < ?',
    [electionId, chunk, from, to],
    { idempotent: true },
  );
  return (r.rows as Row[]).map((row) => ({
    position: long(row.get('position')),
    voterId: row.get('voter_id') as string,
    districtId: row.get('district_id') as string,
  }));
}
