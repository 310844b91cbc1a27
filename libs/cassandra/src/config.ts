// Cassandra client configuration, parsed once from the environment into a frozen object.
// Authentication, TLS and their rules: docs/security.md.
import { z } from 'zod';
import {
  caBundleFromFile,
  cassandraProfileProblems,
  dnsName,
  flag,
  optional,
  profileFromEnv,
  refuseInProduction,
  secretFromEnv,
} from '@hanpyo/secrets';
import type { Profile, Secret } from '@hanpyo/secrets';

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
  HANPYO_CASSANDRA_USERNAME: optional(z.string()),
  HANPYO_CASSANDRA_PASSWORD: optional(z.string()),
  HANPYO_CASSANDRA_PASSWORD_FILE: optional(z.string()),
  HANPYO_CASSANDRA_ALLOW_PLAINTEXT_AUTH: flag,
  HANPYO_CASSANDRA_TLS: flag,
  HANPYO_CASSANDRA_TLS_CA_FILE: optional(z.string()),
  HANPYO_CASSANDRA_TLS_SERVERNAME: optional(dnsName),
});

/** Credentials for the cluster's PasswordAuthenticator (a role with LOGIN). */
export interface CassandraAuth {
  readonly username: string;
  readonly password: Secret;
}

/** TLS to the nodes' native port; the node's certificate is always verified. */
export interface CassandraTls {
  /** PEM CA bundle; absent: Node's default trust store (Mozilla's roots, plus NODE_EXTRA_CA_CERTS). */
  readonly ca?: string;
  /** The name every node's certificate is checked against (and sent as SNI), instead of its address. */
  readonly servername?: string;
}

/** Validated Cassandra settings. */
export interface CassandraConfig {
  /** HANPYO_PROFILE: production refuses RF < 3, consistency below a quorum, a mismatched keyspace. */
  readonly profile: Profile;
  readonly contactPoints: readonly string[];
  readonly localDataCenter: string;
  readonly keyspace: string;
  /** CQL replication map of the keyspace. */
  readonly replication: Readonly<Record<string, string | number>>;
  readonly consistency: 'LOCAL_QUORUM' | 'QUORUM' | 'LOCAL_ONE' | 'ONE' | 'ALL';
  readonly requestTimeoutMs: number;
  /** Absent: no authentication. */
  readonly auth?: CassandraAuth;
  /** Absent: plaintext. */
  readonly tls?: CassandraTls;
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
  const problems: string[] = [];
  const auth = authFromEnv(v, problems);
  const tls = tlsFromEnv(v, problems);
  // PasswordAuthenticator is SASL PLAIN: without TLS the password itself crosses the network.
  if (
    v.HANPYO_CASSANDRA_USERNAME !== undefined &&
    !v.HANPYO_CASSANDRA_TLS &&
    !v.HANPYO_CASSANDRA_ALLOW_PLAINTEXT_AUTH
  )
    problems.push(
      'HANPYO_CASSANDRA_USERNAME: a password without TLS is refused (it would cross the network ' +
        'in clear): set HANPYO_CASSANDRA_TLS=true, or HANPYO_CASSANDRA_ALLOW_PLAINTEXT_AUTH=true ' +
        'on a network you trust',
    );
  if (problems.length > 0)
    throw new CassandraConfigError(`invalid Cassandra configuration: ${problems.join('; ')}`);
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
  // Production: keyspace RF >= 3 in every data center and a quorum, or PROFILE_REFUSED.
  const profile = profileFromEnv(env);
  refuseInProduction(
    profile,
    cassandraProfileProblems({ replication, consistency: v.HANPYO_CASSANDRA_CONSISTENCY }),
  );
  return Object.freeze({
    profile,
    contactPoints: Object.freeze([...v.HANPYO_CASSANDRA_CONTACT_POINTS]),
    localDataCenter: v.HANPYO_CASSANDRA_DATACENTER,
    keyspace: v.HANPYO_CASSANDRA_KEYSPACE,
    replication: Object.freeze(replication),
    consistency: v.HANPYO_CASSANDRA_CONSISTENCY,
    requestTimeoutMs: v.HANPYO_CASSANDRA_REQUEST_TIMEOUT_MS,
    ...(auth ? { auth } : {}),
    ...(tls ? { tls } : {}),
  });
}

type Parsed = z.infer<typeof schema>;

/** Credentials when a username is given; a password without a username is a mistake. */
function authFromEnv(v: Parsed, problems: string[]): CassandraAuth | undefined {
  const username = v.HANPYO_CASSANDRA_USERNAME;
  if (username === undefined) {
    for (const name of ['HANPYO_CASSANDRA_PASSWORD', 'HANPYO_CASSANDRA_PASSWORD_FILE'] as const)
      if (v[name] !== undefined)
        problems.push(`${name}: set, but HANPYO_CASSANDRA_USERNAME is not`);
    return undefined;
  }
  const password = secretFromEnv(
    {
      valueVar: 'HANPYO_CASSANDRA_PASSWORD',
      fileVar: 'HANPYO_CASSANDRA_PASSWORD_FILE',
      requiredBy: 'HANPYO_CASSANDRA_USERNAME',
    },
    v.HANPYO_CASSANDRA_PASSWORD,
    v.HANPYO_CASSANDRA_PASSWORD_FILE,
    problems,
  );
  return password === undefined ? undefined : Object.freeze({ username, password });
}

/** TLS settings when HANPYO_CASSANDRA_TLS=true; a CA or server name without it is a mistake. */
function tlsFromEnv(v: Parsed, problems: string[]): CassandraTls | undefined {
  if (!v.HANPYO_CASSANDRA_TLS) {
    for (const name of ['HANPYO_CASSANDRA_TLS_CA_FILE', 'HANPYO_CASSANDRA_TLS_SERVERNAME'] as const)
      if (v[name] !== undefined)
        problems.push(`${name}: set, but HANPYO_CASSANDRA_TLS is not true`);
    return undefined;
  }
  const caFile = v.HANPYO_CASSANDRA_TLS_CA_FILE;
  const ca =
    caFile === undefined
      ? undefined
      : caBundleFromFile('HANPYO_CASSANDRA_TLS_CA_FILE', caFile, problems);
  const servername = v.HANPYO_CASSANDRA_TLS_SERVERNAME;
  return Object.freeze({
    ...(ca !== undefined ? { ca } : {}),
    ...(servername !== undefined ? { servername } : {}),
  });
}
