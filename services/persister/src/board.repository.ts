// I/O of the persister in Cassandra: board entries, receipts and the per-voter view, each an
// upsert by its full primary key (prepared, declared idempotent), so a redelivered message writes
// the same rows again and changes nothing (docs/storage.md).
import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import {
  connectCassandra,
  OFFSET_BUCKET,
  createCassandraClient,
  execute,
  executeBatch,
  latestBlock,
  listElections,
  migrate,
} from '@hanpyo/cassandra';
import type { CassandraClient, CqlValue, ElectionRow } from '@hanpyo/cassandra';
import { parseBlock } from '@hanpyo/contracts';
import type { BoardEntry } from '@hanpyo/contracts';
import { Health, connectOnce } from '@hanpyo/service-kit';
import { CONFIG } from './config.js';
import type { PersisterConfig } from './config.js';

const INSERT_ENTRY =
  'INSERT INTO {ks}.board_entries (election_id, kafka_partition, offset_bucket, kafka_offset, district_id, tracking_code, nullifier, received_at, ballot, voter_token, cast_signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
// A dead-lettered offset keeps its place on the board: a row without an entry, so the ledger can
// tell "not written yet" from "not a board entry" and every offset appears exactly once.
const INSERT_DEAD_LETTER =
  'INSERT INTO {ks}.board_entries (election_id, kafka_partition, offset_bucket, kafka_offset, received_at) VALUES (?, ?, ?, ?, ?)';
const INSERT_RECEIPT =
  'INSERT INTO {ks}.receipts (election_id, tracking_code, kafka_partition, kafka_offset, district_id, received_at) VALUES (?, ?, ?, ?, ?, ?)';
const INSERT_VOTER_BALLOT =
  'INSERT INTO {ks}.voter_ballots (election_id, nullifier, kafka_partition, kafka_offset, tracking_code) VALUES (?, ?, ?, ?, ?)';

/** An offset that holds no board entry, with the broker's time. */
export interface DeadLetterSlot {
  readonly partition: number;
  readonly offset: number;
  readonly receivedAt: Date;
}

/**
 * One upsert: CQL with `{ks}` for the keyspace, its parameters, and, for a board_entries row, the
 * Cassandra partition it lands in (kafka partition and offset bucket), so rows of one partition
 * can travel as one unlogged batch. Receipts and voter_ballots rows are each in a partition of
 * their own, so they go one statement each.
 */
export interface BoardStatement {
  readonly cql: string;
  readonly params: CqlValue[];
  readonly boardPartition?: string;
}

/**
 * The upserts of a batch: each entry's row in board_entries, receipts and voter_ballots, and a
 * placeholder row for each dead-lettered offset. Exported for the persister benchmark, whose raw
 * baseline runs the same statements.
 */
export function boardStatements(
  electionId: string,
  entries: readonly BoardEntry[],
  deadLetters: readonly DeadLetterSlot[],
): BoardStatement[] {
  const statements: BoardStatement[] = [];
  for (const e of entries) {
    const receivedAt = new Date(e.receivedAt);
    const bucket = Math.floor(e.offset / OFFSET_BUCKET);
    statements.push(
      {
        cql: INSERT_ENTRY,
        params: [
          electionId,
          e.partition,
          bucket,
          e.offset,
          e.ballot.districtId,
          e.trackingCode,
          e.ballot.nullifier,
          receivedAt,
          JSON.stringify(e.ballot),
          e.token ?? null,
          e.castSignature ?? null,
        ],
        boardPartition: `${e.partition}/${bucket}`,
      },
      {
        cql: INSERT_RECEIPT,
        params: [
          electionId,
          e.trackingCode,
          e.partition,
          e.offset,
          e.ballot.districtId,
          receivedAt,
        ],
      },
      {
        cql: INSERT_VOTER_BALLOT,
        params: [electionId, e.ballot.nullifier, e.partition, e.offset, e.trackingCode],
      },
    );
  }
  for (const d of deadLetters) {
    const bucket = Math.floor(d.offset / OFFSET_BUCKET);
    statements.push({
      cql: INSERT_DEAD_LETTER,
      params: [electionId, d.partition, bucket, d.offset, d.receivedAt],
      boardPartition: `${d.partition}/${bucket}`,
    });
  }
  return statements;
}

/**
 * Largest batch, in bytes of its parameters: Cassandra refuses a request over its native
 * transport frame (16 MiB by default), and a large mutation is slow to apply and to replicate.
 * A row bigger than this on its own (anyone can write a huge message to the board) goes alone.
 */
