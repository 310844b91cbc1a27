// Versioned schema migrations (issue 3): a `schema_migrations` table, each migration applied once,
// in order, recorded with a checksum so an edited migration is refused rather than half-applied.
// Tables follow DESIGN.md's queries with bounded partitions; docs/storage.md explains each key.
import { createHash } from 'node:crypto';

/** One migration: CQL statements with `{ks}` standing for the keyspace. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

/** Board entries per partition bucket: 10,000 offsets of ~5 KB ballots ≈ 50 MB per partition. */
export const OFFSET_BUCKET = 10_000;
/** District log nodes per partition: 65,536 hashes of 32 bytes = 2 MB. */
export const NODE_CHUNK = 65_536;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'board, receipts, voter ballots, blocks, district log nodes',
    statements: [
      // The persister's write path and the ledger's and tally's read path, by (partition, offset):
      // a block's cuts are offset ranges per partition.
      `CREATE TABLE IF NOT EXISTS {ks}.board_entries (
        election_id text, kafka_partition int, offset_bucket bigint, kafka_offset bigint,
        district_id text, tracking_code text, nullifier text, received_at timestamp, ballot text,
        PRIMARY KEY ((election_id, kafka_partition, offset_bucket), kafka_offset)
      ) WITH CLUSTERING ORDER BY (kafka_offset ASC)`,
      // Receipt status and inclusion proofs by tracking code; a ballot posted twice has two rows.
      `CREATE TABLE IF NOT EXISTS {ks}.receipts (
        election_id text, tracking_code text, kafka_partition int, kafka_offset bigint,
        district_id text, received_at timestamp,
        PRIMARY KEY ((election_id, tracking_code), kafka_partition, kafka_offset)
      )`,
      // Policy bookkeeping: a voter's ballots in board order; first/last is read off the ends.
      `CREATE TABLE IF NOT EXISTS {ks}.voter_ballots (
        election_id text, nullifier text, kafka_partition int, kafka_offset bigint, tracking_code text,
        PRIMARY KEY ((election_id, nullifier), kafka_partition, kafka_offset)
      )`,
      // Blocks by height, with the signatures beside them (ledger's and witnesses').
      `CREATE TABLE IF NOT EXISTS {ks}.blocks (
        election_id text, height int, block_hash text, block text, signatures map<text, text>,
        PRIMARY KEY ((election_id), height)
      ) WITH CLUSTERING ORDER BY (height ASC)`,
      // Stored Merkle nodes so proofs need no recomputation: level 0 = leaf hashes.
      `CREATE TABLE IF NOT EXISTS {ks}.district_log_nodes (
        election_id text, district_id text, level int, chunk bigint, node_index bigint, hash blob,
        PRIMARY KEY ((election_id, district_id, level, chunk), node_index)
      )`,
    ],
  },
  {
    version: 2,
    name: 'elections and leases',
    statements: [
      // The registry of elections: manifest, its partition layout (fixed at creation, so every service
      // maps districts to partitions alike), key ceremony, lifecycle (created → ready → open → closed).
      `CREATE TABLE IF NOT EXISTS {ks}.elections (
        election_id text PRIMARY KEY, manifest text, manifest_hash text, partition_layout text, state text,
        ceremony text, joint_public_key text, base_hash text,
        created_at timestamp, opened_at timestamp, closed_at timestamp
      )`,
      // Leases (one active block cutter per election): held while renewed, gone with their TTL.
      `CREATE TABLE IF NOT EXISTS {ks}.leases (
        name text PRIMARY KEY, owner text, acquired_at timestamp
      )`,
    ],
  },
  {
    version: 3,
    name: 'tally',
    statements: [
      // One row per election: where the tally stands (aggregating → aggregated → complete), the
      // final block it counted up to, the trustees whose complete, verified submissions are in.
      `CREATE TABLE IF NOT EXISTS {ks}.tallies (
        election_id text PRIMARY KEY, status text, final_height int, trustees set<int>,
        trustees_used list<int>, aggregated_at timestamp, completed_at timestamp
      )`,
      // Per district: counted-set size, the aggregates (JSON of contests → options → A, B) and, once
      // combined, the published result (the district's SPEC §10 tally entry as JSON).
      `CREATE TABLE IF NOT EXISTS {ks}.tally_districts (
        election_id text, district_id text, counted bigint, aggregates text, result text,
        PRIMARY KEY ((election_id), district_id)
      )`,
      // A trustee's verified partial decryptions, one row per district (JSON of the district's shares).
      `CREATE TABLE IF NOT EXISTS {ks}.tally_shares (
        election_id text, trustee int, district_id text, shares text,
        PRIMARY KEY ((election_id, trustee), district_id)
      )`,
    ],
  },
  {
    version: 4,
    name: 'revision 2 board entries; the electoral roll',
    statements: [
      // SPEC §6 revision 2: the token and the cast signature travel with every board entry (`token`
      // is a reserved word of CQL).
      'ALTER TABLE {ks}.board_entries ADD IF NOT EXISTS voter_token text',
      'ALTER TABLE {ks}.board_entries ADD IF NOT EXISTS cast_signature text',
      // The electoral roll by voter: who may get a token, and in which one district. Partitioned by
      // a hash bucket of the voter id (ROLL_BUCKETS), so a partition holds ~40,000 of 10 million.
      `CREATE TABLE IF NOT EXISTS {ks}.roll_voters (
        election_id text, bucket int, voter_id text, district_id text, position bigint,
        PRIMARY KEY ((election_id, bucket), voter_id)
      )`,
      // The roll in file order, in chunks of ROLL_CHUNK positions: "the first N voters of the roll".
      `CREATE TABLE IF NOT EXISTS {ks}.roll_positions (
        election_id text, chunk bigint, position bigint, voter_id text, district_id text,
        PRIMARY KEY ((election_id, chunk), position)
      ) WITH CLUSTERING ORDER BY (position ASC)`,
      // One roll import per election: importing → committed; the rows it has taken so far, a hash
      // chain over them, and the voters per district (checked against registeredVoters).
      `CREATE TABLE IF NOT EXISTS {ks}.roll_imports (
        election_id text PRIMARY KEY, status text, digest text, next_position bigint, chain text,
        districts map<text, bigint>, started_at timestamp, committed_at timestamp
      )`,
    ],
  },
  {
    version: 5,
    name: 'board verdicts, judged while the election runs',
    statements: [
      // The registrar's verdict on each stored board row (SPEC §6 authorization and §9 ballot
      // checks, @hanpyo/counting judgeEntry), made while voting runs so the tally after the final
      // block does not re-check every proof. Keyed like board_entries (same buckets, so a tally page
      // reads one partition of each table); row_digest binds a verdict to the exact row it judged.
      `CREATE TABLE IF NOT EXISTS {ks}.board_verdicts (
        election_id text, kafka_partition int, offset_bucket bigint, kafka_offset bigint,
        row_digest blob, verdict text,
        PRIMARY KEY ((election_id, kafka_partition, offset_bucket), kafka_offset)
      ) WITH CLUSTERING ORDER BY (kafka_offset ASC)`,
      // How far the verdicts of each partition reach: every offset below next_offset is judged.
      `CREATE TABLE IF NOT EXISTS {ks}.verdict_progress (
        election_id text, kafka_partition int, next_offset bigint,
        PRIMARY KEY ((election_id), kafka_partition)
      )`,
    ],
  },
  {
    version: 6,
    name: 'audit log; tally failures and resets',
    statements: [
      // The registrar's append-only audit log of state-changing calls, by election, in time order
      // (timeuuid). An election sees a few thousand such calls (tokens are minted in bulk calls of
      // up to 1,000 voters: 10,000 calls for 10 million), so one partition per election stays small.
      `CREATE TABLE IF NOT EXISTS {ks}.audit_log (
        scope text, id timeuuid, at timestamp, credential_id text, role text, method text,
        route text, election_id text, action text, status int, code text, detail text,
        PRIMARY KEY ((scope), id)
      ) WITH CLUSTERING ORDER BY (id ASC)`,
      // Calls that name no election (a create refused before its manifest parsed), by UTC day.
      `CREATE TABLE IF NOT EXISTS {ks}.audit_global (
        day text, id timeuuid, at timestamp, credential_id text, role text, method text,
        route text, election_id text, action text, status int, code text, detail text,
        PRIMARY KEY ((day), id)
      ) WITH CLUSTERING ORDER BY (id ASC)`,
      // When the aggregation started (a stale one may be reset), and a combination's failure
      // (TALLY_DECODE_FAILED), kept until the tally is reset.
      'ALTER TABLE {ks}.tallies ADD IF NOT EXISTS started_at timestamp',
      'ALTER TABLE {ks}.tallies ADD IF NOT EXISTS failure_code text',
      'ALTER TABLE {ks}.tallies ADD IF NOT EXISTS failure_message text',
    ],
  },
];

/** The checksum recorded for a migration: SHA-256 of its statements. */
export function migrationChecksum(m: Migration): string {
  return createHash('sha256').update(JSON.stringify(m.statements)).digest('hex');
}
