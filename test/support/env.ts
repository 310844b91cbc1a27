// Where the integration tests find the local servers: the same HANPYO_* variables the services
// read, defaulting to `npm run infra`'s ports on 127.0.0.1.
import { randomBytes } from 'node:crypto';
import { cassandraConfigFromEnv } from '@hanpyo/cassandra';
import type { CassandraConfig } from '@hanpyo/cassandra';
import { kafkaConfigFromEnv } from '@hanpyo/kafka';
import type { KafkaConfig } from '@hanpyo/kafka';

/** A short random name part, so every test gets its own topics, groups and keyspaces. */
export function uniqueName(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** Kafka config with a topic prefix of this test's own. */
export function testKafkaConfig(): KafkaConfig {
  return kafkaConfigFromEnv({
    ...process.env,
    HANPYO_KAFKA_TOPIC_PREFIX: `${uniqueName('it')}.`,
    HANPYO_KAFKA_CLIENT_ID: 'hanpyo-it',
  });
}

/** Cassandra config with a keyspace of this test's own. */
export function testCassandraConfig(): CassandraConfig {
  return cassandraConfigFromEnv({ ...process.env, HANPYO_CASSANDRA_KEYSPACE: uniqueName('it_') });
}
