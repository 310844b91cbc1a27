// `hanpyo init --manifest FILE`: prepares the real servers for an election, idempotently — the
// Kafka topics of the manifest's partition layout (board, blocks, dead letters) and the Cassandra
// keyspace and schema migrations. Configuration comes from the HANPYO_KAFKA_* and
// HANPYO_CASSANDRA_* variables (defaults: the local stack of `npm run infra`).
import { readFile } from 'node:fs/promises';
import { parseManifest } from '@hanpyo/contracts';
import { cassandraConfigFromEnv, createCassandraClient, migrate } from '@hanpyo/cassandra';
import { createKafka, ensureTopics, kafkaConfigFromEnv } from '@hanpyo/kafka';
import { partitionLayout } from '@hanpyo/ledger';

export interface InitReport {
  readonly topics: { topic: string; partitions: number; created: boolean }[];
  readonly migrations: { applied: number[]; alreadyApplied: number[] };
  readonly keyspace: string;
}

/** Creates what the election needs on Kafka and Cassandra; re-running changes nothing. */
export async function initServers(
  manifestValue: unknown,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<InitReport> {
  const manifest = parseManifest(manifestValue);
  const kafkaConfig = kafkaConfigFromEnv(env);
  const cassandraConfig = cassandraConfigFromEnv(env);
  const admin = createKafka(kafkaConfig).admin();
  await admin.connect();
  let topics;
  try {
    topics = await ensureTopics(admin, kafkaConfig, partitionLayout(manifest), manifest.electionId);
  } finally {
    await admin.disconnect();
  }
  const client = createCassandraClient(cassandraConfig);
  try {
    await client.connect();
    const migrations = await migrate(client, cassandraConfig);
    return { topics, migrations, keyspace: cassandraConfig.keyspace };
  } finally {
    await client.shutdown();
  }
}

export async function runInit(manifestPath: string): Promise<number> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (e) {
    process.stderr.write(`hanpyo init: cannot read ${manifestPath}: ${(e as Error).message}\n`);
    return 2;
  }
  const report = await initServers(value);
  for (const t of report.topics) {
    process.stdout.write(
      `kafka topic ${t.topic}: ${t.partitions} partitions (${t.created ? 'created' : 'already there'})\n`,
    );
  }
  process.stdout.write(
    `cassandra keyspace ${report.keyspace}: migrations applied [${report.migrations.applied.join(', ')}], ` +
      `already applied [${report.migrations.alreadyApplied.join(', ')}]\n`,
  );
  return 0;
}
