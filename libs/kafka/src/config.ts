// Kafka client configuration, parsed once from the environment into a frozen object (STYLE.md §4).
// Security (SASL/SCRAM, TLS) and its rules: docs/security.md.
import { z } from 'zod';
import {
  caBundleFromFile,
  dnsName,
  flag,
  kafkaProfileProblems,
  optional,
  profileFromEnv,
  refuseInProduction,
  secretFromEnv,
} from '@hanpyo/secrets';
import type { Profile, Secret } from '@hanpyo/secrets';

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
  HANPYO_KAFKA_SASL_MECHANISM: optional(
    z
      .string()
      .transform((s) => s.toLowerCase())
      .pipe(z.enum(['scram-sha-512', 'scram-sha-256'])),
  ),
  HANPYO_KAFKA_SASL_USERNAME: optional(z.string()),
  HANPYO_KAFKA_SASL_PASSWORD: optional(z.string()),
  HANPYO_KAFKA_SASL_PASSWORD_FILE: optional(z.string()),
  HANPYO_KAFKA_ALLOW_PLAINTEXT_SASL: flag,
  HANPYO_KAFKA_TLS: flag,
  HANPYO_KAFKA_TLS_CA_FILE: optional(z.string()),
  HANPYO_KAFKA_TLS_SERVERNAME: optional(dnsName),
});

/** SASL/SCRAM credentials of the client (the broker's listener must offer the mechanism). */
export interface KafkaSasl {
  readonly mechanism: 'scram-sha-512' | 'scram-sha-256';
  readonly username: string;
  readonly password: Secret;
}

/** TLS to the brokers; the broker's certificate is always verified. */
export interface KafkaTls {
  /** PEM CA bundle; absent: Node's default trust store (Mozilla's roots, plus NODE_EXTRA_CA_CERTS). */
  readonly ca?: string;
  /** The name every broker's certificate is checked against (and sent as SNI), instead of its host. */
  readonly servername?: string;
}

/**
 * The acks of every producer the adapter makes (the board's and the blocks'): all in-sync
 * replicas. A constant, not a setting; the production profile checks it all the same.
 */
export const PRODUCER_ACKS = -1;

/** Validated Kafka settings. */
export interface KafkaConfig {
  /** HANPYO_PROFILE: production refuses weak durability and mismatched existing topics. */
  readonly profile: Profile;
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
  /** Absent: no SASL. */
  readonly sasl?: KafkaSasl;
  /** Absent: plaintext. */
  readonly tls?: KafkaTls;
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
  const problems: string[] = [];
  if (v.HANPYO_KAFKA_MIN_INSYNC_REPLICAS > v.HANPYO_KAFKA_REPLICATION_FACTOR)
    problems.push('HANPYO_KAFKA_MIN_INSYNC_REPLICAS exceeds the replication factor');
  const sasl = saslFromEnv(v, problems);
  const tls = tlsFromEnv(v, problems);
  // SCRAM never sends the password itself, but without TLS the board's messages travel in clear,
  // an eavesdropper can attack the password offline from the exchange, and the authenticated
  // connection can be taken over: only on purpose.
  if (
    v.HANPYO_KAFKA_SASL_MECHANISM !== undefined &&
    !v.HANPYO_KAFKA_TLS &&
    !v.HANPYO_KAFKA_ALLOW_PLAINTEXT_SASL
  )
    problems.push(
      'HANPYO_KAFKA_SASL_MECHANISM: SASL without TLS is refused: set HANPYO_KAFKA_TLS=true, ' +
        'or HANPYO_KAFKA_ALLOW_PLAINTEXT_SASL=true on a network you trust',
    );
  if (problems.length > 0)
    throw new KafkaConfigError(`invalid Kafka configuration: ${problems.join('; ')}`);
  // Production: RF >= 3, min ISR >= 2, acks=all, or PROFILE_REFUSED listing each problem.
  const profile = profileFromEnv(env);
  refuseInProduction(
    profile,
    kafkaProfileProblems({
      replicationFactor: v.HANPYO_KAFKA_REPLICATION_FACTOR,
      minInsyncReplicas: v.HANPYO_KAFKA_MIN_INSYNC_REPLICAS,
      acks: PRODUCER_ACKS,
    }),
  );
  return Object.freeze({
    profile,
    brokers: Object.freeze([...v.HANPYO_KAFKA_BROKERS]),
    clientId: v.HANPYO_KAFKA_CLIENT_ID,
    topicPrefix: v.HANPYO_KAFKA_TOPIC_PREFIX,
    replicationFactor: v.HANPYO_KAFKA_REPLICATION_FACTOR,
    minInsyncReplicas: v.HANPYO_KAFKA_MIN_INSYNC_REPLICAS,
    connectionTimeoutMs: v.HANPYO_KAFKA_CONNECTION_TIMEOUT_MS,
    requestTimeoutMs: v.HANPYO_KAFKA_REQUEST_TIMEOUT_MS,
    ...(sasl ? { sasl } : {}),
    ...(tls ? { tls } : {}),
  });
}

type Parsed = z.infer<typeof schema>;

/** SASL settings when a mechanism is named; credentials without one are a mistake, not ignored. */
function saslFromEnv(v: Parsed, problems: string[]): KafkaSasl | undefined {
  const mechanism = v.HANPYO_KAFKA_SASL_MECHANISM;
  if (mechanism === undefined) {
    for (const name of [
      'HANPYO_KAFKA_SASL_USERNAME',
      'HANPYO_KAFKA_SASL_PASSWORD',
      'HANPYO_KAFKA_SASL_PASSWORD_FILE',
    ] as const)
      if (v[name] !== undefined)
        problems.push(
          `${name}: set, but HANPYO_KAFKA_SASL_MECHANISM is not (scram-sha-512 or scram-sha-256)`,
        );
    return undefined;
  }
  const username = v.HANPYO_KAFKA_SASL_USERNAME;
  if (username === undefined)
    problems.push('HANPYO_KAFKA_SASL_USERNAME: required with HANPYO_KAFKA_SASL_MECHANISM');
  const password = secretFromEnv(
    {
      valueVar: 'HANPYO_KAFKA_SASL_PASSWORD',
      fileVar: 'HANPYO_KAFKA_SASL_PASSWORD_FILE',
      requiredBy: 'HANPYO_KAFKA_SASL_MECHANISM',
    },
    v.HANPYO_KAFKA_SASL_PASSWORD,
    v.HANPYO_KAFKA_SASL_PASSWORD_FILE,
    problems,
  );
  if (username === undefined || password === undefined) return undefined;
  return Object.freeze({ mechanism, username, password });
}

/** TLS settings when HANPYO_KAFKA_TLS=true; a CA or server name without it is a mistake. */
function tlsFromEnv(v: Parsed, problems: string[]): KafkaTls | undefined {
  if (!v.HANPYO_KAFKA_TLS) {
    for (const name of ['HANPYO_KAFKA_TLS_CA_FILE', 'HANPYO_KAFKA_TLS_SERVERNAME'] as const)
      if (v[name] !== undefined) problems.push(`${name}: set, but HANPYO_KAFKA_TLS is not true`);
    return undefined;
  }
  const caFile = v.HANPYO_KAFKA_TLS_CA_FILE;
  const ca =
    caFile === undefined
      ? undefined
      : caBundleFromFile('HANPYO_KAFKA_TLS_CA_FILE', caFile, problems);
  const servername = v.HANPYO_KAFKA_TLS_SERVERNAME;
  return Object.freeze({
    ...(ca !== undefined ? { ca } : {}),
    ...(servername !== undefined ? { servername } : {}),
  });
}
