// Kafka transport of the persister: one member of the persister's consumer group per process,
// whatever the number of elections (issue 10). Every election being persisted is a subscription of
// that member (GroupConsumer); each batch is handed to EntriesService for its election, and its
// offsets are resolved and committed only after it returns, so a crash before the commit
// redelivers the batch (whose writes are idempotent) and never skips one.
import { Inject, Injectable } from '@nestjs/common';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import { GroupConsumer } from '@hanpyo/kafka';
import { JsonLogger, Metrics } from '@hanpyo/service-kit';
import type { BoardMessage } from './board-message.js';
import { CONFIG } from './config.js';
import type { PersisterConfig } from './config.js';
import { EntriesService } from './entries.service.js';
import { CrashAfterWrite } from './fault.js';
import { KafkaRepository } from './kafka.repository.js';

@Injectable()
export class BoardConsumer {
  private readonly member: GroupConsumer;
  private readonly lag;
  private readonly fault: CrashAfterWrite;

  constructor(
    @Inject(CONFIG) config: PersisterConfig,
    @Inject(KafkaRepository) private readonly kafka: KafkaRepository,
    @Inject(EntriesService) private readonly entries: EntriesService,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.lag = metrics.gauge(
      'hanpyo_persister_consumer_lag',
      'Board messages not yet persisted and committed, per election and board partition',
      ['election', 'partition'],
    );
    const crashes = metrics.counter(
      'hanpyo_persister_consumer_crashes_total',
      'Consumer crashes (the member is replaced on the next round)',
    );
    this.member = kafka.groupConsumer(logger);
    this.boards = metrics.gauge(
      'hanpyo_persister_boards_consumed',
      "Election boards read by the process's one consumer-group member",
    );
    this.onCrash = () => crashes.inc();
    this.fault = new CrashAfterWrite(config.fault, (message, fields) =>
      logger.warn(message, fields),
    );
  }

  private readonly boards;
  private readonly onCrash: () => void;

  /** Elections being consumed. */
  get running(): ReadonlySet<string> {
    return new Set(this.member.keys());
  }

  /** Sets the lag gauge of one board partition. */
  setLag(electionId: string, partition: number, lag: number): void {
    this.lag.set({ election: electionId, partition: String(partition) }, Math.max(0, lag));
  }

  /**
   * Makes the member read exactly these elections' boards (from the committed offsets; from the
   * beginning for a new one): one change of membership for all of them, none when nothing changed.
   */
  async consume(electionIds: Iterable<string>): Promise<void> {
    // A board whose topic is missing (not created yet, or deleted) would stop the member from
    // joining, and so every other election's persisting with it: it waits for a later round.
    const present = await this.kafka.existingTopics();
    const wanted = new Set<string>();
    for (const id of electionIds) {
      if (present.has(this.kafka.topics(id).ballots)) wanted.add(id);
      else
        this.logger.warn('the board topic of an election is missing; not read yet', {
          electionId: id,
        });
    }
    const changes: Promise<void>[] = [];
    for (const id of this.member.keys()) {
      if (!wanted.has(id)) {
        changes.push(this.member.unsubscribe(id));
        this.logger.info('left the board of an election', { electionId: id });
      }
    }
    for (const id of wanted) {
      if (this.member.has(id)) continue;
      const topic = this.kafka.topics(id).ballots;
      changes.push(
        this.member.subscribe(id, {
          topics: [topic],
          eachBatch: (payload, consumer) => this.batch(id, consumer, payload),
          failed: this.onCrash,
        }),
      );
      this.logger.info('consuming board', { electionId: id, topic });
    }
    // Changes queued together fold into one new member; then a member that crashed is replaced.
    try {
      await Promise.all(changes);
      await this.member.sync();
    } finally {
      this.boards.set(this.member.topics.length);
    }
  }

  private async batch(
    electionId: string,
    consumer: Consumer,
    payload: EachBatchPayload,
  ): Promise<void> {
    const { batch } = payload;
    if (batch.isEmpty()) return;
    const messages: BoardMessage[] = batch.messages.map((m) => ({
      partition: batch.partition,
      offset: Number(m.offset),
      key: m.key,
      value: m.value,
      timestamp: Number(m.timestamp),
      headers: Object.fromEntries(
        Object.entries(m.headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]),
      ),
    }));
    await this.entries.persist(electionId, batch.topic, messages, {
      heartbeat: () => payload.heartbeat(),
      active: () => payload.isRunning() && !payload.isStale(),
    });
    this.fault.afterWrite(); // HANPYO_FAULT_CRASH_AFTER_WRITE (fault.ts): tests only
    const last = batch.lastOffset();
    payload.resolveOffset(last);
    await consumer.commitOffsets([
      { topic: batch.topic, partition: batch.partition, offset: String(Number(last) + 1) },
    ]);
    this.setLag(electionId, batch.partition, Number(batch.highWatermark) - Number(last) - 1);
    await payload.heartbeat();
  }

  /** Leaves the group, letting in-flight batches finish first. */
  async stopAll(): Promise<void> {
    await this.member.stop();
  }
}
