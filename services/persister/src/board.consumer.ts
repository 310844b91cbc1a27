// Kafka transport of the persister: one consumer-group member per election board. Each batch is
// handed to EntriesService; its offsets are resolved and committed only after it returns, so a
// crash before the commit redelivers the batch (whose writes are idempotent) and never skips one.
import { Inject, Injectable } from '@nestjs/common';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import { JsonLogger, Metrics } from '@hanpyo/service-kit';
import type { BoardMessage } from './board-message.js';
import { EntriesService } from './entries.service.js';
import { KafkaRepository } from './kafka.repository.js';

@Injectable()
export class BoardConsumer {
  private readonly consumers = new Map<string, Consumer>();
  private readonly lag;
  private readonly crashes;

  constructor(
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
    this.crashes = metrics.counter(
      'hanpyo_persister_consumer_crashes_total',
      'Consumer crashes (the consumer is restarted)',
      ['election'],
    );
  }

  /** Elections being consumed. */
  get running(): ReadonlySet<string> {
    return new Set(this.consumers.keys());
  }

  /** Sets the lag gauge of one board partition. */
  setLag(electionId: string, partition: number, lag: number): void {
    this.lag.set({ election: electionId, partition: String(partition) }, Math.max(0, lag));
  }

  /** Joins the election's consumer group and starts persisting its board from the committed offsets. */
  async start(electionId: string, partitionsConcurrently: number): Promise<void> {
    if (this.consumers.has(electionId)) return;
    const topic = this.kafka.topics(electionId).ballots;
    const consumer = this.kafka.consumer(electionId);
    this.consumers.set(electionId, consumer);
    consumer.on(consumer.events.CRASH, (event) => {
      this.crashes.inc({ election: electionId });
      this.logger.error('board consumer crashed', {
        electionId,
        error: event.payload.error.message,
        restart: event.payload.restart,
      });
      // kafkajs restarts after retriable errors only; after any other, drop the consumer so the
      // election watcher starts a fresh one on its next round.
      if (!event.payload.restart && this.consumers.get(electionId) === consumer) {
        this.consumers.delete(electionId);
      }
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: partitionsConcurrently,
        eachBatch: (payload) => this.batch(electionId, consumer, payload),
      });
    } catch (e) {
      this.consumers.delete(electionId);
      await consumer.disconnect().catch(() => undefined);
      throw e;
    }
    this.logger.info('consuming board', { electionId, topic });
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
    const last = batch.lastOffset();
    payload.resolveOffset(last);
    await consumer.commitOffsets([
      { topic: batch.topic, partition: batch.partition, offset: String(Number(last) + 1) },
    ]);
    this.setLag(electionId, batch.partition, Number(batch.highWatermark) - Number(last) - 1);
    await payload.heartbeat();
  }

  /** Leaves the election's group, letting its in-flight batch finish first. */
  async stop(electionId: string): Promise<void> {
    const consumer = this.consumers.get(electionId);
    if (!consumer) return;
    this.consumers.delete(electionId);
    await consumer.disconnect();
  }

  /** Leaves every group, letting in-flight batches finish first. */
  async stopAll(): Promise<void> {
    const all = [...this.consumers.values()];
    this.consumers.clear();
    await Promise.all(all.map((c) => c.disconnect()));
  }
}
