// The observer's configuration, parsed once at boot (STYLE.md §4). An observer is anyone's node:
// it needs the public registrar API (manifests, ceremonies), the ledger's API (to publish its
// cosignatures) and read access to the board and blocks topics — never the commission's Cassandra.
import { z } from 'zod';
import { kafkaConfigFromEnv } from '@hanpyo/kafka';
import type { KafkaConfig } from '@hanpyo/kafka';
import { parseConfig } from '@hanpyo/service-kit';

const electionList = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x.length > 0),
  )
  .pipe(z.array(z.string().regex(/^[A-Za-z0-9._-]{1,100}$/)));

const districtList = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x.length > 0),
  )
  .pipe(z.array(z.string().min(1).max(200)));

const schema = z.object({
  HANPYO_OBSERVER_HOST: z.string().default('127.0.0.1'),
  HANPYO_OBSERVER_PORT: z.coerce.number().int().min(0).max(65535).default(8084),
  HANPYO_OBSERVER_KEY_ID: z.string().min(1).default('observer-1'),
  HANPYO_OBSERVER_KEY_SEED: z
    .string()
    .regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits (32 bytes)'),
  /** The registrar's public API: `GET /v1/elections/{id}` (manifest, state, joint key, ceremony). */
  HANPYO_OBSERVER_REGISTRAR_URL: z.url().default('http://127.0.0.1:8082'),
  /** The ledger's API, where cosignatures are posted beside the blocks. */
  HANPYO_OBSERVER_LEDGER_URL: z.url().default('http://127.0.0.1:8081'),
  /**
   * The elections to observe, comma-separated ids; empty (the default): every election whose
   * blocks topic `<prefix><id>.hanpyo.blocks.v1` exists, discovered as topics appear.
   */
  HANPYO_OBSERVER_ELECTIONS: electionList,
  /**
   * Follow only these districts (comma list; empty, the default: all): only their board
   * partitions (the registrar's `partitionLayout`) are read, their ballots checked and their
   * roots and tree sizes replayed, with the chain and signatures. Never cosigns in this mode.
   */
  HANPYO_OBSERVER_DISTRICTS: districtList,
  /** Where checkpoints live: one JSON file per election, replaced atomically after each block. */
  HANPYO_OBSERVER_STATE_DIR: z.string().min(1).default('.hanpyo/observer'),
  /** Ballot-checking worker threads; default: the machine's cores. */
  HANPYO_OBSERVER_WORKERS: z.coerce.number().int().min(1).max(256).optional(),
  /** Board entries per batch sent to a worker. */
  HANPYO_OBSERVER_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(256),
  /** Board entries buffered per partition ahead of the block being verified before pausing it. */
  HANPYO_OBSERVER_MAX_BUFFERED: z.coerce.number().int().min(1000).default(200_000),
  /** How often elections, lag and unpublished cosignatures are looked at. */
  HANPYO_OBSERVER_TICK_MS: z.coerce.number().int().min(50).default(1000),
  HANPYO_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type ObserverConfig = Readonly<z.infer<typeof schema>> & {
  readonly kafka: KafkaConfig;
};

export function observerConfig(env: Readonly<Record<string, string | undefined>>): ObserverConfig {
  return Object.freeze({
    ...parseConfig('observer', schema, env),
    kafka: kafkaConfigFromEnv({ HANPYO_KAFKA_CLIENT_ID: 'hanpyo-observer', ...env }),
  });
}

/** Injection token of the config. */
export const CONFIG = Symbol('ObserverConfig');
