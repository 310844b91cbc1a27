// Kafka client configuration, parsed once from the environment into a frozen object (STYLE.md §4).
import { z } from 'zod';

const hostPort = z.string().regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, 'expected host:port');

const schema = z.object({
  HANPYO_KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((s) =>
      s
        .split(',')
        .map((b) => b.trim())
        .filter((b) => b.length > 0),
    )
    .pipe(z.array(hostPort).min(1)),
  HANPYO_KAFKA_CLIENT_ID: z.string().min(1).default('hanpyo'),
  HANPYO_KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, . _ - only')
    .default(''),
  HANPYO_KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).default(1),
  HANPYO_KAFKA_MIN_INSYNC_REPLICAS: z.coerce.number().int().min(1).default(1),
  HANPYO_KAFKA_CONNECTION_TIMEOUT_MS: z.coerce.number().int().min(100).default(3000),
  HANPYO_KAFKA_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(30000),
});

/** Validated Kafka settings. */
export interface KafkaConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Prefixed to every topic name: one deployment's topics, or one test's. */
  readonly topicPrefix: string;
  /** 1 locally; 3 in production (docs/infrastructure.md). */
  readonly replicationFactor: number;
  /** 1 locally; 2 in production, so acks=all means two copies. */
  readonly minInsyncReplicas: number;
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

/** Thrown for configuration that does not validate; the message names every bad variable. */
export class KafkaConfigError extends Error {
  override readonly name = 'KafkaConfigError';
  readonly code = 'CONFIG_INVALID';
}

/** Parses `HANPYO_KAFKA_*` variables (defaults suit the local stack of `npm run infra`). */
export function kafkaConfigFromEnv(env: Readonly<Record<string, string | undefined>>): KafkaConfig {
  const r = schema.safeParse(env);
  if (!r.success) {
    throw new KafkaConfigError(
      `invalid Kafka configuration: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const v = r.data;
  if (v.HANPYO_KAFKA_MIN_INSYNC_REPLICAS > v.HANPYO_KAFKA_REPLICATION_FACTOR) {
    throw new KafkaConfigError(
      'invalid Kafka configuration: HANPYO_KAFKA_MIN_INSYNC_REPLICAS exceeds the replication factor',
    );
  }
  return Object.freeze({
    brokers: Object.freeze([...v.HANPYO_KAFKA_BROKERS]),
    clientId: v.HANPYO_KAFKA_CLIENT_ID,
    topicPrefix: v.HANPYO_KAFKA_TOPIC_PREFIX,
    replicationFactor: v.HANPYO_KAFKA_REPLICATION_FACTOR,
    minInsyncReplicas: v.HANPYO_KAFKA_MIN_INSYNC_REPLICAS,
    connectionTimeoutMs: v.HANPYO_KAFKA_CONNECTION_TIMEOUT_MS,
    requestTimeoutMs: v.HANPYO_KAFKA_REQUEST_TIMEOUT_MS,
  });
}
