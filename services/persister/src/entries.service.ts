// Decisions about a batch of board messages: decode each; send what does not decode to the
// election's dead-letter topic (with its source and a reason code), never dropping it; write the
// rest to Cassandra. Infrastructure failures are retried with backoff and nothing is committed
// until every write of the batch succeeded (STYLE.md §7: a Kafka handler never swallows an error).
import { Inject, Injectable } from '@nestjs/common';
import { CassandraAdapterError } from '@hanpyo/cassandra';
import { decodeBoardMessage } from '@hanpyo/contracts';
import type { BoardEntry } from '@hanpyo/contracts';
import { KafkaAdapterError } from '@hanpyo/kafka';
import { JsonLogger, Metrics } from '@hanpyo/service-kit';
import type { BoardMessage } from './board-message.js';
import { BoardRepository } from './board.repository.js';
import type { DeadLetterSlot } from './board.repository.js';
import { CONFIG } from './config.js';
import type { PersisterConfig } from './config.js';
import { KafkaRepository } from './kafka.repository.js';
import type { DeadLetterMessage } from './kafka.repository.js';

/** Dead-letter headers: where the message was on the board and why it is here. */
export const DEAD_LETTER_HEADERS = {
  topic: 'hanpyo-source-topic',
  partition: 'hanpyo-source-partition',
  offset: 'hanpyo-source-offset',
  timestamp: 'hanpyo-source-timestamp',
  reason: 'hanpyo-dead-letter-reason',
  detail: 'hanpyo-dead-letter-detail',
} as const;

/** What the transport lets a long-running handler do while it waits. */
export interface BatchControl {
  /** Keeps the consumer's group membership alive. */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or the batch is stale (partitions reassigned). */
  active(): boolean;
}

@Injectable()
export class EntriesService {
  private readonly persisted;
  private readonly deadLettered;
  private readonly retries;
  private readonly writeSeconds;

  constructor(
    @Inject(CONFIG) private readonly config: PersisterConfig,
    @Inject(BoardRepository) private readonly board: BoardRepository,
    @Inject(KafkaRepository) private readonly kafka: KafkaRepository,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.persisted = metrics.counter(
      'hanpyo_persister_entries_total',
      'Board entries written to Cassandra (redeliveries count again)',
      ['election'],
    );
    this.deadLettered = metrics.counter(
      'hanpyo_persister_dead_letters_total',
      'Board messages sent to the dead-letter topic, by reason',
      ['election', 'reason'],
    );
    this.retries = metrics.counter(
      'hanpyo_persister_retries_total',
      'Batches retried after an infrastructure error, by error code',
      ['election', 'code'],
    );
    this.writeSeconds = metrics.histogram(
      'hanpyo_persister_batch_seconds',
      'Time to persist one batch (dead letters and Cassandra writes)',
      ['election'],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    );
  }

  /**
   * Persists one batch of one board partition; resolves only when every message is either written
   * or dead-lettered (and its place recorded). Retriable infrastructure errors are retried with
   * exponential backoff while the batch is still ours; anything else is thrown to the transport.
   */
  async persist(
    electionId: string,
    topic: string,
    messages: readonly BoardMessage[],
    control: BatchControl,
  ): Promise<void> {
    if (messages.length === 0) return;
    const entries: BoardEntry[] = [];
    const deadLetters: DeadLetterMessage[] = [];
    const slots: DeadLetterSlot[] = [];
    for (const m of messages) {
      const decoded = decodeBoardMessage(m);
      if (decoded.ok) {
        entries.push(decoded.entry);
        continue;
      }
      this.logger.warn('board message does not decode; dead-lettering it', {
        electionId,
        partition: m.partition,
        offset: m.offset,
        reason: decoded.reason,
        detail: decoded.detail,
      });
      const headers: Record<string, string | Uint8Array> = {};
      for (const [k, v] of Object.entries(m.headers)) if (v !== undefined) headers[k] = v;
      Object.assign(headers, {
        [DEAD_LETTER_HEADERS.topic]: topic,
        [DEAD_LETTER_HEADERS.partition]: String(m.partition),
        [DEAD_LETTER_HEADERS.offset]: String(m.offset),
        [DEAD_LETTER_HEADERS.timestamp]: String(m.timestamp),
        [DEAD_LETTER_HEADERS.reason]: decoded.reason,
        [DEAD_LETTER_HEADERS.detail]: decoded.detail,
      });
      deadLetters.push({ key: m.key, value: m.value, headers });
      const receivedAt = new Date(m.timestamp);
      slots.push({
        partition: m.partition,
        offset: m.offset,
        receivedAt: Number.isNaN(receivedAt.getTime()) ? new Date(0) : receivedAt,
      });
    }

    let delay = 100;
    let deadLettersSent = deadLetters.length === 0;
    for (;;) {
      const stop = this.writeSeconds.startTimer({ election: electionId });
      try {
        // Dead letters first: a placeholder row on the board means its message is in the DLQ.
        if (!deadLettersSent) {
          await this.kafka.deadLetter(electionId, deadLetters);
          deadLettersSent = true;
        }
        await this.board.write(electionId, entries, slots);
        stop();
        break;
      } catch (e) {
        const infrastructure = e instanceof CassandraAdapterError || e instanceof KafkaAdapterError;
        if (!infrastructure || !e.retriable || !control.active()) throw e;
        const code = e.code;
        this.retries.inc({ election: electionId, code });
        this.logger.warn('persisting a board batch failed; retrying', {
          electionId,
          partition: messages[0]!.partition,
          firstOffset: messages[0]!.offset,
          code,
          error: (e as Error).message,
          retryInMs: delay,
        });
        await sleep(delay);
        if (!control.active()) throw e;
        await control.heartbeat();
        delay = Math.min(delay * 2, this.config.HANPYO_PERSISTER_MAX_BACKOFF_MS);
      }
    }
    this.persisted.inc({ election: electionId }, entries.length);
    for (const d of deadLetters) {
      this.deadLettered.inc({
        election: electionId,
        reason: String(d.headers[DEAD_LETTER_HEADERS.reason]),
      });
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
