// The project's topics (DESIGN.md): the board, the blocks, and the dead-letter topic. Created
// idempotently; the board's partition count comes from the manifest's partition layout and is
// fixed for the election.
import kafkajs from 'kafkajs';
import type { Admin } from 'kafkajs';
import type { PartitionLayout } from '@hanpyo/ledger';
import { DurabilityError } from '@hanpyo/secrets';
import type { KafkaConfig } from './config.js';
import { KafkaAdapterError, classifyKafkaError, rootKafkaError } from './errors.js';

/** Names of the project's topics under the configured prefix. */
export interface TopicNames {
  /** `hanpyo.ballots.v1`, the board (SPEC §6). */
  readonly ballots: string;
  /** `hanpyo.blocks.v1`, signed blocks (SPEC §8). */
  readonly blocks: string;
  /** Board entries a consumer could not decode, kept for inspection, never dropped. */
  readonly deadLetter: string;
}

/** Kafka's topic-name alphabet; an election id must fit it to name its topics. */
export const TOPIC_SAFE = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * Topic names of one election (each election has its own board, whose partition count is its own
 * layout's), under the deployment's prefix: `<prefix><electionId>.hanpyo.ballots.v1`. Without an
 * election id: `<prefix>hanpyo.ballots.v1`, for tools and tests that own the prefix.
 */
export function topicNames(
  config: Pick<KafkaConfig, 'topicPrefix'>,
  electionId?: string,
): TopicNames {
  if (electionId !== undefined && !TOPIC_SAFE.test(electionId)) {
    throw new KafkaAdapterError(
      'KAFKA_REJECTED',
      false,
      'an election id must use only letters, digits, . _ - (at most 100) to name its topics',
    );
  }
  const p = `${config.topicPrefix}${electionId !== undefined ? `${electionId}.` : ''}`;
  return {
    ballots: `${p}hanpyo.ballots.v1`,
    blocks: `${p}hanpyo.blocks.v1`,
    deadLetter: `${p}hanpyo.ballots.dlq.v1`,
  };
}

/** Retention forever, no compaction, no unclean leader election: nothing leaves the board. */
function keepForever(config: KafkaConfig): { name: string; value: string }[] {
  return [
    { name: 'retention.ms', value: '-1' },
    { name: 'retention.bytes', value: '-1' },
    { name: 'cleanup.policy', value: 'delete' },
    { name: 'min.insync.replicas', value: String(config.minInsyncReplicas) },
    { name: 'unclean.leader.election.enable', value: 'false' },
    // Timestamps are the broker's: `receivedAt` on the board never comes from a client clock.
    { name: 'message.timestamp.type', value: 'LogAppendTime' },
  ];
}

/** What `ensureTopics` found or did, per topic. */
export interface TopicReport {
  readonly topic: string;
  readonly partitions: number;
  readonly created: boolean;
  /**
   * How the existing topic falls short of the configuration (replicas, min ISR, unclean leader
   * election); empty when it does not. In production a shortfall is refused instead.
   */
  readonly mismatches: readonly string[];
}

/** What a topic actually has, as the brokers report it. */
export interface TopicState {
  readonly topic: string;
  /** Replicas of each partition. */
  readonly replicas: readonly number[];
  /** The topic's configs (describeConfigs), by name. */
  readonly configs: Readonly<Record<string, string>>;
}

/**
 * How an existing topic falls short of the configured durability: fewer replicas on a
 * partition, a lower min.insync.replicas, unclean leader election enabled. Pure.
 */
export function topicConfigProblems(
  state: TopicState,
  config: Pick<KafkaConfig, 'replicationFactor' | 'minInsyncReplicas'>,
): string[] {
  const problems: string[] = [];
  const fewest = state.replicas.length === 0 ? 0 : Math.min(...state.replicas);
  if (fewest < config.replicationFactor)
    problems.push(
      `topic ${state.topic} has ${fewest} replicas on a partition, the configuration wants ${config.replicationFactor}`,
    );
  const minIsr = Number(state.configs['min.insync.replicas'] ?? '1');
  if (!(minIsr >= config.minInsyncReplicas))
    problems.push(
      `topic ${state.topic} has min.insync.replicas ${state.configs['min.insync.replicas'] ?? 'unset (1)'}, the configuration wants ${config.minInsyncReplicas}`,
    );
  if (state.configs['unclean.leader.election.enable'] === 'true')
    problems.push(`topic ${state.topic} allows unclean leader election`);
  return problems;
}

/** Reads back each topic's replicas and configs (metadata and describeConfigs). */
async function topicStates(admin: Admin, topics: readonly string[]): Promise<TopicState[]> {
  const { topics: metadata } = await admin.fetchTopicMetadata({ topics: [...topics] });
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({ type: kafkajs.ConfigResourceTypes.TOPIC, name })),
  });
  return topics.map((topic) => {
    const entries = described.resources.find((r) => r.resourceName === topic)?.configEntries ?? [];
    return {
      topic,
      replicas: (metadata.find((m) => m.name === topic)?.partitions ?? []).map(
        (p) => p.replicas.length,
      ),
      configs: Object.fromEntries(entries.map((e) => [e.configName, e.configValue])),
    };
  });
}

