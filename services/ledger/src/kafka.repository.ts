// I/O of the ledger in Kafka: the board's end offsets (where a cut ends) and the blocks topic.
import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import type { Admin, Producer } from 'kafkajs';
import {
  classifyKafkaError,
  createBoardProducer,
  createKafka,
  topicNames,
  endOffsets,
} from '@hanpyo/kafka';
import { Health, JsonLogger, connectOnce } from '@hanpyo/service-kit';
import { CONFIG } from './config.js';
import type { LedgerConfig } from './config.js';
import type { StoredBlock } from './election-ledger.js';

@Injectable()
export class KafkaRepository implements OnApplicationShutdown {
  private readonly admin: Admin;
  private readonly producer: Producer;

  constructor(
    @Inject(CONFIG) private readonly config: LedgerConfig,
    @Inject(JsonLogger) logger: JsonLogger,
    @Inject(Health) health: Health,
  ) {
    const kafka = createKafka(config.kafka, logger);
    this.admin = kafka.admin();
    // Idempotent, acks=all, one request in flight: a retried send is written once, in order.
    this.producer = createBoardProducer(kafka);
    health.register('kafka', async () => {
      await this.ready();
      await this.admin.listTopics();
    });
  }

  readonly ready = connectOnce(async () => {
    await this.admin.connect();
    await this.producer.connect();
  }, classifyKafkaError);

  /** The board's end offset (high watermark) of every partition, by partition number. */
  async boardEndOffsets(electionId: string): Promise<number[]> {
    await this.ready();
    return endOffsets(this.admin, topicNames(this.config.kafka, electionId).ballots);
  }

  /**
   * How many blocks the blocks topic holds. Only the ledger writes it, one message per height in
   * height order, and the topic is never compacted: its end offset is the last height published.
   */
  async publishedHeight(electionId: string): Promise<number> {
    await this.ready();
    return (await endOffsets(this.admin, topicNames(this.config.kafka, electionId).blocks))[0] ?? 0;
  }

  /** Publishes `{block, signatures}` messages keyed by height, in order, with acks=all. */
  async publish(electionId: string, blocks: readonly StoredBlock[]): Promise<void> {
    if (blocks.length === 0) return;
    await this.ready();
    try {
      await this.producer.send({
        topic: topicNames(this.config.kafka, electionId).blocks,
        acks: -1,
        messages: blocks.map((b) => ({
          key: String(b.block.height),
          value: JSON.stringify({ block: b.block, signatures: b.signatures }),
        })),
      });
    } catch (e) {
      throw classifyKafkaError(e);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }
}
