// I/O of the persister in Kafka: the consumers of the election boards, the dead-letter producer and
// the offsets that make up the consumer lag.
import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import { classifyKafkaError, createBoardProducer, createKafka, topicNames } from '@hanpyo/kafka';
import type { TopicNames } from '@hanpyo/kafka';
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

  /** The persister's consumer group of an election, under the deployment's prefix. */
  groupId(electionId: string): string {
    return `${this.config.kafka.topicPrefix}hanpyo-persister.${electionId}`;
  }

  /** A new member of the election's consumer group (not yet connected). */
  consumer(electionId: string): Consumer {
    return this.kafka.consumer({
      groupId: this.groupId(electionId),
      sessionTimeout: this.config.HANPYO_PERSISTER_SESSION_TIMEOUT_MS,
      heartbeatInterval: Math.floor(this.config.HANPYO_PERSISTER_SESSION_TIMEOUT_MS / 10),
      maxWaitTimeInMs: 250,
      allowAutoTopicCreation: false,
    });
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
        this.admin.fetchOffsets({ groupId: this.groupId(electionId), topics: [topic] }),
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
