// The registrar's configuration, parsed once at boot (STYLE.md §4).
import { z } from 'zod';
import { cassandraConfigFromEnv } from '@hanpyo/cassandra';
import type { CassandraConfig } from '@hanpyo/cassandra';
import { kafkaConfigFromEnv } from '@hanpyo/kafka';
import type { KafkaConfig } from '@hanpyo/kafka';
import { ConfigError, finalGraceMs, parseConfig, pipelineTimingSchema } from '@hanpyo/service-kit';

const hex32 = z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits (32 bytes)');
const keys = z
  .string()
  .default('[]')
  .transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not JSON' });
      return z.NEVER;
    }
  })
  .pipe(
    z.array(
      z
        .object({ keyId: z.string().min(1), publicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/) })
        .strict(),
    ),
  );

const schema = z.object({
  HANPYO_REGISTRAR_HOST: z.string().default('127.0.0.1'),
  HANPYO_REGISTRAR_PORT: z.coerce.number().int().min(1).max(65535).default(8082),
  /**
   * Dev shortcut: one bearer key holding every role. Refused when HANPYO_PROFILE=production; use
   * HANPYO_REGISTRAR_CREDENTIALS_FILE there (docs/security.md, "Access control").
   */
  HANPYO_REGISTRAR_ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  /** JSON file of role-scoped credentials {id, roles, sha256}; re-read when it changes. */
  HANPYO_REGISTRAR_CREDENTIALS_FILE: z.string().min(1).optional(),
  /** How often the credentials file is checked for a change, ms. */
  HANPYO_REGISTRAR_CREDENTIALS_POLL_MS: z.coerce.number().int().min(100).default(2000),
  /**
   * A tally still `aggregating` with no job in this process is taken as abandoned (a crashed
   * replica) after this long, ms, and may then be reset.
   */
  HANPYO_REGISTRAR_TALLY_STALE_MS: z.coerce.number().int().min(1000).default(600_000),
  /** The deployment profile; `production` refuses the dev admin token. */
  HANPYO_PROFILE: z.enum(['development', 'production']).default('development'),
  HANPYO_REGISTRAR_KEY_ID: z.string().min(1).default('registrar-1'),
  HANPYO_REGISTRAR_KEY_SEED: hex32,
  /** Worker threads of a tally's aggregation; default: the pod's cores. */
  HANPYO_REGISTRAR_TALLY_THREADS: z.coerce.number().int().min(1).max(256).optional(),
  /**
   * Worker threads judging the board while elections run (services/registrar/README.md, "Judging
   * while voting runs"); 0 turns it off, and the tally then judges every row itself.
   */
  HANPYO_REGISTRAR_PREJUDGE_THREADS: z.coerce.number().int().min(0).max(256).default(1),
  /** Pause between two rounds of judging, ms. */
  HANPYO_REGISTRAR_PREJUDGE_INTERVAL_MS: z.coerce.number().int().min(100).default(2000),
  HANPYO_REGISTRAR_NULLIFIER_SECRET: hex32,
  HANPYO_TOKEN_ISSUER: z.string().min(1).default('hanpyo-registrar'),
  HANPYO_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).default(3600),
  HANPYO_EDGE_SIGNERS: keys,
  HANPYO_LEDGER_SIGNERS: keys,
  HANPYO_WITNESSES: keys,
  HANPYO_VOTERS_PER_PARTITION: z.coerce.number().int().min(1).default(50_000),
  HANPYO_MAX_PARTITIONS: z.coerce.number().int().min(1).max(10_000).default(512),
  HANPYO_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  // The ledger's final-cut grace, to tell an operator closing early when the final block comes.
  ...pipelineTimingSchema.shape,
});

export type RegistrarConfig = Readonly<z.infer<typeof schema>> & {
  /** The ledger's wait between `closes` (or the close) and the final cut, ms. */
  readonly finalGraceMs: number;
  readonly kafka: KafkaConfig;
  readonly cassandra: CassandraConfig;
};

export function registrarConfig(
  env: Readonly<Record<string, string | undefined>>,
): RegistrarConfig {
  const parsed = parseConfig('registrar', schema, env);
  if (parsed.HANPYO_PROFILE === 'production' && parsed.HANPYO_REGISTRAR_ADMIN_TOKEN !== undefined)
    throw new ConfigError(
      'registrar: invalid configuration\n  HANPYO_REGISTRAR_ADMIN_TOKEN: refused when HANPYO_PROFILE=production (it holds every role); use HANPYO_REGISTRAR_CREDENTIALS_FILE',
    );
  if (
    parsed.HANPYO_REGISTRAR_ADMIN_TOKEN === undefined &&
    parsed.HANPYO_REGISTRAR_CREDENTIALS_FILE === undefined
  )
    throw new ConfigError(
      'registrar: invalid configuration\n  HANPYO_REGISTRAR_CREDENTIALS_FILE: required (or, outside production, HANPYO_REGISTRAR_ADMIN_TOKEN)',
    );
  return Object.freeze({
    ...parsed,
    finalGraceMs: finalGraceMs(parsed),
    kafka: kafkaConfigFromEnv({ HANPYO_KAFKA_CLIENT_ID: 'hanpyo-registrar', ...env }),
    cassandra: cassandraConfigFromEnv(env),
  });
}

/** Injection token of the config. */
export const CONFIG = Symbol('RegistrarConfig');
