// One consumer-group member per service instance, whatever the number of elections (issue 10):
// every election a service reads is a subscription of the same member, and each batch is handed to
// the subscription that owns its topic. A finished election is unsubscribed, so it costs the brokers
// nothing, and the broker serves one fetch loop per service instead of one per election.
//
// kafkajs resolves a subscription (a topic list or a RegExp) once, when `subscribe` is called, has no
// unsubscribe, and refuses `subscribe` while the consumer runs (tulios/kafkajs#1685, and its
// consuming docs: "the consumer will not match topics created after the subscription"). So a change
// of the topic set replaces the member: the old one leaves after its in-flight batches finish (their
// offsets are committed by the handler), a new one joins the same group with the new set, and each
// subscription's `started` hook puts back its positions (seeks, pauses). Elections open and close a
// few times a day; one rebalance each is cheap. Changes that arrive together are applied as one.
import type { Consumer, ConsumerConfig, ConsumerRunConfig, EachBatchPayload, Kafka } from 'kafkajs';
import type { KafkaLogger } from './client.js';
import { classifyKafkaError } from './errors.js';

/** What one reader (an election, for a service) asks of the shared member. */
export interface TopicSubscription {
  /** The topics it reads; no two subscriptions of a member share a topic. */
  readonly topics: readonly string[];
  /** A batch of one of its topics. `consumer` is the member that fetched it (to commit, pause). */
  eachBatch(payload: EachBatchPayload, consumer: Consumer): Promise<void>;
  /**
   * The member (re)joined with this subscription's topics: seek or pause here. Without it, reading
   * resumes from the group's committed offsets (from the beginning when there are none).
   */
  started?(consumer: Consumer): void;
  /** The member crashed: kafkajs gave up on it, or is restarting it. The next change replaces it. */
  failed?(error: Error): void;
}

/** The run options the owner chooses; `eachBatch` is the dispatcher's. */
export type GroupRunOptions = Omit<ConsumerRunConfig, 'eachBatch' | 'eachMessage'>;

export class GroupConsumer {
  private readonly subscriptions = new Map<string, TopicSubscription>();
  private readonly byTopic = new Map<string, TopicSubscription>();
  private consumer: Consumer | undefined;
  /** The topics `consumer` was subscribed with, sorted and joined (compared on each change). */
  private running = '';
  private broken = false;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private replaced = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly config: ConsumerConfig,
    private readonly run: GroupRunOptions = {},
    private readonly logger?: KafkaLogger,
    /**
     * Where a partition without a committed offset starts: its beginning (true), or its end when
     * every subscription seeks in `started` anyway (the observer), so that the first fetch of a new
     * member, issued before the seeks apply, reads nothing instead of whole topics.
     */
    private readonly fromBeginning = true,
  ) {}

  /** The group this member belongs to. */
  get groupId(): string {
    return this.config.groupId;
  }

  /** The topics of every subscription. */
  get topics(): string[] {
    return [...this.byTopic.keys()].sort();
  }

  /** How many times a member was started (each change of the topic set, each recovery). */
  get generations(): number {
    return this.replaced;
  }

  /** The keys subscribed. */
  keys(): string[] {
    return [...this.subscriptions.keys()];
  }

  has(key: string): boolean {
    return this.subscriptions.has(key);
  }

  /**
   * Adds (or replaces) the subscription `key` and waits until a member reads its topics; rejects
   * with a classified error when the member cannot start (the subscription stays: the next call
   * retries it).
   */
  async subscribe(key: string, subscription: TopicSubscription): Promise<void> {
    if (this.stopped) throw new Error('the group consumer is stopped');
    const previous = this.subscriptions.get(key);
    for (const t of subscription.topics) {
      const owner = this.byTopic.get(t);
      if (owner && owner !== previous) {
        throw new Error(`topic ${t} is already read by another subscription of this consumer`);
      }
    }
    if (previous) for (const t of previous.topics) this.byTopic.delete(t);
    this.subscriptions.set(key, subscription);
    for (const t of subscription.topics) this.byTopic.set(t, subscription);
    await this.reconcile(previous !== undefined);
  }

  /** Removes the subscription `key`; resolves once no member reads its topics any more. */
  async unsubscribe(key: string): Promise<void> {
    const previous = this.subscriptions.get(key);
    if (!previous) return;
    this.subscriptions.delete(key);
    for (const t of previous.topics) this.byTopic.delete(t);
    await this.reconcile(false);
  }

  /** Brings the member in line with the subscriptions (a no-op when it already is). */
  sync(): Promise<void> {
    return this.reconcile(false);
  }

  /** Leaves the group after in-flight batches finish; no further subscription is accepted. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.subscriptions.clear();
    this.byTopic.clear();
    await this.reconcile(false);
  }

  /** Disconnects a replaced member (idempotent; errors ignored: it is leaving anyway). */
  private retire(consumer: Consumer): void {
    if (this.consumer === consumer) return;
    void consumer.disconnect().catch(() => undefined);
  }

  /** Queues one reconciliation; changes queued behind a running one fold into the next. */
  private reconcile(force: boolean): Promise<void> {
    if (force) this.broken = true;
    const next = this.chain.then(() => this.apply());
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async apply(): Promise<void> {
    const topics = this.topics;
    const wanted = topics.join('\n');
    if (this.consumer && wanted === this.running && !this.broken) return;
    const old = this.consumer;
    this.consumer = undefined;
    this.running = '';
    if (old) await old.disconnect().catch(() => undefined);
    if (topics.length === 0) return;
    this.broken = false;
    const consumer = this.kafka.consumer(this.config);
    // Current from now on: batches fetched before `run` returns are this member's to handle.
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (event) => {
      if (this.consumer !== consumer) {
        // A replaced member that kafkajs is restarting (it restarts on a retriable crash even
        // after our disconnect): once up again it would hold partitions and fetch for nobody,
        // stalling them (seen when a broker came back). Make it leave after the restart delay.
        if (event.payload.restart) setTimeout(() => this.retire(consumer), 1000).unref();
        return;
      }
      this.broken = true;
      const error = event.payload.error;
      this.logger?.error('group consumer crashed', {
        groupId: this.config.groupId,
        error: error.message,
        restart: event.payload.restart,
      });
      for (const s of new Set(this.byTopic.values())) s.failed?.(error);
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: this.fromBeginning });
      await consumer.run({
        ...this.run,
        eachBatch: async (payload) => {
          const owner = this.byTopic.get(payload.batch.topic);
          // A topic unsubscribed while its batch was on the way: left for the next member, which
          // starts from the committed offsets (or the owner's seeks).
          if (!owner || this.consumer !== consumer) {
            // A member that is not the current one must not hold partitions: it leaves.
            if (this.consumer !== consumer) this.retire(consumer);
            return;
          }
          await owner.eachBatch(payload, consumer);
        },
      });
    } catch (e) {
      this.consumer = undefined;
      await consumer.disconnect().catch(() => undefined);
      throw classifyKafkaError(e);
    }
    this.running = wanted;
    this.replaced++;
    for (const s of new Set(this.byTopic.values())) s.started?.(consumer);
  }
}
