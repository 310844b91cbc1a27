// The ledger's configuration, parsed once at boot (STYLE.md §4).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import { cassandraConfigFromEnv } from '@hanpyo/cassandra';
import type { CassandraConfig } from '@hanpyo/cassandra';
import { kafkaConfigFromEnv } from '@hanpyo/kafka';
import type { KafkaConfig } from '@hanpyo/kafka';
import { finalGraceMs, parseConfig, pipelineTimingSchema } from '@hanpyo/service-kit';

const schema = z.object({
  HANPYO_LEDGER_HOST: z.string().default('127.0.0.1'),
  HANPYO_LEDGER_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  HANPYO_LEDGER_KEY_ID: z.string().min(1).default('ledger-1'),
  HANPYO_LEDGER_KEY_SEED: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits (32 bytes)'),
  /** This replica's name in the cutter lease; unique per process by default. */
  HANPYO_LEDGER_INSTANCE_ID: z
    .string()
    .min(1)
    .default(() => `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`),
  /** How often each election is looked at: follow the store, renew the lease, cut when due. */
  HANPYO_LEDGER_TICK_MS: z.coerce.number().int().min(50).default(500),
  /** The cutter lease's time to live; renewed every third of it by the holder. */
  HANPYO_LEDGER_LEASE_TTL_SECONDS: z.coerce.number().int().min(2).default(15),
  // After `closes` and the close, how long to wait before the final cut: derived from the edge's
  // write timeout and election-cache TTL, or set and checked against them (service-kit timing.ts).
  ...pipelineTimingSchema.shape,
  HANPYO_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type LedgerConfig = Readonly<z.infer<typeof schema>> & {
  /** The wait between `closes` (or the close) and the final cut, ms. */
  readonly finalGraceMs: number;
  readonly kafka: KafkaConfig;
  readonly cassandra: CassandraConfig;
};

export function ledgerConfig(env: Readonly<Record<string, string | undefined>>): LedgerConfig {
  const parsed = parseConfig('ledger', schema, env);
  return Object.freeze({
    ...parsed,
    finalGraceMs: finalGraceMs(parsed),
    kafka: kafkaConfigFromEnv({ HANPYO_KAFKA_CLIENT_ID: 'hanpyo-ledger', ...env }),
    cassandra: cassandraConfigFromEnv(env),
  });
}

/** Injection token of the config. */
export const CONFIG = Symbol('LedgerConfig');
