// Client setup and the one way statements are executed: prepared, with the configured
// consistency, idempotence declared so the driver may retry, errors classified.
import cassandra from 'cassandra-driver';
import { DurabilityError, replicationFactors, verifiedTlsOptions } from '@hanpyo/secrets';
import type { CassandraConfig } from './config.js';
import { CassandraAdapterError, classifyCassandraError } from './errors.js';
import { MIGRATIONS, migrationChecksum } from './migrations.js';
import type { Migration } from './migrations.js';

const { Client, auth, types } = cassandra;
export type CassandraClient = InstanceType<typeof Client>;
/** A CQL parameter value as the driver accepts it. */
export type CqlValue =
  | string
  | number
  | bigint
  | boolean
  | Date
  | Buffer
  | null
  | Record<string, string>
  | Record<string, number>
  | readonly unknown[];

/**
 * A client for the configured cluster, not bound to a keyspace (migrations create it), with the
 * configured credentials and TLS. The only place a cassandra-driver Client is built
 * (docs/security.md).
 */
export function createCassandraClient(config: CassandraConfig): CassandraClient {
  return new Client({
    contactPoints: [...config.contactPoints],
    localDataCenter: config.localDataCenter,
    ...(config.auth !== undefined
      ? {
          authProvider: new auth.PlainTextAuthProvider(
            config.auth.username,
            config.auth.password.reveal(),
          ),
        }
      : {}),
    ...(config.tls !== undefined ? { sslOptions: verifiedTlsOptions(config.tls) } : {}),
    // Cassandra 5.0 speaks v5, which the Node driver does not: start at v4 (docs/infrastructure.md).
    protocolOptions: { maxVersion: types.protocolVersion.v4 },
    socketOptions: { readTimeout: config.requestTimeoutMs, connectTimeout: 5000 },
    queryOptions: {
      consistency: types.consistencies[toConsistencyKey(config.consistency)],
      prepare: true,
    },
  });
}

/**
 * Connects the client; a failure comes out classified (a node that is down or slow is
 * CASSANDRA_UNAVAILABLE or CASSANDRA_TIMEOUT, retriable), like the failure of any statement.
 */
export async function connectCassandra(client: CassandraClient): Promise<void> {
  try {
    await client.connect();
  } catch (e) {
    throw classifyCassandraError(e);
  }
}

function toConsistencyKey(c: CassandraConfig['consistency']): keyof typeof types.consistencies {
  const keys: Record<CassandraConfig['consistency'], keyof typeof types.consistencies> = {
    LOCAL_QUORUM: 'localQuorum',
    QUORUM: 'quorum',
    LOCAL_ONE: 'localOne',
    ONE: 'one',
    ALL: 'all',
  };
  return keys[c];
}

/** Options of one statement. */
export interface ExecuteOptions {
  /** Declares the statement safe to retry (every write of ours is: upserts by full key). */
  readonly idempotent?: boolean;
  /** Per-statement client timeout, overriding the configured one. */
  readonly timeoutMs?: number;
}

/** Executes a prepared statement; `{ks}` in the CQL stands for the configured keyspace. */
export async function execute(
  client: CassandraClient,
  config: Pick<CassandraConfig, 'keyspace'>,
  cql: string,
  params: readonly CqlValue[] = [],
  options: ExecuteOptions = {},
): Promise<cassandra.types.ResultSet> {
  try {
    return await client.execute(cql.replaceAll('{ks}', config.keyspace), [...params], {
      prepare: true,
      isIdempotent: options.idempotent ?? false,
      ...(options.timeoutMs !== undefined ? { readTimeout: options.timeoutMs } : {}),
    });
  } catch (e) {
    throw classifyCassandraError(e);
  }
}

/**
 * Executes statements as one unlogged batch: for rows of one Cassandra partition, one round trip
 * and one mutation. Only for idempotent upserts (a retry writes the same rows).
 */
export async function executeBatch(
  client: CassandraClient,
  config: Pick<CassandraConfig, 'keyspace'>,
  statements: readonly { readonly cql: string; readonly params: readonly CqlValue[] }[],
): Promise<void> {
  if (statements.length === 0) return;
  try {
    await client.batch(
      statements.map((s) => ({
        query: s.cql.replaceAll('{ks}', config.keyspace),
        params: [...s.params],
      })),
      { prepare: true, logged: false, isIdempotent: true },
    );
  } catch (e) {
    throw classifyCassandraError(e);
  }
}

