// The deployment profile (HANPYO_PROFILE) and the durability it requires (docs/security.md,
// "Production profile"). In production a receipt must mean a ballot on three brokers with two in
// sync, and a row on a quorum of three Cassandra replicas: weaker settings are refused at boot,
// every problem listed, instead of being found after a lost node. Pure functions over the
// adapters' validated settings, so both adapters and their tests share one rule.
import { z } from 'zod';

/** `development` (the default: the local single-node stack) or `production`. */
export type Profile = 'development' | 'production';

/** Codes of refused or mismatched durability settings. */
export type DurabilityCode =
  'PROFILE_REFUSED' | 'KAFKA_TOPIC_CONFIG_MISMATCH' | 'CASSANDRA_KEYSPACE_MISMATCH';

/** Durability settings or existing topics and keyspaces that the profile does not accept. */
export class DurabilityError extends Error {
  override readonly name = 'DurabilityError';
  readonly retriable = false;
  constructor(
    readonly code: DurabilityCode,
    /** Each problem, one sentence naming the setting or object and the value found. */
    readonly problems: readonly string[],
  ) {
    super(`${code}: ${problems.join('; ')}`);
  }
}

const profileSchema = z.preprocess(
  (v) => (v === '' || v === undefined ? 'development' : v),
  z.enum(['development', 'production']),
);

/** HANPYO_PROFILE, validated; unset or empty: development. */
export function profileFromEnv(env: Readonly<Record<string, string | undefined>>): Profile {
  const r = profileSchema.safeParse(env.HANPYO_PROFILE);
  if (!r.success) {
    throw new DurabilityError('PROFILE_REFUSED', [
      `HANPYO_PROFILE: expected development or production, got ${JSON.stringify(env.HANPYO_PROFILE)}`,
    ]);
  }
  return r.data;
}

/** The production minimums (docs/security.md). */
export const PRODUCTION_MINIMUMS = Object.freeze({
  kafkaReplicationFactor: 3,
  kafkaMinInsyncReplicas: 2,
  cassandraReplicationFactor: 3,
});

/** Consistency levels that are a quorum (or stronger) of the replicas. */
const QUORUM_LEVELS = new Set(['LOCAL_QUORUM', 'QUORUM', 'EACH_QUORUM', 'ALL']);

/** Kafka settings below the production minimums, one sentence each (empty: acceptable). */
export function kafkaProfileProblems(config: {
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
  /** The producers' acks: -1 or 'all' is all in-sync replicas. */
  readonly acks: number | 'all';
}): string[] {
  const problems: string[] = [];
  const min = PRODUCTION_MINIMUMS;
  if (config.replicationFactor < min.kafkaReplicationFactor)
    problems.push(
      `HANPYO_KAFKA_REPLICATION_FACTOR is ${config.replicationFactor}, production needs at least ${min.kafkaReplicationFactor}`,
    );
  if (config.minInsyncReplicas < min.kafkaMinInsyncReplicas)
    problems.push(
      `HANPYO_KAFKA_MIN_INSYNC_REPLICAS is ${config.minInsyncReplicas}, production needs at least ${min.kafkaMinInsyncReplicas}`,
    );
  if (config.acks !== -1 && config.acks !== 'all')
    problems.push(`producer acks is ${config.acks}, production needs all (-1)`);
  return problems;
}

/** The replication factor of each data center of a CQL replication map (SimpleStrategy: one). */
export function replicationFactors(
  replication: Readonly<Record<string, string | number>>,
): Record<string, number> {
  const out: Record<string, number> = {};
  const strategy = String(replication.class ?? '');
  for (const [k, v] of Object.entries(replication)) {
    if (k === 'class') continue;
    if (strategy.endsWith('SimpleStrategy') && k !== 'replication_factor') continue;
    out[k] = Number(v);
  }
  return out;
}

/** Cassandra settings below the production minimums, one sentence each (empty: acceptable). */
export function cassandraProfileProblems(config: {
  readonly replication: Readonly<Record<string, string | number>>;
  readonly consistency: string;
}): string[] {
  const problems: string[] = [];
  const min = PRODUCTION_MINIMUMS.cassandraReplicationFactor;
  const factors = Object.entries(replicationFactors(config.replication));
  if (factors.length === 0) problems.push('HANPYO_CASSANDRA_REPLICATION names no replica');
  for (const [where, rf] of factors) {
    if (!(rf >= min))
      problems.push(
        `HANPYO_CASSANDRA_REPLICATION: ${where === 'replication_factor' ? 'the replication factor' : `data center ${where}`} is ${rf}, production needs at least ${min}`,
      );
  }
  if (!QUORUM_LEVELS.has(config.consistency))
    problems.push(
      `HANPYO_CASSANDRA_CONSISTENCY is ${config.consistency}, production needs LOCAL_QUORUM or QUORUM`,
    );
  return problems;
}

/** Throws PROFILE_REFUSED listing `problems` when the profile is production; else returns them. */
export function refuseInProduction(profile: Profile, problems: readonly string[]): string[] {
  if (profile === 'production' && problems.length > 0)
    throw new DurabilityError('PROFILE_REFUSED', problems);
  return [...problems];
}
