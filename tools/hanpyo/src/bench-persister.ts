// `hanpyo bench persister`: the persister's own write path against the real local Cassandra —
// EntriesService.persist (services/persister/src/entries.service.ts: every board message decoded
// with @hanpyo/contracts, then BoardRepository.write: a board_entries, a receipts and a
// voter_ballots row per entry, prepared, idempotent, the board_entries rows of one Cassandra
// partition in unlogged batches of HANPYO_PERSISTER_BATCH_ROWS, HANPYO_PERSISTER_WRITE_CONCURRENCY
// requests in flight) — over batches of board messages as the consumer hands them over, as many
// batches at once as it persists (HANPYO_PERSISTER_PARTITIONS_CONCURRENTLY). Baselines, same run:
// the same rows as raw cassandra-driver prepared INSERTs, one per row (the baseline), and
// as raw writes grouped as the persister groups them (client.batch), parameters made beforehand,
// same concurrency; four rounds on new rows in rotating order, medians compared. In a keyspace of
// the benchmark's own, dropped at the end. Kafka reads and offset commits are not in the figure.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createCassandraClient } from '@hanpyo/cassandra';
import type { CassandraClient } from '@hanpyo/cassandra';
import { decodeBoardMessage } from '@hanpyo/contracts';
import {
  BoardRepository,
  boardStatements,
  boardWrites,
} from '@hanpyo/persister/dist/board.repository.js';
import type { BoardStatement } from '@hanpyo/persister/dist/board.repository.js';
import type { BoardMessage } from '@hanpyo/persister/dist/board-message.js';
import { persisterConfig } from '@hanpyo/persister/dist/config.js';
import type { PersisterConfig } from '@hanpyo/persister/dist/config.js';
import { EntriesService } from '@hanpyo/persister/dist/entries.service.js';
import type { KafkaRepository } from '@hanpyo/persister/dist/kafka.repository.js';
import { Health, JsonLogger, Metrics } from '@hanpyo/service-kit';
import { syntheticBoardMessages } from './bench-casts.js';
import type { BenchBoardMessage } from './bench-casts.js';
import { figure } from './bench-suite-report.js';
import type { SuiteFigure } from './bench-suite-report.js';

export interface PersisterBenchOptions {
  readonly entries: number;
  readonly json: boolean;
  readonly out?: string;
  readonly quiet?: boolean;
}

export interface PersisterBenchResult {
  readonly suite: 'persister';
  readonly at: string;
  readonly node: string;
  readonly method: string;
  readonly entries: number;
  readonly batch: number;
  readonly partitions: number;
  readonly messageBytes: number;
  readonly writeConcurrency: number;
  readonly batchesConcurrently: number;
  /** board_entries rows per unlogged batch (HANPYO_PERSISTER_BATCH_ROWS). */
  readonly batchRows: number;
  /** Entries/s of each round, of each side; figures use the medians. */
  readonly rounds: {
    readonly raw: readonly number[];
    readonly rawBatched: readonly number[];
    readonly persister: readonly number[];
  };
  readonly figures: readonly SuiteFigure[];
}

/** Messages per persisted batch (a kafkajs fetch of a partition: ~1.5 MB of ~3 KB messages). */
const BATCH = 500;
const PARTITIONS = 8;
const ROUNDS = 4;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The messages as the consumer hands them over, in batches of one partition each. */
function batchesOf(messages: readonly BenchBoardMessage[], at: number): BoardMessage[][] {
  const perPartition = Math.ceil(messages.length / PARTITIONS);
  const batches: BoardMessage[][] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    const slice = messages.slice(p * perPartition, (p + 1) * perPartition);
    for (let i = 0; i < slice.length; i += BATCH) {
      batches.push(
        slice.slice(i, i + BATCH).map((m, k) => ({
          partition: p,
          offset: i + k,
          key: m.key,
          value: m.value,
          timestamp: at + i + k,
          headers: m.headers,
        })),
      );
    }
  }
  return batches;
}

/** The rows of a batch as the persister's own statements, decoded beforehand. */
function rawStatements(
  keyspace: string,
  electionId: string,
  batch: readonly BoardMessage[],
): BoardStatement[] {
  const entries = batch.map((m) => {
    const decoded = decodeBoardMessage(m);
    if (!decoded.ok) throw new Error(`benchmark message does not decode: ${decoded.reason}`);
    return decoded.entry;
  });
  return boardStatements(electionId, entries, []).map((s) => ({
    ...s,
    cql: s.cql.replaceAll('{ks}', keyspace),
  }));
}

