// I/O of the observer in Kafka: one member of the observer's own consumer group per process, whatever
// the number of elections (issue 10). Each election followed is a subscription of that member: its
// board (every partition, or those of the chosen districts) and its blocks topic, read from where the
// checkpoint stopped (seeks; the group never commits). Board messages are buffered per partition
// until a block's cuts take them; a partition too far ahead is paused.
import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import {
  GroupConsumer,
  TOPIC_SAFE,
  classifyKafkaError,
  createKafka,
  endOffsets,
  topicNames,
} from '@hanpyo/kafka';
import { Health, JsonLogger, connectOnce } from '@hanpyo/service-kit';
import { CONFIG } from './config.js';
import type { ObserverConfig } from './config.js';
import type { BoardRecord } from './entry-check.js';

/** A message of the blocks topic: its value as text, or null when it is not UTF-8. */
export interface BlockMessage {
  readonly offset: number;
  readonly value: string | null;
}

/** How long a partition may make no progress while a block waits for its entries. */
const STALL_MS = 60_000;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function text(value: Buffer | null): string | null {
  if (value === null) return null;
  try {
    return utf8.decode(value);
  } catch {
    return null;
  }
}

interface PartitionBuffer {
  /** Offset of records[0] (or of the next record expected when empty). */
  start: number;
  records: BoardRecord[];
  paused: boolean;
}

/** Reads one election's board and blocks in order, from a checkpoint. */
export class ElectionFollower {
  private readonly buffers = new Map<number, PartitionBuffer>();
  private readonly blocks: BlockMessage[] = [];
  /**
   * The blocks topic's next offset to read: one past the last message taken in. Offsets of a
   * transactional topic are not heights (commit markers take some), so this is kept, never derived.
   */
  private blocksPosition: number;
  private waiters: (() => void)[] = [];
  private failure: Error | undefined;
  /** The member reading for this follower now (replaced when the group's topic set changes). */
  private consumer: Consumer | undefined;

  constructor(
    private readonly member: GroupConsumer,
    private readonly electionId: string,
    private readonly topics: { board: string; blocks: string },
    private readonly maxBuffered: number,
    startBlocksOffset: number,
    startOffsets: readonly number[],
    /** The board partitions to read. */
    partitions: readonly number[],
    /** The board's other partitions: paused, never fetched. */
    private readonly skipped: readonly number[] = [],
  ) {
    this.blocksPosition = startBlocksOffset;
    for (const p of partitions) {
      this.buffers.set(p, { start: startOffsets[p] ?? 0, records: [], paused: false });
    }
  }

  /** Starts reading from the checkpoint's positions, once the member has this election's topics. */
  async start(): Promise<void> {
    await this.member.subscribe(this.electionId, {
      topics: [this.topics.board, this.topics.blocks],
      eachBatch: async ({ batch }, consumer) => {
        if (batch.topic === this.topics.blocks) this.blocksRead(batch.messages);
        else this.boardRead(batch.partition, batch.messages, consumer);
        this.wake();
        await Promise.resolve();
      },
      started: (consumer) => this.reposition(consumer),
      failed: (error) => {
        this.failure = error;
        this.wake();
      },
    });
  }

  private blocksRead(messages: readonly KafkaMessage[]): void {
    for (const m of messages) {
      const offset = Number(m.offset);
      if (offset < this.blocksPosition) continue;
      this.blocks.push({ offset, value: text(m.value) });
      this.blocksPosition = offset + 1;
    }
  }

  private boardRead(
    partition: number,
    messages: readonly KafkaMessage[],
    consumer: Consumer,
  ): void {
    const buf = this.buffers.get(partition);
    if (!buf) return;
    for (const m of messages) {
      const offset = Number(m.offset);
      // Below what we hold: a redelivery (or what the seek skips); never twice.
      if (offset < buf.start + buf.records.length) continue;
      buf.records.push({
        partition,
        offset,
        value: text(m.value),
        timestamp: Number(m.timestamp),
      });
    }
    if (!buf.paused && buf.records.length > this.maxBuffered) {
      buf.paused = true;
      consumer.pause([{ topic: this.topics.board, partitions: [partition] }]);
    }
  }

  /**
   * A new member reads this election: positions come from what this follower holds (the
   * checkpoint's at first), never from committed group offsets; paused partitions stay paused.
   */
  private reposition(consumer: Consumer): void {
    this.consumer = consumer;
    consumer.seek({
      topic: this.topics.blocks,
      partition: 0,
      offset: String(this.blocksPosition),
    });
    const paused = [...this.skipped];
    for (const [partition, buf] of this.buffers) {
      consumer.seek({
        topic: this.topics.board,
        partition,
        offset: String(buf.start + buf.records.length),
      });
      if (buf.paused) paused.push(partition);
    }
    if (paused.length > 0) consumer.pause([{ topic: this.topics.board, partitions: paused }]);
  }

  /** The next message of the blocks topic (offset order; heights are judged by the caller). */
  async nextBlock(stopped: () => boolean): Promise<BlockMessage | undefined> {
    while (this.blocks.length === 0) {
      if (stopped()) return undefined;
      await this.wait(1000);
    }
    return this.blocks.shift();
  }