/**
 * Creates the board (with `layout.partitionCount` partitions), blocks and dead-letter topics when
 * missing; leaves existing ones alone. Throws KAFKA_TOPIC_LAYOUT_MISMATCH when the board exists
 * with another partition count: the district → partition map must never change under an election.
 * Existing topics are read back: fewer replicas, a lower min.insync.replicas or unclean leader
 * election are listed in each report's `mismatches` (development) or refused with
 * KAFKA_TOPIC_CONFIG_MISMATCH (production).
 */
export async function ensureTopics(
  admin: Admin,
  config: KafkaConfig,
  layout: Pick<PartitionLayout, 'partitionCount'>,
  electionId?: string,
): Promise<TopicReport[]> {
  const names = topicNames(config, electionId);
  const wanted = [
    { topic: names.ballots, numPartitions: layout.partitionCount },
    { topic: names.blocks, numPartitions: 1 },
    { topic: names.deadLetter, numPartitions: 1 },
  ];
  try {
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      // Not kafkajs' waitForLeaders: it retries LEADER_NOT_AVAILABLE only, and a metadata request
      // racing another election's creation gets UNKNOWN_TOPIC_OR_PARTITION for a topic just made.
      await admin.createTopics({
        waitForLeaders: false,
        topics: missing.map((t) => ({
          topic: t.topic,
          numPartitions: t.numPartitions,
          replicationFactor: config.replicationFactor,
          configEntries: keepForever(config),
        })),
      });
      await untilLed(
        admin,
        missing.map((t) => t.topic),
      );
    }
    // Right after a creation another broker of a cluster may not host the topics yet (seen on
    // three local brokers: UNKNOWN_TOPIC_OR_PARTITION from describeConfigs), so these reads retry
    // that for as long as the leaders may take.
    const [metadata, states] = await notYetRetried(() =>
      Promise.all([
        admin.fetchTopicMetadata({ topics: wanted.map((t) => t.topic) }),
        // Existing topics keep the replicas and configs they were made with: read them back.
        topicStates(
          admin,
          wanted.map((t) => t.topic),
        ),
      ]),
    );
    const mismatches = new Map(states.map((st) => [st.topic, topicConfigProblems(st, config)]));
    const all = [...mismatches.values()].flat();
    if (config.profile === 'production' && all.length > 0)
      throw new DurabilityError('KAFKA_TOPIC_CONFIG_MISMATCH', all);
    return wanted.map((t) => {
      const partitions = metadata.topics.find((m) => m.name === t.topic)?.partitions.length ?? 0;
      if (partitions !== t.numPartitions) {
        throw new KafkaAdapterError(
          'KAFKA_TOPIC_LAYOUT_MISMATCH',
          false,
          `topic ${t.topic} has ${partitions} partitions, the layout needs ${t.numPartitions}`,
        );
      }
      return {
        topic: t.topic,
        partitions,
        created: missing.some((m) => m.topic === t.topic),
        mismatches: mismatches.get(t.topic) ?? [],
      };
    });
  } catch (e) {
    if (e instanceof DurabilityError) throw e;
    throw classifyKafkaError(e);
  }
}

/** How long a topic just created may take to have a leader on every partition. */
const LEADERS_TIMEOUT_MS = 30_000;
/** Errors of a metadata request for a topic the controller has created and brokers not yet. */
const NOT_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/** Runs `read`, again while it fails with an error of NOT_YET (bounded; then that error). */
async function notYetRetried<T>(read: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LEADERS_TIMEOUT_MS;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    try {
      return await read();
    } catch (e) {
      const type = (rootKafkaError(e) as { type?: unknown }).type;
      if (typeof type !== 'string' || !NOT_YET.has(type) || Date.now() > deadline) throw e;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** Waits until every partition of `topics` has a leader (bounded; then the last error). */
async function untilLed(admin: Admin, topics: readonly string[]): Promise<void> {
  const deadline = Date.now() + LEADERS_TIMEOUT_MS;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: [...topics] });
      if (
        found.length === topics.length &&
        found.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))
      )
        return;
      if (Date.now() > deadline)
        throw new KafkaAdapterError(
          'KAFKA_UNAVAILABLE',
          true,
          `topics ${topics.join(', ')} have no leader on every partition after ${LEADERS_TIMEOUT_MS} ms`,
        );
    } catch (e) {
      const type = (e as { type?: unknown }).type;
      if (typeof type !== 'string' || !NOT_YET.has(type) || Date.now() > deadline) throw e;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/**
 * Every partition's end offset (high watermark) of a topic, indexed by partition number; errors
 * classified. The blocks topic has one partition whose end offset is the last height published.
 */
export async function endOffsets(admin: Admin, topic: string): Promise<number[]> {
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets
      .map((o) => ({ partition: o.partition, end: Number(o.high) }))
      .sort((a, b) => a.partition - b.partition)
      .map((o) => o.end);
  } catch (e) {
    throw classifyKafkaError(e);
  }
}