/** Runs `work` over `items` with at most `width` at once; rejects on the first failure. */
async function inParallel<T>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

/**
 * Raw cassandra-driver writes of the batches' rows, as the persister's concurrency; entries/s.
 * `batchRows` 1: every row a prepared INSERT of its own (the issue's baseline); more: the
 * board_entries rows grouped as the persister groups them (boardWrites), as client.batch.
 */
async function raw(
  client: CassandraClient,
  config: PersisterConfig,
  statements: readonly (readonly BoardStatement[])[],
  entries: number,
  batchRows = 1,
): Promise<number> {
  const writes = statements.map((batch) => boardWrites(batch, batchRows));
  const t0 = performance.now();
  await inParallel(writes, config.HANPYO_PERSISTER_PARTITIONS_CONCURRENTLY, (batch) =>
    inParallel(batch, config.HANPYO_PERSISTER_WRITE_CONCURRENCY, async (write) => {
      if (write.length === 1)
        await client.execute(write[0]!.cql, write[0]!.params, {
          prepare: true,
          isIdempotent: true,
        });
      else
        await client.batch(
          write.map((w) => ({ query: w.cql, params: w.params })),
          { prepare: true, logged: false, isIdempotent: true },
        );
    }),
  );
  return entries / ((performance.now() - t0) / 1000);
}

