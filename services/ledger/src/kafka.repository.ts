// I/O of the ledger in Kafka: the board's end offsets (where a cut ends) and the blocks topic,
// written only through a fenced publisher per election (docs/ledger.md, "Fenced publication").
import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import type { Admin, Kafka } from 'kafkajs';
import {
  FencedPublisher,
  classifyKafkaError,
  createKafka,
  endOffsets,
  publishedMarker,
  scanTopic,
  topicNames,
  valueDigest,
} from '@hanpyo/kafka';
import type { PublishedMarker } from '@hanpyo/kafka';
import { Health, JsonLogger, connectOnce } from '@hanpyo/service-kit';
import { CONFIG } from './config.js';
import type { LedgerConfig } from './config.js';
import type { StoredBlock } from './election-ledger.js';

@Injectable()
export class KafkaRepository implements OnApplicationShutdown {
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  /** One fenced publisher per election this replica publishes for (while it holds the lease). */
  private readonly publishers = new Map<string, FencedPublisher>();

  constructor(
    @Inject(CONFIG) private readonly config: LedgerConfig,
    @Inject(JsonLogger) logger: JsonLogger,
    @Inject(Health) health: Health,
  ) {
    this.kafka = createKafka(config.kafka, logger);
    this.admin = this.kafka.admin();
    health.register('kafka', async () => {
      await this.ready();
      await this.admin.listTopics();
    });
  }

  readonly ready = connectOnce(async () => {
    await this.admin.connect();
  }, classifyKafkaError);

  /** The board's end offset (high watermark) of every partition, by partition number. */
  async boardEndOffsets(electionId: string): Promise<number[]> {
    await this.ready();
    return endOffsets(this.admin, topicNames(this.config.kafka, electionId).ballots);
  }

  /** The transactionalId of an election's block publisher: the same for every ledger replica. */
  private transactionalId(electionId: string): string {
    return `${this.config.kafka.topicPrefix}hanpyo-ledger.blocks.${electionId}`;
  }

  /** The group whose committed offset on the blocks topic is the published height. */
  private markerGroup(electionId: string): string {
    return `${this.config.kafka.topicPrefix}hanpyo-ledger.published.${electionId}`;
  }

  /**
   * Claims the election's publisher role: a newer claim fences every older one, whichever
   * replica made it, so call it when taking the lease and before reading what is published.
   */
  async claim(electionId: string): Promise<void> {
    await this.ready();
    let publisher = this.publishers.get(electionId);
    if (!publisher || publisher.isFenced) {
      publisher = new FencedPublisher(this.kafka, {
        transactionalId: this.transactionalId(electionId),
        markerGroupId: this.markerGroup(electionId),
        topic: topicNames(this.config.kafka, electionId).blocks,
      });
      this.publishers.set(electionId, publisher);
    }
    await publisher.connect();
  }

  /** Gives the publisher role up (lost lease, fenced, or final block published). */
  async release(electionId: string): Promise<void> {
    const publisher = this.publishers.get(electionId);
    this.publishers.delete(electionId);
    await publisher?.close();
  }

  /**
   * The last block the blocks topic holds, read committed: the marker committed with it, or, when
   * there is none (a topic written before fencing, or an expired marker), the last committed block
   * message itself. Never the end offset: commit markers take offsets too.
   */
  async lastPublished(electionId: string): Promise<PublishedMarker> {
    await this.ready();
    const topic = topicNames(this.config.kafka, electionId).blocks;
    const marker = await publishedMarker(this.admin, this.markerGroup(electionId), topic);
    if (marker.height > 0) return marker;
    if (((await endOffsets(this.admin, topic))[0] ?? 0) === 0) return marker;
    let last: PublishedMarker = marker;
    await scanTopic(this.kafka, topic, (m) => {
      const height = Number(m.key?.toString('utf8'));
      if (Number.isSafeInteger(height) && height > last.height && m.value !== null)
        last = { height, digest: valueDigest(m.value) };
    });
    return last;
  }

  /** The message value of a block on the blocks topic (what is compared byte for byte). */
  static value(block: StoredBlock): string {
    return JSON.stringify({ block: block.block, signatures: block.signatures });
  }

  /**
   * Publishes `{block, signatures}` messages keyed by height, in order, with the published height
   * in the same transaction. Throws KafkaFencedError when a newer replica claimed the role.
   */
  async publish(electionId: string, blocks: readonly StoredBlock[]): Promise<void> {
    if (blocks.length === 0) return;
    await this.claim(electionId);
    await this.publishers.get(electionId)!.publish(
      blocks.map((b) => ({ key: String(b.block.height), value: KafkaRepository.value(b) })),
      blocks[blocks.length - 1]!.block.height,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.publishers.keys()].map((id) => this.release(id)));
    await this.admin.disconnect().catch(() => undefined);
  }
}
