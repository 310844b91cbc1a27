// I/O of the ledger in Cassandra: the election registry, the stored blocks (written once per
// height with a lightweight transaction, so two cutters can never store two blocks of one height),
// the board entries inside a block's cuts (the persister's rows), receipts and the cutter lease.
import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import {
  connectCassandra,
  OFFSET_BUCKET,
  acquireLease,
  createCassandraClient,
  execute,
  listElections,
  migrate,
  releaseLease,
} from '@hanpyo/cassandra';
import type { CassandraClient, ElectionRow } from '@hanpyo/cassandra';
import type { Block, BlockSignatures } from '@hanpyo/contracts';
import { ElectionCatalog, Health, connectOnce } from '@hanpyo/service-kit';
import type { Election } from '@hanpyo/service-kit';
import { CONFIG } from './config.js';
import type { LedgerConfig } from './config.js';
import type { BoardSlot, StoredBlock } from './election-ledger.js';

/** Offsets per board query: below the driver's page of 5,000 rows, so one query is one page. */
const OFFSETS_PER_QUERY = 4000;
/** Board queries in flight while reading a cut. */
const QUERIES_IN_FLIGHT = 16;
/** Blocks per query when reading the chain. */
const BLOCKS_PER_QUERY = 500;

type Row = { get(name: string): unknown };

@Injectable()
export class ChainRepository implements OnApplicationShutdown {
  private readonly client: CassandraClient;
  private readonly catalog: ElectionCatalog;

