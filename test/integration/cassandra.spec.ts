// @hanpyo/cassandra against the real local Cassandra node (`npm run infra -- up cassandra`).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CassandraAdapterError,
  MIGRATIONS,
  cassandraConfigFromEnv,
  createCassandraClient,
  execute,
  migrate,
} from '@hanpyo/cassandra';
import type { CassandraClient } from '@hanpyo/cassandra';
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
    assert.deepEqual(first, { applied: MIGRATIONS.map((m) => m.version), alreadyApplied: [] });
    const schema = { tables: await tables(), columns: await columns() };
    assert.deepEqual(schema.tables, [
      'blocks',
      'board_entries',
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
      'voter_ballots',
    ]);
    const second = await migrate(client, config);
    assert.deepEqual(second, { applied: [], alreadyApplied: MIGRATIONS.map((m) => m.version) });
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

  it('a write retried after a client timeout leaves exactly one row', async () => {
    await migrate(client, config);
    const insert =
      'INSERT INTO {ks}.board_entries (election_id, kafka_partition, offset_bucket, kafka_offset, district_id, tracking_code, nullifier, received_at, ballot) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)';
    // A 4 MB ballot and a 1 ms client timeout: the first attempt times out on the client while
    // the coordinator may well apply it; the retry must not create a second row.
    const ballot = 'x'.repeat(4 * 1024 * 1024);
    const params = [
      'e1',
      3,
      0,
      42,
      'd-001',
      'ab'.repeat(32),
      'n',
      new Date('2026-06-03T01:00:00Z'),
      ballot,
    ];
    const timedOut = await execute(client, config, insert, params, {
      idempotent: true,
      timeoutMs: 1,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(timedOut instanceof CassandraAdapterError, 'the first attempt must fail');
    assert.equal(timedOut.code, 'CASSANDRA_TIMEOUT');
    assert.equal(timedOut.retriable, true);
    await execute(client, config, insert, params, { idempotent: true });
    await execute(client, config, insert, params, { idempotent: true });
    const rows = await execute(
      client,
      config,
      'SELECT kafka_offset, tracking_code FROM {ks}.board_entries WHERE election_id = ? AND kafka_partition = ? AND offset_bucket = ?',
      ['e1', 3, 0],
    );
    assert.equal(rows.rowLength, 1);
    assert.equal(String(rows.first().get('kafka_offset')), '42');
  });

  it('classifies a bad statement as non-retriable and an unreachable node as retriable', async () => {
    await assert.rejects(
      execute(client, config, 'SELEKT * FROM {ks}.blocks'),
      (e: CassandraAdapterError) => e.code === 'CASSANDRA_REJECTED' && !e.retriable,
    );
    const dead = createCassandraClient(
      cassandraConfigFromEnv({ HANPYO_CASSANDRA_CONTACT_POINTS: '127.0.0.1:1' }),
    );
    const error = await dead.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    await dead.shutdown();
    const { classifyCassandraError } = await import('@hanpyo/cassandra');
    const c = classifyCassandraError(error);
    assert.equal(c.code, 'CASSANDRA_UNAVAILABLE');
    assert.equal(c.retriable, true);
  });
});
