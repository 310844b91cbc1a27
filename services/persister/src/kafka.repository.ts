// I/O of the persister in Kafka: its one member of the persister's consumer group, the dead-letter producer and
// the offsets that make up the consumer lag.
import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import type { Admin, Kafka, Producer } from 'kafkajs';
import {
  GroupConsumer,
  classifyKafkaError,
  createBoardProducer,
  createKafka,
  topicNames,
} from '@hanpyo/kafka';
import type { KafkaLogger, TopicNames } from '@hanpyo/kafka';
import { Health, JsonLogger, connectOnce } from '@hanpyo/service-kit';
import { CONFIG } from './config.js';
import type { PersisterConfig } from './config.js';

/** A message for the dead-letter topic. */
export interface DeadLetterMessage {
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: Record<string, string | Uint8Array>;
}

@Injectable()
export class KafkaRepository implements OnApplicationShutdown {
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private readonly producer: Producer;

  constructor(
    @Inject(CONFIG) private readonly config: PersisterConfig,
    @Inject(JsonLogger) logger: JsonLogger,
    @Inject(Health) health: Health,
  ) {
    this.kafka = createKafka(config.kafka, logger);
    this.admin = this.kafka.admin();
    this.producer = createBoardProducer(this.kafka);
    health.register('kafka', async () => {
      await this.ready();
      await this.admin.listTopics();
    });
  }

  readonly ready = connectOnce(async () => {
    await this.admin.connect();
    await this.producer.connect();
  }, classifyKafkaError);

  /** The election's topics. */
  topics(electionId: string): TopicNames {
    return topicNames(this.config.kafka, electionId);
  }

  /**
   * The persister's one consumer group, under the deployment's prefix: every board of every
   * election, committed offsets per topic (issue 10: the broker serves one group per service, not
   * one per election). Deployments from before it had a group per election, `…hanpyo-persister.<id>`;
   * this group starts an open election's board from the beginning, and the writes are idempotent.
   */
  get groupId(): string {
    return `${this.config.kafka.topicPrefix}hanpyo-persister`;
  }

  /** The process's member of the group (joins when it gets its first board). */
  groupConsumer(logger: KafkaLogger): GroupConsumer {
    return new GroupConsumer(
      this.kafka,
      {
        groupId: this.groupId,
        sessionTimeout: this.config.HANPYO_PERSISTER_SESSION_TIMEOUT_MS,
        heartbeatInterval: Math.floor(this.config.HANPYO_PERSISTER_SESSION_TIMEOUT_MS / 10),
        maxWaitTimeInMs: 250,
        allowAutoTopicCreation: false,
      },
      {
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.config.HANPYO_PERSISTER_PARTITIONS_CONCURRENTLY,
      },
      logger,
    );
  }

  /** The topics that exist on the brokers now. */
  async existingTopics(): Promise<Set<string>> {
    await this.ready();
    try {
      return new Set(await this.admin.listTopics());
    } catch (e) {
      throw classifyKafkaError(e);
    }
  }

  /** Writes messages to the election's dead-letter topic with acks=all; throws classified errors. */
  async deadLetter(electionId: string, messages: readonly DeadLetterMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.ready();
    try {
      await this.producer.send({
        topic: this.topics(electionId).deadLetter,
        acks: -1,
        messages: messages.map((m) => ({
          key: m.key === null ? null : Buffer.from(m.key),
          value: m.value === null ? null : Buffer.from(m.value),
          headers: Object.fromEntries(
            Object.entries(m.headers).map(([k, v]) => [
              k,
              typeof v === 'string' ? v : Buffer.from(v),
            ]),
          ),
        })),
      });
    } catch (e) {
      throw classifyKafkaError(e);
    }
  }

  /**
   * Per partition of the election's board: the end offset (high watermark) and the group's
   * committed offset (the log start when nothing is committed yet).
   */
  async offsets(
    electionId: string,
  ): Promise<{ partition: number; end: number; committed: number }[]> {
    await this.ready();
    const topic = this.topics(electionId).ballots;
    try {
      const [ends, committed] = await Promise.all([
        this.admin.fetchTopicOffsets(topic),
        this.admin.fetchOffsets({ groupId: this.groupId, topics: [topic] }),
      ]);
      const done = new Map(
        (committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]),
      );
      return ends
        .map((e) => {
          const c = done.get(e.partition) ?? -1;
          return {
            partition: e.partition,
            end: Number(e.high),
            committed: c >= 0 ? c : Number(e.low),
          };
        })
        .sort((a, b) => a.partition - b.partition);
    } catch (e) {
      throw classifyKafkaError(e);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }
}