/** Measures against the local Cassandra in a keyspace of its own (dropped at the end). */
export async function measurePersister(
  options: Pick<PersisterBenchOptions, 'entries'>,
  log: (line: string) => void = () => undefined,
): Promise<PersisterBenchResult> {
  const keyspace = `bench_persister_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const config = persisterConfig({ ...process.env, HANPYO_CASSANDRA_KEYSPACE: keyspace });
  const health = new Health();
  const board = new BoardRepository(config, health);
  // Only warnings: the write path logs nothing per batch, and a benchmark must not log ballots.
  const logger = new JsonLogger('persister', 'warn', (line) => process.stderr.write(line));
  // Dead letters go to Kafka; these messages all decode, so this is never called (and throws if
  // it were, rather than hiding a decode failure in the figure).
  const kafka = {
    deadLetter: () => Promise.reject(new Error('a benchmark message was dead-lettered')),
  } as unknown as KafkaRepository;
  const entries = new EntriesService(config, board, kafka, logger, new Metrics('persister'));
  const client = createCassandraClient(config.cassandra);
  const control = { heartbeat: () => Promise.resolve(), active: () => true };
  try {
    log(`keyspace ${keyspace}: applying the migrations…`);
    await board.ready();
    await client.connect();
    log(`making ${options.entries} board messages (real ballots, tokens and signatures)…`);
    const messages = syntheticBoardMessages(options.entries);
    const messageBytes = Math.round(
      messages.reduce((s, m) => s + m.value.length + m.key.length, 0) / messages.length,
    );
    const at = Date.now();
    const batches = batchesOf(messages, at);
    const prepare = (electionId: string) =>
      batches.map((b) => rawStatements(keyspace, electionId, b));
    const persisted = (electionId: string) => async () => {
      const t0 = performance.now();
      await inParallel(batches, config.HANPYO_PERSISTER_PARTITIONS_CONCURRENTLY, (batch) =>
        entries.persist(electionId, 'bench.hanpyo.ballots.v1', batch, control),
      );
      return options.entries / ((performance.now() - t0) / 1000);
    };

    // Warm-up of both paths (statements prepared, connections open, JIT) on a few batches.
    log('warming up both paths…');
    const few = Math.min(batches.length, 2);
    await raw(client, config, prepare('bench-warm-raw').slice(0, few), few * BATCH);
    await inParallel(batches.slice(0, few), 2, (b) =>
      entries.persist('bench-warm-persister', 'bench', b, control),
    );

    // Rounds of the three sides, each on new rows, and the median of each: on a shared machine one
    // pass can land in a burst of someone else's work, or of a Cassandra flush. The order rotates,
    // so no side always meets the flushes and compactions of another's rows.
    const batchRows = config.HANPYO_PERSISTER_BATCH_ROWS;
    log(
      `${ROUNDS} rounds of raw prepared INSERTs, raw writes batched as the persister batches (board_entries rows of a partition in unlogged batches of ${batchRows}), and the persister's write path (EntriesService.persist), in rotating order: ${options.entries} entries (3 rows each), ${config.HANPYO_PERSISTER_PARTITIONS_CONCURRENTLY} batches × ${config.HANPYO_PERSISTER_WRITE_CONCURRENCY} requests in flight…`,
    );
    const rates = { raw: [] as number[], rawBatched: [] as number[], persister: [] as number[] };
    for (let round = 1; round <= ROUNDS; round++) {
      const sides: [keyof typeof rates, () => Promise<number>][] = [
        ['raw', () => raw(client, config, prepare(`bench-raw-${round}`), options.entries)],
        [
          'rawBatched',
          () =>
            raw(client, config, prepare(`bench-raw-batched-${round}`), options.entries, batchRows),
        ],
        ['persister', persisted(`bench-persister-${round}`)],
      ];
      for (let i = 0; i < sides.length; i++) {
        const [side, run] = sides[(i + round - 1) % sides.length]!;
        rates[side].push(await run());
      }
      log(
        `  round ${round}: raw ${rates.raw[round - 1]!.toFixed(0)}, raw batched ${rates.rawBatched[round - 1]!.toFixed(0)}, persister ${rates.persister[round - 1]!.toFixed(0)} entries/s`,
      );
    }
    const persister = median(rates.persister);
    const name = `persister write path, ${options.entries.toLocaleString('en-US')} entries in batches of ${BATCH}`;
    const note = `3 rows per entry, ${messageBytes} bytes per message; board_entries rows in unlogged single-partition batches of ${batchRows}`;
    const figures = [
      figure({
        bench: 'persister',
        name,
        value: persister,
        unit: 'entries/s',
        baseline: {
          name: 'raw cassandra-driver prepared INSERTs, same rows and concurrency',
          value: median(rates.raw),
          unit: 'entries/s',
        },
        target: 0.8,
        note,
      }),
      figure({
        bench: 'persister',
        name: `${name}, against raw writes of the same grouping`,
        value: persister,
        unit: 'entries/s',
        baseline: {
          name: 'raw cassandra-driver writes batched as the persister batches, same rows and concurrency',
          value: median(rates.rawBatched),
          unit: 'entries/s',
        },
        note: "the persister's own cost (decoding, the stored ballot's JSON, the adapter) over its write pattern",
      }),
    ];
    return {
      suite: 'persister',
      at: new Date().toISOString(),
      node: process.version,
      method:
        'EntriesService.persist (decode + BoardRepository.write) vs raw client.execute of the same prepared INSERTs with parameters made beforehand, and vs raw writes of the same rows grouped as the persister groups them (client.batch for board_entries rows of one partition); same batches, same concurrency; 4 rounds on new rows, rotating order, medians; local single-node Cassandra, own keyspace',
      entries: options.entries,
      batch: BATCH,
      partitions: PARTITIONS,
      messageBytes,
      writeConcurrency: config.HANPYO_PERSISTER_WRITE_CONCURRENCY,
      batchesConcurrently: config.HANPYO_PERSISTER_PARTITIONS_CONCURRENTLY,
      batchRows,
      rounds: rates,
      figures,
    };
  } finally {
    await client
      .execute(`DROP KEYSPACE IF EXISTS ${keyspace}`)
      .catch((e: unknown) => log(`could not drop keyspace ${keyspace}: ${(e as Error).message}`));
    await client.shutdown();
    await board.onApplicationShutdown();
  }
}

export async function runPersisterBench(options: PersisterBenchOptions): Promise<number> {
  const print = (s: string) => {
    if (!options.json && !options.quiet) process.stdout.write(`${s}\n`);
  };
  const result = await measurePersister(options, print);
  for (const f of result.figures)
    print(`${f.name}: ${f.value.toFixed(0)} ${f.unit}, ratio to raw ${f.ratio.toFixed(3)}`);
  const out =
    options.out ?? join('bench-results', `persister-${result.at.replace(/[:.]/g, '-')}.json`);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  if (options.json && !options.quiet) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else print(`wrote ${out}`);
  return 0;
}
