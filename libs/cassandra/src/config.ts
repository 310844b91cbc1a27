// Cassandra client configuration, parsed once from the environment into a frozen object.
import { z } from 'zod';

const schema = z.object({
  HANPYO_CASSANDRA_CONTACT_POINTS: z
    .string()
    .default('127.0.0.1:9042')
    .transform((s) =>
      s
        .split(',')
        .map((b) => b.trim())
        .filter((b) => b.length > 0),
    )
    .pipe(
      z
        .array(z.string().regex(/^[A-Za-z0-9.\-[\]:]+(:\d{1,5})?$/, 'expected host or host:port'))
        .min(1),
    ),
  HANPYO_CASSANDRA_DATACENTER: z.string().min(1).default('datacenter1'),
  HANPYO_CASSANDRA_KEYSPACE: z
    .string()
    .regex(
      /^[a-z][a-z0-9_]{0,47}$/,
      'lowercase letters, digits and _, at most 48, starting with a letter',
    )
    .default('hanpyo'),
  /**
   * Keyspace replication: `SimpleStrategy:1` locally; in production
   * `NetworkTopologyStrategy:dc1=3[,dc2=3]` (docs/infrastructure.md).
   */
  HANPYO_CASSANDRA_REPLICATION: z
    .string()
    .regex(
      /^(SimpleStrategy:\d+|NetworkTopologyStrategy:[A-Za-z0-9_-]+=\d+(,[A-Za-z0-9_-]+=\d+)*)$/,
      'SimpleStrategy:N or NetworkTopologyStrategy:dc=N[,dc=N]',
    )
    .default('SimpleStrategy:1'),
  HANPYO_CASSANDRA_CONSISTENCY: z
    .enum(['LOCAL_QUORUM', 'QUORUM', 'LOCAL_ONE', 'ONE', 'ALL'])
    .default('LOCAL_QUORUM'),
  HANPYO_CASSANDRA_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(10).default(12000),
});

/** Validated Cassandra settings. */
export interface CassandraConfig {
  readonly contactPoints: readonly string[];
  readonly localDataCenter: string;
  readonly keyspace: string;
  /** CQL replication map of the keyspace. */
  readonly replication: Readonly<Record<string, string | number>>;
  readonly consistency: 'LOCAL_QUORUM' | 'QUORUM' | 'LOCAL_ONE' | 'ONE' | 'ALL';
  readonly requestTimeoutMs: number;
}

/** Thrown for configuration that does not validate; the message names every bad variable. */
export class CassandraConfigError extends Error {
  override readonly name = 'CassandraConfigError';
  readonly code = 'CONFIG_INVALID';
}

/** Parses `HANPYO_CASSANDRA_*` variables (defaults suit the local stack of `npm run infra`). */
export function cassandraConfigFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): CassandraConfig {
  const r = schema.safeParse(env);
  if (!r.success) {
    throw new CassandraConfigError(
      `invalid Cassandra configuration: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const v = r.data;
  const [strategy, spec] = v.HANPYO_CASSANDRA_REPLICATION.split(':') as [string, string];
  const replication: Record<string, string | number> =
    strategy === 'SimpleStrategy'
      ? { class: 'SimpleStrategy', replication_factor: Number(spec) }
      : {
          class: 'NetworkTopologyStrategy',
          ...Object.fromEntries(
            spec.split(',').map((p) => [p.split('=')[0]!, Number(p.split('=')[1])]),
          ),
        };
  return Object.freeze({
    contactPoints: Object.freeze([...v.HANPYO_CASSANDRA_CONTACT_POINTS]),
    localDataCenter: v.HANPYO_CASSANDRA_DATACENTER,
    keyspace: v.HANPYO_CASSANDRA_KEYSPACE,
    replication: Object.freeze(replication),
    consistency: v.HANPYO_CASSANDRA_CONSISTENCY,
    requestTimeoutMs: v.HANPYO_CASSANDRA_REQUEST_TIMEOUT_MS,
  });
}