  constructor(
    @Inject(CONFIG) private readonly config: LedgerConfig,
    @Inject(Health) health: Health,
  ) {
    this.client = createCassandraClient(config.cassandra);
    this.catalog = new ElectionCatalog({ client: this.client, config: config.cassandra });
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

  private get store() {
    return { client: this.client, config: this.config.cassandra };
  }

  private async run(cql: string, params: (string | number | Date | Record<string, string>)[]) {
    await this.ready();
    return execute(this.client, this.config.cassandra, cql, params, { idempotent: true });
  }

  /** Every registered election, with its current state. */
  async elections(): Promise<ElectionRow[]> {
    await this.ready();
    return listElections(this.store);
  }

  /** The election with its parsed manifest and partition layout (cached). */
  async election(electionId: string): Promise<Election | undefined> {
    await this.ready();
    return this.catalog.get(electionId);
  }

  /** Stored blocks above `height`, ascending. */
  async blocksAfter(electionId: string, height: number): Promise<StoredBlock[]> {
    const out: StoredBlock[] = [];
    for (let after = height; ;) {
      const r = await this.run(
        `SELECT height, block_hash, block, signatures FROM {ks}.blocks WHERE election_id = ? AND height > ? LIMIT ${BLOCKS_PER_QUERY}`,
        [electionId, after],
      );
      out.push(...r.rows.map(storedBlock));
      if (r.rows.length < BLOCKS_PER_QUERY) return out;
      after = out[out.length - 1]!.block.height;
    }
  }

  /** One stored block, or the latest when `height` is 'latest'. */
  async block(electionId: string, height: number | 'latest'): Promise<StoredBlock | undefined> {
    const r =
      height === 'latest'
        ? await this.run(
            'SELECT height, block_hash, block, signatures FROM {ks}.blocks WHERE election_id = ? ORDER BY height DESC LIMIT 1',
            [electionId],
          )
        : await this.run(
            'SELECT height, block_hash, block, signatures FROM {ks}.blocks WHERE election_id = ? AND height = ?',
            [electionId, height],
          );
    const first = r.first() as Row | null;
    return first ? storedBlock(first) : undefined;
  }

  /**
   * Stores a block unless its height is taken. True when the store holds this block afterwards
   * (also when an earlier attempt of ours had written it), false when another block has the height.
   */
  async insertBlock(electionId: string, stored: StoredBlock): Promise<boolean> {
    await this.ready();
    const signatures = Object.fromEntries(
      stored.signatures.signatures.map((s) => [s.keyId, s.signature]),
    );
    const r = await execute(
      this.client,
      this.config.cassandra,
      'INSERT INTO {ks}.blocks (election_id, height, block_hash, block, signatures) VALUES (?, ?, ?, ?, ?) IF NOT EXISTS',
      [electionId, stored.block.height, stored.blockHash, JSON.stringify(stored.block), signatures],
    );
    if (r.first().get('[applied]') as boolean) return true;
    // A retried write may have applied the first time: then the row is ours.
    const there = await this.block(electionId, stored.block.height);
    return there?.blockHash === stored.blockHash;
  }

  /**
   * Adds one signature to a stored block's signatures map (`signatures[keyId]`): an upsert, so a
   * retried or repeated cosignature leaves one entry.
   */
  async addSignature(
    electionId: string,
    height: number,
    keyId: string,
    signature: string,
  ): Promise<void> {
    await this.run(
      'UPDATE {ks}.blocks SET signatures = signatures + ? WHERE election_id = ? AND height = ?',
      [{ [keyId]: signature }, electionId, height],
    );
  }

  /**
   * The board slots of partition `partition` in [from, to), ascending by offset: every row the
   * persister wrote there (entries and dead-letter placeholders). Fewer than `to − from` means the
   * persister has not written them all yet.
   */
  async slots(
    electionId: string,
    partition: number,
    from: number,
    to: number,
  ): Promise<BoardSlot[]> {
    const ranges: [number, number][] = [];
    for (let start = from; start < to;) {
      // One query stays inside one offset bucket (one Cassandra partition).
      const bucketEnd = (Math.floor(start / OFFSET_BUCKET) + 1) * OFFSET_BUCKET;
      const end = Math.min(to, bucketEnd, start + OFFSETS_PER_QUERY);
      ranges.push([start, end]);
      start = end;
    }
    const results: BoardSlot[][] = new Array<BoardSlot[]>(ranges.length);
    let next = 0;
    const worker = async () => {
      while (next < ranges.length) {
        const i = next++;
        const [start, end] = ranges[i]!;
        const r = await this.run(
          'SELECT kafka_offset, district_id, tracking_code FROM {ks}.board_entries WHERE election_id = ? AND kafka_partition = ? AND offset_bucket = ? AND kafka_offset >= ? AND kafka_offset < ?',
          [electionId, partition, Math.floor(start / OFFSET_BUCKET), start, end],
        );
        results[i] = r.rows.map((row) => ({
          partition,
          offset: long(row.get('kafka_offset')),
          trackingCode: (row.get('tracking_code') as string | null) ?? null,
          districtId: (row.get('district_id') as string | null) ?? null,
        }));
      }
    };
    await Promise.all(Array.from({ length: Math.min(QUERIES_IN_FLIGHT, ranges.length) }, worker));
    return results.flat();
  }

  /** The first copy on the board of a ballot, by tracking code. */
  async receipt(
    electionId: string,
    trackingCode: string,
  ): Promise<{ partition: number; offset: number; districtId: string } | undefined> {
    const r = await this.run(
      'SELECT kafka_partition, kafka_offset, district_id FROM {ks}.receipts WHERE election_id = ? AND tracking_code = ? LIMIT 1',
      [electionId, trackingCode],
    );
    const first = r.first() as Row | null;
    if (!first) return undefined;
    return {
      partition: first.get('kafka_partition') as number,
      offset: long(first.get('kafka_offset')),
      districtId: first.get('district_id') as string,
    };
  }

  /** Takes or renews the election's cutter lease; true when this instance holds it. */
  async acquireLease(electionId: string, owner: string, ttlSeconds: number, now: Date) {
    await this.ready();
    return acquireLease(this.store, leaseName(electionId), owner, ttlSeconds, now);
  }

  async releaseLease(electionId: string, owner: string): Promise<void> {
    await this.ready();
    await releaseLease(this.store, leaseName(electionId), owner);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.shutdown();
  }
}

/** A CQL bigint as the driver returns it (a Long) as a number; our offsets are safe integers. */
function long(value: unknown): number {
  if (typeof value === 'number') return value;
  return (value as { toNumber(): number }).toNumber();
}

function leaseName(electionId: string): string {
  return `ledger.${electionId}`;
}

function storedBlock(row: Row): StoredBlock {
  const block = JSON.parse(row.get('block') as string) as Block;
  const blockHash = row.get('block_hash') as string;
  const map = (row.get('signatures') as Record<string, string> | null) ?? {};
  const signatures: BlockSignatures = {
    height: block.height,
    blockHash,
    signatures: Object.entries(map).map(([keyId, signature]) => ({ keyId, signature })),
  };
  return { block, blockHash, signatures };
}
