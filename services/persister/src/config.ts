// The persister's configuration, parsed once at boot (STYLE.md §4).
import { z } from 'zod';
import { cassandraConfigFromEnv } from '@hanpyo/cassandra';
import type { CassandraConfig } from '@hanpyo/cassandra';
import { kafkaConfigFromEnv } from '@hanpyo/kafka';
import type { KafkaConfig } from '@hanpyo/kafka';
import { parseConfig } from '@hanpyo/service-kit';
import { faultConfig } from './fault.js';
import type { FaultConfig } from './fault.js';

const schema = z.object({
  HANPYO_PERSISTER_HOST: z.string().default('127.0.0.1'),
  HANPYO_PERSISTER_PORT: z.coerce.number().int().min(0).max(65535).default(8083),
  /** How often the election registry is read for elections to start consuming. */
  HANPYO_PERSISTER_POLL_MS: z.coerce.number().int().min(100).default(3000),
  /** Cassandra requests in flight per batch (a board_entries batch counts as one). */
  HANPYO_PERSISTER_WRITE_CONCURRENCY: z.coerce.number().int().min(1).max(4096).default(256),
  /**
   * board_entries rows of one Cassandra partition sent as one unlogged batch (1 = a statement per
   * row). Receipts and voter_ballots rows always go one statement each (a partition each).
   */
  HANPYO_PERSISTER_BATCH_ROWS: z.coerce.number().int().min(1).max(500).default(32),
  /** Board partitions of one election processed at once by one persister. */
  HANPYO_PERSISTER_PARTITIONS_CONCURRENTLY: z.coerce.number().int().min(1).max(64).default(4),
  /** Kafka group session timeout: how long a dead persister holds its partitions. */
  HANPYO_PERSISTER_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).default(30_000),
  /** Upper bound of the backoff between retries of a failed write. */
  HANPYO_PERSISTER_MAX_BACKOFF_MS: z.coerce.number().int().min(10).default(10_000),
  HANPYO_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type PersisterConfig = Readonly<z.infer<typeof schema>> & {
  readonly kafka: KafkaConfig;
  readonly cassandra: CassandraConfig;
  /** Test-only fault hooks (fault.ts); refused in production. */
  readonly fault: FaultConfig;
};

export function persisterConfig(
  env: Readonly<Record<string, string | undefined>>,
): PersisterConfig {
  return Object.freeze({
    ...parseConfig('persister', schema, env),
    kafka: kafkaConfigFromEnv({ HANPYO_KAFKA_CLIENT_ID: 'hanpyo-persister', ...env }),
    cassandra: cassandraConfigFromEnv(env),
    fault: faultConfig(env),
  });
}

/** Injection token of the config. */
export const CONFIG = Symbol('PersisterConfig');
