// Which boards to persist: every election that is open or closed, found by reading the registry
// every few seconds (a closed election's board may still hold messages written just before the
// close), until the ledger has stored its final block. That block's cuts are the end of the record,
// and the ledger never cuts past what is persisted, so the board is then persisted through its end:
// the persister's member stops reading it and a finished election costs the brokers nothing.
// Also refreshes the consumer-lag gauge from the brokers' offsets, so lag shows even while a
// consumer is stuck retrying.
import { Inject, Injectable } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { Health, JsonLogger } from '@hanpyo/service-kit';
import { BoardConsumer } from './board.consumer.js';
import { BoardRepository } from './board.repository.js';
import { CONFIG } from './config.js';
import type { PersisterConfig } from './config.js';
import { KafkaRepository } from './kafka.repository.js';

@Injectable()
export class ElectionsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopping = false;
  /** Elections whose final block is stored: never consumed again by this process. */
  private readonly finished = new Set<string>();

  constructor(
    @Inject(CONFIG) private readonly config: PersisterConfig,
    @Inject(BoardRepository) private readonly board: BoardRepository,
    @Inject(KafkaRepository) private readonly kafka: KafkaRepository,
    @Inject(BoardConsumer) private readonly consumer: BoardConsumer,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
    @Inject(Health) private readonly health: Health,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.round = this.poll().finally(() => this.schedule(this.config.HANPYO_PERSISTER_POLL_MS));
    }, ms);
  }

  /**
   * One round: the boards to read are those of open and closed elections without a stored final
   * block; the process's one member is changed (once) when that set changed; then the lag gauges.
   */
  private async poll(): Promise<void> {
    let elections;
    try {
      elections = await this.board.elections();
    } catch (e) {
      this.logger.warn('cannot read the election registry; retrying', {
        error: (e as Error).message,
      });
      return;
    }
    const wanted: string[] = [];
    for (const election of elections) {
      if (this.stopping) return;
      if (election.state !== 'open' && election.state !== 'closed') continue;
      const id = election.electionId;
      if (this.finished.has(id)) continue;
      if (election.state === 'closed') {
        try {
          const height = await this.board.finalHeight(id);
          if (height !== undefined) {
            this.finished.add(id);
            if (this.consumer.running.has(id)) {
              this.logger.info('board persisted through the final block; no longer read', {
                electionId: id,
                finalHeight: height,
              });
            }
            continue;
          }
        } catch (e) {
          // Unknown yet: keep reading the board (a closed board may still hold messages).
          this.logger.warn('cannot read the final block of an election yet; retrying', {
            electionId: id,
            error: (e as Error).message,
          });
        }
      }
      wanted.push(id);
    }
    if (this.stopping) return;
    try {
      await this.consumer.consume(wanted);
    } catch (e) {
      this.logger.warn('cannot consume the election boards yet; retrying', {
        elections: wanted.length,
        error: (e as Error).message,
      });
    }
    for (const id of wanted) {
      if (this.stopping) return;
      try {
        for (const p of await this.kafka.offsets(id)) {
          this.consumer.setLag(id, p.partition, p.end - p.committed);
        }
      } catch (e) {
        this.logger.warn('cannot read the consumer lag of an election; retrying', {
          electionId: id,
          error: (e as Error).message,
        });
      }
    }
  }

  /** Stops polling and leaves every consumer group after in-flight batches finish. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.health.drain();
    clearTimeout(this.timer);
    await this.round;
    await this.consumer.stopAll();
  }
}
