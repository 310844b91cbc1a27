// The edge's configuration, parsed once at boot (STYLE.md §4).
import { z } from 'zod';
import { cassandraConfigFromEnv } from '@hanpyo/cassandra';
import type { CassandraConfig } from '@hanpyo/cassandra';
import { kafkaConfigFromEnv } from '@hanpyo/kafka';
import type { KafkaConfig } from '@hanpyo/kafka';
import { parseConfig, pipelineTimingSchema } from '@hanpyo/service-kit';

const hex32 = z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits (32 bytes)');
const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const schema = z.object({
  HANPYO_EDGE_HOST: z.string().min(1).default('127.0.0.1'),
  // 0 asks the OS for a free port (tests run several services in one process).
  HANPYO_EDGE_PORT: int(0, 65535, 8080),
  /** keyId of the receipt key; the manifest's `edgeSigners` must list it. */
  HANPYO_EDGE_KEY_ID: z.string().min(1).default('edge-1'),
  /** Ed25519 seed of the receipt key (SPEC §7). */
  HANPYO_EDGE_KEY_SEED: hex32,
  /** Worker threads for ballot checks and edge-mode encryption; default: the pod's cores. */
  HANPYO_EDGE_CRYPTO_THREADS: z.coerce.number().int().min(1).max(256).optional(),
  /** Ballot requests handled at once; beyond it the edge answers 503 OVERLOADED at once. */
  HANPYO_EDGE_MAX_IN_FLIGHT: int(1, 100_000, 256),
  /** Casts per second per voter (token nullifier), refilled; beyond the burst 429. 0: no limit. */
  HANPYO_EDGE_TOKEN_RATE: z.coerce.number().min(0).max(1_000_000).default(0.2),
  /** Most casts of one voter in a row before the rate applies. */
  HANPYO_EDGE_TOKEN_BURST: int(1, 1_000_000, 10),
  /** Most voters whose cast rate is remembered (least recently seen forgotten first). */
  HANPYO_EDGE_TOKEN_TRACKED: int(1, 100_000_000, 100_000),
  /** Largest request body (bytes); bigger ones get 413. A ballot is a few KiB. */
  HANPYO_EDGE_BODY_LIMIT: int(1024, 16 * 1024 * 1024, 256 * 1024),
  /** How long the board writer lets ballots gather before one produce request (ms). */
  HANPYO_EDGE_BOARD_LINGER_MS: int(0, 1000, 2),
  /** Most ballots in one produce request. */
  HANPYO_EDGE_BOARD_MAX_BATCH: int(1, 10_000, 500),
  /** Most ballots waiting for or inside a produce request; beyond it 503 OVERLOADED. */
  HANPYO_EDGE_BOARD_MAX_QUEUED: int(1, 1_000_000, 4096),
  // HANPYO_EDGE_WRITE_TIMEOUT_MS and HANPYO_EDGE_CATALOG_TTL_MS: shared with the ledger, whose
  // final cut waits them out (service-kit timing.ts).
  ...pipelineTimingSchema.shape,
  HANPYO_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type EdgeConfig = Readonly<z.infer<typeof schema>> & {
  readonly kafka: KafkaConfig;
  readonly cassandra: CassandraConfig;
};

/** Parses the edge's environment; throws ConfigError naming every bad variable. */
export function edgeConfig(env: Readonly<Record<string, string | undefined>>): EdgeConfig {
  return Object.freeze({
    ...parseConfig('edge', schema, env),
    kafka: kafkaConfigFromEnv({ HANPYO_KAFKA_CLIENT_ID: 'hanpyo-edge', ...env }),
    cassandra: cassandraConfigFromEnv(env),
  });
}

/** Injection token of the config. */
export const CONFIG = Symbol('EdgeConfig');
