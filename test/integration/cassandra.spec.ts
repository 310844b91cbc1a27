// @hanpyo/cassandra against the real local Cassandra node (`npm run infra -- up cassandra`).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CassandraAdapterError,
  MIGRATIONS,
  cassandraConfigFromEnv,
  connectCassandra,
  createCassandraClient,
  execute,
  getVerdictProgress,
  migrate,
  putVerdicts,
  readVerdictRange,
  setVerdictProgress,
} from '@hanpyo/cassandra';
import type { CassandraClient } from '@hanpyo/cassandra';
import type { BoardEntry } from '@hanpyo/contracts';
import { BoardRepository } from '@hanpyo/persister/dist/board.repository.js';
import { persisterConfig } from '@hanpyo/persister/dist/config.js';
import { Health } from '@hanpyo/service-kit';
import { testCassandraConfig } from '../support/env.js';

describe('Cassandra adapter (real node)', () => {
  const config = testCassandraConfig();
  let client: CassandraClient;

  before(async () => {
    client = createCassandraClient(config);
    await client.connect();
  });
  after(async () => {
    await client.execute(`DROP KEYSPACE IF EXISTS ${config.keyspace}`).catch(() => undefined);
    await client.shutdown();
  });

  const tables = async () =>
    (
      await client.execute(
        'SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?',
        [config.keyspace],
        { prepare: true },
      )
    ).rows
      .map((r) => r.get('table_name') as string)
      .sort();
  const columns = async () =>
    (
      await client.execute(
        'SELECT table_name, column_name, type, kind FROM system_schema.columns WHERE keyspace_name = ?',
        [config.keyspace],
        { prepare: true },
      )
    ).rows
      .map(
        (r) => `${r.get('table_name')}.${r.get('column_name')}:${r.get('type')}:${r.get('kind')}`,
      )
      .sort();

  it('applies the migrations once; applying them again changes nothing', async () => {
    const first = await migrate(client, config);
    assert.deepEqual(first, {
      applied: MIGRATIONS.map((m) => m.version),
      alreadyApplied: [],
      keyspaceMismatch: [],
    });
    const schema = { tables: await tables(), columns: await columns() };
    assert.deepEqual(schema.tables, [
      'audit_global',
      'audit_log',
      'blocks',
      'board_entries',
      'board_verdicts',
      'district_log_nodes',
      'elections',
      'leases',
      'receipts',
      'roll_imports',
      'roll_positions',
      'roll_voters',
      'schema_migrations',
      'tallies',
      'tally_districts',
      'tally_shares',
      'verdict_progress',
      'voter_ballots',
    ]);
    const second = await migrate(client, config);
    assert.deepEqual(second, {
      applied: [],
      alreadyApplied: MIGRATIONS.map((m) => m.version),
      keyspaceMismatch: [],
    });
    assert.deepEqual({ tables: await tables(), columns: await columns() }, schema);
    const recorded = await execute(
      client,
      config,
      'SELECT version, checksum FROM {ks}.schema_migrations',
    );
    assert.equal(recorded.rowLength, MIGRATIONS.length);
  });

  it('creates the keyspace with the configured replication', async () => {
    const r = await client.execute(
      'SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?',
      [config.keyspace],
      { prepare: true },
    );
    const replication = r.first().get('replication') as Record<string, string>;
    assert.equal(replication.class, 'org.apache.cassandra.locator.SimpleStrategy');
    assert.equal(replication.replication_factor, '1');
  });

  it('refuses a migration that changed after it was applied', async () => {
    const edited = [
      {
        ...MIGRATIONS[0]!,
        statements: [...MIGRATIONS[0]!.statements, 'SELECT now() FROM system.local'],
      },
    ];
    await assert.rejects(
      migrate(client, config, edited),
      (e: CassandraAdapterError) => e.code === 'MIGRATION_CHANGED' && !e.retriable,
    );
  });

  it('the persister’s write of a batch, retried after a client timeout, leaves one row per message in every table', async () => {
    await migrate(client, config);
    // The persister's own write path (board entries, receipts, the per-voter view) with a 10 ms
    // client timeout and 4 MB ballots: the first attempt times out on the client while the node
    // may well apply some of it; the persister then writes the same batch again.
    const env = {
      ...process.env,
      HANPYO_CASSANDRA_KEYSPACE: config.keyspace,
      HANPYO_CASSANDRA_CONTACT_POINTS: config.contactPoints.join(','),
    };
    const hurried = new BoardRepository(persisterConfig(env), new Health());
    // Connected with the usual timeout, then 10 ms for every statement (the driver reads this option
    // at each request): a connect that timed out would leave the driver reconnecting for ever.
    await hurried.ready();
    (
      hurried as unknown as { client: { options: { socketOptions: { readTimeout: number } } } }
    ).client.options.socketOptions.readTimeout = 10;
    const patient = new BoardRepository(persisterConfig(env), new Health());
    const b64 = (i: number) => Buffer.alloc(32, i).toString('base64url');
    const entries: BoardEntry[] = Array.from({ length: 4 }, (_, i) => ({
      partition: 3,
      offset: 40 + i,
      receivedAt: '2026-06-03T01:00:00.000Z',
      trackingCode: '0123'[i]!.repeat(64),
      ballot: {
        electionId: 'e-retry',
        ballotStyleId: 's',
        districtId: 'd-001',
        nullifier: b64(i + 1),
        contests: [
          {
            contestId: 'c',
            selections: [
              {
                optionId: 'x'.repeat(4 * 1024 * 1024),
                alpha: b64(7),
                beta: b64(8),
                proof: { c: [b64(9)], z: [b64(9)] },
              },
            ],
            limitProof: { c: [b64(9)], z: [b64(9)] },
          },
        ],
      },
      token: 'h.p.s',
      castSignature: 'A'.repeat(86),
    }));
    try {
      // A 10 ms timeout for 4 MB statements nearly always expires; try until a write did.
      let timedOut: unknown;
      let last: unknown;
      for (let attempt = 0; attempt < 10 && timedOut === undefined; attempt++) {
        last = await hurried.write('e-retry', entries, []).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (last instanceof CassandraAdapterError && last.code === 'CASSANDRA_TIMEOUT')
          timedOut = last;
      }
      assert.ok(
        timedOut instanceof CassandraAdapterError,
        `a write attempt must time out: ${String(last)}`,
      );
      assert.equal(timedOut.code, 'CASSANDRA_TIMEOUT');
      assert.equal(timedOut.retriable, true);
      await patient.write('e-retry', entries, []);
      await patient.write('e-retry', entries, []);
    } finally {
      await hurried.onApplicationShutdown();
      await patient.onApplicationShutdown();
    }
    const count = async (cql: string, params: unknown[]) =>
      (await execute(client, config, cql, params as never[])).rowLength;
    assert.equal(
      await count(
        'SELECT kafka_offset FROM {ks}.board_entries WHERE election_id = ? AND kafka_partition = ? AND offset_bucket = ?',
        ['e-retry', 3, 0],
      ),
      4,
    );
    for (const e of entries) {
      assert.equal(
        await count(
          'SELECT kafka_offset FROM {ks}.receipts WHERE election_id = ? AND tracking_code = ?',
          ['e-retry', e.trackingCode],
        ),
        1,
        'one receipt row',
      );
      assert.equal(
        await count(
          'SELECT kafka_offset FROM {ks}.voter_ballots WHERE election_id = ? AND nullifier = ?',
          ['e-retry', e.ballot.nullifier],
        ),
        1,
        'one row in the voter view',
      );
    }
  });

  it('stores verdicts by (partition, offset) with their row digests, and each partition’s progress', async () => {
    const store = { client, config };
    const verdict = (offset: number) => ({
      offset,
      digest: new Uint8Array(32).fill(offset % 256),
      verdict: JSON.stringify({ kind: 'malformed', offset }),
    });
    // Offsets 9,998..10,001 straddle two buckets: one write per bucket, read back per bucket.
    await putVerdicts(store, 'e-verdicts', 3, [verdict(9998), verdict(9999)]);
    await putVerdicts(store, 'e-verdicts', 3, [verdict(10000), verdict(10001)]);
    await putVerdicts(store, 'e-verdicts', 3, [verdict(9999)]); // an idempotent rewrite
    const low = await readVerdictRange(store, 'e-verdicts', 3, 9990, 10000);
    assert.deepEqual([...low.keys()], [9998, 9999]);
    assert.deepEqual(low.get(9999), verdict(9999));
    const high = await readVerdictRange(store, 'e-verdicts', 3, 10000, 10002);
    assert.deepEqual([...high.values()], [verdict(10000), verdict(10001)]);
    assert.equal((await readVerdictRange(store, 'e-verdicts', 4, 9990, 10000)).size, 0);
    // A range across buckets is refused before any I/O, as readBoardRange refuses one.
    await assert.rejects(
      putVerdicts(store, 'e-verdicts', 3, [verdict(9999), verdict(10000)]),
      RangeError,
    );
    await assert.rejects(readVerdictRange(store, 'e-verdicts', 3, 9999, 10001), RangeError);
    await setVerdictProgress(store, 'e-verdicts', 3, 10002);
    await setVerdictProgress(store, 'e-verdicts', 0, 12);
    assert.deepEqual(
      await getVerdictProgress(store, 'e-verdicts'),
      new Map([
        [0, 12],
        [3, 10002],
      ]),
    );
  });

  it('classifies a bad statement as non-retriable, and a connect to an unreachable node as retriable', async () => {
    await assert.rejects(
      execute(client, config, 'SELEKT * FROM {ks}.blocks'),
      (e: CassandraAdapterError) => e.code === 'CASSANDRA_REJECTED' && !e.retriable,
    );
    const dead = createCassandraClient(
      cassandraConfigFromEnv({ HANPYO_CASSANDRA_CONTACT_POINTS: '127.0.0.1:1' }),
    );
    // Connecting comes out classified (what every repository's ready() passes on to its callers).
    const c = await connectCassandra(dead).then(
      () => undefined,
      (e: unknown) => e,
    );
    await dead.shutdown();
    assert.ok(c instanceof CassandraAdapterError, `a classified error: ${String(c)}`);
    assert.equal(c.code, 'CASSANDRA_UNAVAILABLE');
    assert.equal(c.retriable, true);
  });
});
