// I/O of the board (SPEC §6): one idempotent acks=all producer per process, fed by the BoardWriter
// in batches. A board message is exactly what the persister and the ledger read: key = the 32 raw
// nullifier bytes, value = UTF-8 JSON {"trackingCode","ballot","token","castSignature"}, header
// hanpyo-district, partition from the election's layout; receivedAt is the broker's append time
// (LogAppendTime topics).
import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { boardValueText } from '@hanpyo/contracts';
import type { EncryptedBallot } from '@hanpyo/contracts';
import {
  DISTRICT_HEADER,
  boardPartition,
  classifyKafkaError,
  createBoardProducer,
  createKafka,
  producerBroken,
  topicNames,
} from '@hanpyo/kafka';
import { Health, JsonLogger, connectOnce } from '@hanpyo/service-kit';
import type { Election } from '@hanpyo/service-kit';
import { BoardWriter } from './board-writer.js';
import type { BoardMessage, Written } from './board-writer.js';
import { CONFIG } from './config.js';
import type { EdgeConfig } from './config.js';
import { EdgeMetrics } from './edge.metrics.js';

/** One accepted ballot, ready for the board. */
export interface BoardEntry {
  readonly districtId: string;
  /** The 32 raw bytes of the token's `sub`. */
  readonly nullifier: Uint8Array;
  readonly trackingCode: string;
  readonly ballot: EncryptedBallot;
  /** The voter's token, verified (SPEC §4): it travels on the board (SPEC §6). */
  readonly token: string;
  /** The device's signature of the cast (SPEC §5), verified. */
  readonly castSignature: string;
  /** The edge's clock (ms); stands only if the topic keeps producer timestamps. */
  readonly now: Date;
}

@Injectable()
export class BoardRepository implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly kafka;
  /** Replaced when kafkajs leaves it broken (replaceProducer). */
  private producer;
  private readonly admin;
  private readonly writer: BoardWriter;
  private producerConnected = false;
  /** Connects the current producer and the admin, once per producer. */
  private connectProducer: () => Promise<void>;

  constructor(
    @Inject(CONFIG) private readonly config: EdgeConfig,
    @Inject(Health) health: Health,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
    @Inject(EdgeMetrics) private readonly metrics: EdgeMetrics,
  ) {
    this.kafka = createKafka(config.kafka, logger);
    this.admin = this.kafka.admin();
    this.producer = this.newProducer();
    this.connectProducer = this.connector();
    this.writer = new BoardWriter({
      lingerMs: config.HANPYO_EDGE_BOARD_LINGER_MS,
      maxBatch: config.HANPYO_EDGE_BOARD_MAX_BATCH,
      maxQueued: config.HANPYO_EDGE_BOARD_MAX_QUEUED,
      timeoutMs: config.HANPYO_EDGE_WRITE_TIMEOUT_MS,
      send: async (topic, messages) => {
        await this.ready();
        const producer = this.producer;
        try {
          return await producer.send({
            topic,
            acks: -1,
            messages: messages.map((m) => ({
              partition: m.partition,
              key: m.key,
              value: m.value,
              headers: { ...m.headers },
              timestamp: m.timestamp,
            })),
          });
        } catch (e) {
          if (producer === this.producer && producerBroken(e)) this.replaceProducer(e);
          throw e;
        }
      },
      onBatch: (size, seconds, ok) => {
        metrics.boardWrite.observe({ outcome: ok ? 'ok' : 'error' }, seconds);
        metrics.boardBatch.observe(size);
      },
      onError: (e) =>
        logger.error('board writer bookkeeping failed', {
          error: e instanceof Error ? e.message : String(e),
        }),
    });
    health.register('kafka', async () => {
      await this.ready();
      if (!this.producerConnected) throw new Error('board producer not connected');
      const stalled = this.writer.stalledFor();
      if (stalled > config.HANPYO_EDGE_WRITE_TIMEOUT_MS)
        throw new Error(`a board write has waited ${stalled} ms for its acknowledgement`);
      await this.admin.describeCluster();
    });
  }

  /** Connects the producer (which fetches its idempotent producer id) and the admin, once. */
  readonly ready = (): Promise<void> => this.connectProducer();

  private newProducer() {
    const producer = createBoardProducer(this.kafka);
    producer.on(producer.events.CONNECT, () => {
      if (producer === this.producer) this.producerConnected = true;
    });
    producer.on(producer.events.DISCONNECT, () => {
      if (producer === this.producer) this.producerConnected = false;
    });
    return producer;
  }

  private connector(): () => Promise<void> {
    const producer = this.producer;
    return connectOnce(async () => {
      await producer.connect();
      await this.admin.connect();
    }, classifyKafkaError);
  }

  /**
   * kafkajs left the producer unusable (disconnected, or the broker forgot its producer id after a
   * restart): every later send would fail the same way, so the next batch goes through a new
   * producer with a new producer id. The failed batch's callers got their 503.
   */
  private replaceProducer(cause: unknown): void {
    const broken = this.producer;
    this.producer = this.newProducer();
    this.producerConnected = false;
    this.connectProducer = this.connector();
    this.metrics.producerReplaced.inc();
    this.logger.warn('board producer replaced', {
      error: cause instanceof Error ? cause.message : String(cause),
    });
    broken.disconnect().catch((e: unknown) =>
      this.logger.debug('broken board producer did not disconnect cleanly', {
        error: e instanceof Error ? e.message : String(e),
      }),
    );
  }

  onApplicationBootstrap(): void {
    // Connect early so the first ballot does not pay for it; readiness reports a failure.
    this.ready().catch((e: unknown) =>
      this.logger.warn('Kafka not reachable yet', {
        error: e instanceof Error ? e.message : String(e),
      }),
    );
  }

  /**
   * Writes one entry to the election's board and resolves with where it landed, once the broker
   * acknowledged it with acks=all. Rejects with a BoardWriterError or a Kafka error.
   */
  write(election: Election, entry: BoardEntry): Promise<Written> {
    const topic = topicNames(this.config.kafka, election.manifest.electionId).ballots;
    const message: BoardMessage = {
      partition: boardPartition(election.layout, entry.districtId, entry.nullifier),
      key: Buffer.from(entry.nullifier),
      value: Buffer.from(boardValueText(entry), 'utf8'),
      headers: { [DISTRICT_HEADER]: entry.districtId },
      timestamp: String(entry.now.getTime()),
    };
    return this.writer.write(topic, message);
  }

  /** Shutdown has begun: send every ballot without lingering. */
  expedite(): void {
    this.writer.expedite();
  }

  /** Ballots waiting for or inside a produce request. */
  get queued(): number {
    return this.writer.size;
  }

  /** Sends what is waiting, waits for the answers (at most the write timeout), disconnects. */
  async onApplicationShutdown(): Promise<void> {
    await this.writer.close(this.config.HANPYO_EDGE_WRITE_TIMEOUT_MS);
    await this.producer.disconnect();
    await this.admin.disconnect();
  }
}