  /**
   * The board messages of `partition` in [from, to): waits until they are read; returns fewer
   * when the partition makes no progress for a minute (an offset missing from the board).
   */
  async take(
    partition: number,
    from: number,
    to: number,
    stopped: () => boolean,
  ): Promise<BoardRecord[]> {
    const buf = this.buffers.get(partition);
    if (!buf || to <= from) return [];
    let lastLength = -1;
    let since = Date.now();
    while (buf.start + buf.records.length < to) {
      if (stopped()) return [];
      if (buf.records.length !== lastLength) {
        lastLength = buf.records.length;
        since = Date.now();
      } else if (Date.now() - since > STALL_MS) break;
      await this.wait(1000);
    }
    // Records before `from` belong to no block we will replay (a checkpoint moved past them).
    const skip = Math.max(0, from - buf.start);
    const count = Math.max(0, Math.min(to, buf.start + buf.records.length) - from);
    const out = buf.records.slice(skip, skip + count);
    buf.records.splice(0, skip + count);
    buf.start = Math.max(buf.start + skip + count, to);
    if (buf.paused && buf.records.length < this.maxBuffered / 2) {
      buf.paused = false;
      this.consumer?.resume([{ topic: this.topics.board, partitions: [partition] }]);
    }
    return out;
  }

  /** Stops reading the election (the member is replaced without its topics). */
  async stop(): Promise<void> {
    this.wake();
    this.consumer = undefined;
    await this.member.unsubscribe(this.electionId).catch(() => undefined);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private wait(ms: number): Promise<void> {
    if (this.failure) return Promise.reject(classifyKafkaError(this.failure));
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

@Injectable()
export class KafkaRepository implements OnApplicationShutdown {
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private readonly member: GroupConsumer;

  constructor(
    @Inject(CONFIG) private readonly config: ObserverConfig,
    @Inject(JsonLogger) logger: JsonLogger,
    @Inject(Health) health: Health,
  ) {
    this.kafka = createKafka(config.kafka, logger);
    this.admin = this.kafka.admin();
    this.member = new GroupConsumer(
      this.kafka,
      {
        groupId: this.groupId,
        allowAutoTopicCreation: false,
        maxBytesPerPartition: 4 << 20,
      },
      { autoCommit: false },
      logger,
      // Every follower seeks each of its partitions when a member starts (reposition).
      false,
    );
    health.register('kafka', async () => {
      await this.ready();
      await this.admin.listTopics();
    });
  }

  readonly ready = connectOnce(() => this.admin.connect(), classifyKafkaError);

  /**
   * The observer's one consumer group, under the deployment's prefix and named by its key: it only
   * assigns partitions (positions come from checkpoints, nothing is committed). Before issue 10 it
   * was one group per election, `hanpyo-observer.<keyId>.<electionId>`.
   */
  get groupId(): string {
    return `${this.config.kafka.topicPrefix}hanpyo-observer.${this.config.HANPYO_OBSERVER_KEY_ID}`;
  }

  /** Election ids with a blocks topic under the configured prefix. */
  async electionsWithBlocks(): Promise<string[]> {
    await this.ready();
    const prefix = this.config.kafka.topicPrefix;
    const suffix = '.hanpyo.blocks.v1';
    try {
      return (await this.admin.listTopics())
        .filter((t) => t.startsWith(prefix) && t.endsWith(suffix))
        .map((t) => t.slice(prefix.length, t.length - suffix.length))
        .filter((id) => TOPIC_SAFE.test(id));
    } catch (e) {
      throw classifyKafkaError(e);
    }
  }

  /**
   * The blocks topic's end offset (last stable offset): messages and commit markers, so an upper
   * bound of what is left to read, never a height.
   */
  async blocksEnd(electionId: string): Promise<number> {
    await this.ready();
    return (await endOffsets(this.admin, topicNames(this.config.kafka, electionId).blocks))[0] ?? 0;
  }

  /**
   * Starts reading the election's blocks topic from `blocksOffset` and its board from `offsets`:
   * every board partition, or only `partitions`.
   */
  async follow(
    electionId: string,
    blocksOffset: number,
    offsets: readonly number[],
    partitions?: readonly number[],
  ): Promise<ElectionFollower> {
    await this.ready();
    const names = topicNames(this.config.kafka, electionId);
    let follower: ElectionFollower | undefined;
    try {
      const board = await this.admin.fetchTopicOffsets(names.ballots);
      const all = Array.from({ length: board.length }, (_, p) => p);
      follower = new ElectionFollower(
        this.member,
        electionId,
        { board: names.ballots, blocks: names.blocks },
        this.config.HANPYO_OBSERVER_MAX_BUFFERED,
        blocksOffset,
        offsets,
        all.filter((p) => !partitions || partitions.includes(p)),
        all.filter((p) => partitions && !partitions.includes(p)),
      );
      await follower.start();
      return follower;
    } catch (e) {
      // A follower that failed to start must not stay subscribed: the member would keep reading
      // its election for nobody (and a retry subscribes a new follower anyway).
      await follower?.stop();
      throw classifyKafkaError(e);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.member.stop().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }
}