/** What `migrate` did. */
export interface MigrationReport {
  readonly applied: number[];
  readonly alreadyApplied: number[];
  /**
   * How the existing keyspace's replication differs from the configured one (empty: it does
   * not). In production a difference is refused (CASSANDRA_KEYSPACE_MISMATCH) instead.
   */
  readonly keyspaceMismatch: string[];
}

/**
 * How an existing keyspace's replication (as system_schema.keyspaces holds it) falls short of the
 * configured one: another strategy, a data center missing or with fewer replicas. Pure.
 */
export function keyspaceReplicationProblems(
  keyspace: string,
  existing: Readonly<Record<string, string>>,
  wanted: Readonly<Record<string, string | number>>,
): string[] {
  const strategy = (r: Readonly<Record<string, string | number>>) =>
    String(r.class ?? '').replace(/^org\.apache\.cassandra\.locator\./, '');
  const problems: string[] = [];
  if (strategy(existing) !== strategy(wanted)) {
    problems.push(
      `keyspace ${keyspace} uses ${strategy(existing) || 'no strategy'}, the configuration ${strategy(wanted)}`,
    );
    return problems;
  }
  const have = replicationFactors(existing);
  for (const [where, rf] of Object.entries(replicationFactors(wanted))) {
    const found = have[where];
    if (found === undefined || found < rf)
      problems.push(
        `keyspace ${keyspace}: ${where === 'replication_factor' ? 'replication factor' : `data center ${where}`} is ${found ?? 0}, the configuration wants ${rf}`,
      );
  }
  return problems;
}

/**
 * Creates the keyspace (replication from config) and applies every pending migration in order,
 * each once. Re-running changes nothing. A migration whose statements changed after it was applied
 * is refused (MIGRATION_CHANGED): schema changes go in a new migration.
 */
export async function migrate(
  client: CassandraClient,
  config: Pick<CassandraConfig, 'keyspace' | 'replication'> &
    Partial<Pick<CassandraConfig, 'profile'>>,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationReport> {
  const replication = JSON.stringify(config.replication).replaceAll('"', "'");
  const ddl = async (cql: string) => {
    try {
      await client.execute(cql.replaceAll('{ks}', config.keyspace));
    } catch (e) {
      throw classifyCassandraError(e);
    }
  };
  await ddl(`CREATE KEYSPACE IF NOT EXISTS {ks} WITH replication = ${replication}`);
  // An existing keyspace keeps its replication whatever the configuration says: read it back.
  const found = await execute(
    client,
    config,
    'SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?',
    [config.keyspace],
  );
  const existing = (found.rows[0]?.get('replication') ?? {}) as Record<string, string>;
  const keyspaceMismatch = keyspaceReplicationProblems(
    config.keyspace,
    existing,
    config.replication,
  );
  if (config.profile === 'production' && keyspaceMismatch.length > 0)
    throw new DurabilityError('CASSANDRA_KEYSPACE_MISMATCH', keyspaceMismatch);
  await ddl(`CREATE TABLE IF NOT EXISTS {ks}.schema_migrations (
    version int PRIMARY KEY, name text, checksum text, applied_at timestamp)`);
  const rows = await execute(
    client,
    config,
    'SELECT version, checksum FROM {ks}.schema_migrations',
  );
  const done = new Map<number, string>(
    rows.rows.map((r) => [r.get('version') as number, r.get('checksum') as string]),
  );
  const report: MigrationReport = { applied: [], alreadyApplied: [], keyspaceMismatch };
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    const checksum = migrationChecksum(m);
    const recorded = done.get(m.version);
    if (recorded !== undefined) {
      if (recorded !== checksum) {
        throw new CassandraAdapterError(
          'MIGRATION_CHANGED',
          false,
          `migration ${m.version} (${m.name}) changed after it was applied`,
        );
      }
      report.alreadyApplied.push(m.version);
      continue;
    }
    for (const statement of m.statements) {
      try {
        await ddl(statement);
      } catch (e) {
        const err = classifyCassandraError(e);
        throw new CassandraAdapterError(
          'MIGRATION_FAILED',
          err.retriable,
          `migration ${m.version} (${m.name}) failed: ${err.message}`,
          { cause: e },
        );
      }
    }
    // Recorded with a lightweight transaction, so two processes migrating at once record it once.
    await execute(
      client,
      config,
      'INSERT INTO {ks}.schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?) IF NOT EXISTS',
      [m.version, m.name, checksum, new Date()],
    );
    report.applied.push(m.version);
  }
  return report;
}