export const BATCH_MAX_BYTES = 1024 * 1024;

/** The bytes a statement's parameters take on the wire, about (strings as UTF-8, others 8). */
function paramBytes(s: BoardStatement): number {
  let n = 0;
  for (const p of s.params) n += typeof p === 'string' ? Buffer.byteLength(p) : 8;
  return n;
}

/**
 * The writes of `statements`: board_entries rows grouped by Cassandra partition into unlogged
 * batches of at most `batchRows` rows and BATCH_MAX_BYTES (one mutation each: Cassandra applies a
 * single-partition batch atomically and does not size-check it), every other row a statement of
 * its own. Each write is an idempotent upsert, so their order does not matter and a retry changes
 * nothing.
 */
export function boardWrites(
  statements: readonly BoardStatement[],
  batchRows: number,
  maxBytes = BATCH_MAX_BYTES,
): BoardStatement[][] {
  const writes: BoardStatement[][] = [];
  const open = new Map<string, { rows: BoardStatement[]; bytes: number }>();
  for (const s of statements) {
    // Only a board_entries row can join a batch, so only its size is counted.
    const batchable = s.boardPartition !== undefined && batchRows > 1;
    const bytes = batchable ? paramBytes(s) : 0;
    if (!batchable || bytes >= maxBytes) {
      writes.push([s]);
      continue;
    }
    let batch = open.get(s.boardPartition);
    if (batch !== undefined && batch.bytes + bytes > maxBytes) {
      open.delete(s.boardPartition);
      batch = undefined;
    }
    if (batch === undefined) {
      batch = { rows: [], bytes: 0 };
      open.set(s.boardPartition, batch);
      writes.push(batch.rows);
    }
    batch.rows.push(s);
    batch.bytes += bytes;
    if (batch.rows.length >= batchRows) open.delete(s.boardPartition);
  }
  return writes;
}

@Injectable()
export class BoardRepository implements OnApplicationShutdown {
  private readonly client: CassandraClient;

  constructor(
    @Inject(CONFIG) private readonly config: PersisterConfig,
    @Inject(Health) health: Health,
  ) {
    this.client = createCassandraClient(config.cassandra);
    health.register('cassandra', async () => {
      await this.ready();
      await this.client.execute('SELECT release_version FROM system.local');
    });
  }

  /** Connects and applies the schema migrations (idempotent), once. */
  readonly ready = connectOnce(async () => {
    await connectCassandra(this.client);
    await migrate(this.client, this.config.cassandra);
  });

  /** The height of the election's final block, once the ledger has stored it (SPEC §8). */
  async finalHeight(electionId: string): Promise<number | undefined> {
    await this.ready();
    const stored = await latestBlock(
      { client: this.client, config: this.config.cassandra },
      electionId,
    );
    if (!stored) return undefined;
    const block = parseBlock(JSON.parse(stored.block) as unknown);
    return block.final ? block.height : undefined;
  }

  /** Every registered election (a handful per deployment). */
  async elections(): Promise<ElectionRow[]> {
    await this.ready();
    return listElections({ client: this.client, config: this.config.cassandra });
  }

  /**
   * Writes the entries' rows in board_entries, receipts and voter_ballots, and a placeholder row
   * for each dead-lettered offset. Resolves once every write is acknowledged.
   */
  async write(
    electionId: string,
    entries: readonly BoardEntry[],
    deadLetters: readonly DeadLetterSlot[],
  ): Promise<void> {
    await this.ready();
    const writes = boardWrites(
      boardStatements(electionId, entries, deadLetters),
      this.config.HANPYO_PERSISTER_BATCH_ROWS,
    );
    await this.runAll(writes);
  }

  /** Runs the writes with at most the configured number in flight; rejects on the first failure. */
  private async runAll(writes: readonly BoardStatement[][]): Promise<void> {
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (!failed && next < writes.length) {
        const write = writes[next++]!;
        try {
          if (write.length === 1) {
            const [{ cql, params }] = write as [BoardStatement];
            await execute(this.client, this.config.cassandra, cql, params, { idempotent: true });
          } else await executeBatch(this.client, this.config.cassandra, write);
        } catch (e) {
          failed = true;
          throw e;
        }
      }
    };
    const width = Math.min(this.config.HANPYO_PERSISTER_WRITE_CONCURRENCY, writes.length);
    await Promise.all(Array.from({ length: width }, worker));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.shutdown();
  }
}
