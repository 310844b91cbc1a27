// Group commit for the board (SPEC §6). The board producer is idempotent with one request in flight
// per broker, so one produce request per ballot would cap the edge at one round trip per ballot.
// Instead ballots gather per topic for a few milliseconds (or while the previous request of that
// topic is in flight) and go out together in one acks=all request; each caller then learns its own
// partition, offset and the broker's append time. Pure logic around an injected send function.

/** One board message, ready for the producer. */
export interface BoardMessage {
  readonly partition: number;
  /** The 32 raw nullifier bytes. */
  readonly key: Buffer;
  /** UTF-8 JSON `{"trackingCode","ballot"}`. */
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch, as a string; the broker replaces it under LogAppendTime. */
  readonly timestamp: string;
}

/** What the broker answered for one partition of a request (kafkajs RecordMetadata). */
export interface PartitionAck {
  readonly partition: number;
  /** Offset of the first message of this request on this partition. */
  readonly baseOffset?: string;
  /** The broker's append time in ms, or "-1" when the topic keeps the producer's timestamps. */
  readonly logAppendTime?: string;
}

/** Sends `messages` to `topic` in one acks=all request; resolves with one ack per partition. */
export type SendBatch = (
  topic: string,
  messages: readonly BoardMessage[],
) => Promise<readonly PartitionAck[]>;

/** Where one ballot landed on the board. */
export interface Written {
  readonly partition: number;
  readonly offset: number;
  /** RFC 3339, from the broker's append time. */
  readonly receivedAt: string;
}

/** Why the writer refused or gave up on one ballot. */
export type BoardWriterErrorCode = 'QUEUE_FULL' | 'CLOSED' | 'TIMEOUT' | 'ACK_MISSING';

export class BoardWriterError extends Error {
  override readonly name = 'BoardWriterError';
  constructor(
    readonly code: BoardWriterErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface BoardWriterOptions {
  readonly send: SendBatch;
  /** How long the first ballot of a batch waits for company (ms); 0 sends on the next tick. */
  readonly lingerMs: number;
  /** Most messages in one request. */
  readonly maxBatch: number;
  /** Most messages waiting or in flight across all topics; beyond it `write` refuses. */
  readonly maxQueued: number;
  /** Longest a caller waits for its ack (ms). */
  readonly timeoutMs: number;
  /** Called after every request with its size, duration (s) and outcome. */
  readonly onBatch?: (size: number, seconds: number, ok: boolean) => void;
  /** Called if bookkeeping after a request throws (a bug: callers are settled before it). */
  readonly onError?: (error: unknown) => void;
  readonly now?: () => number;
}

interface Pending {
  readonly message: BoardMessage;
  settled: boolean;
  timer: NodeJS.Timeout | undefined;
  resolve(written: Written): void;
  reject(error: unknown): void;
}

interface TopicQueue {
  readonly waiting: Pending[];
  /** When the request in flight started (ms), or undefined when none is. */
  sendingSince: number | undefined;
  linger: NodeJS.Timeout | undefined;
}

export class BoardWriter {
  private readonly topics = new Map<string, TopicQueue>();
  private readonly now: () => number;
  private queued = 0;
  private closed = false;
  private hurry = false;
  private idle: (() => void)[] = [];

  constructor(private readonly options: BoardWriterOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Messages waiting or in flight. */
  get size(): number {
    return this.queued;
  }

  /**
   * Age (ms) of the oldest request still in flight, 0 when none is: a request older than the
   * write timeout means the broker is not answering.
   */
  stalledFor(): number {
    let oldest = 0;
    const now = this.now();
    for (const q of this.topics.values()) {
      if (q.sendingSince !== undefined) oldest = Math.max(oldest, now - q.sendingSince);
    }
    return oldest;
  }

  /** Queues one message for `topic`; resolves once the broker acknowledged it with acks=all. */
  write(topic: string, message: BoardMessage): Promise<Written> {
    if (this.closed)
      return Promise.reject(new BoardWriterError('CLOSED', 'the board writer is shutting down'));
    if (this.queued >= this.options.maxQueued) {
      return Promise.reject(new BoardWriterError('QUEUE_FULL', 'the board write queue is full'));
    }
    let q = this.topics.get(topic);
    if (!q) {
      q = { waiting: [], sendingSince: undefined, linger: undefined };
      this.topics.set(topic, q);
    }
    const queue = q;
    return new Promise<Written>((resolve, reject) => {
      const pending: Pending = { message, settled: false, timer: undefined, resolve, reject };
      pending.timer = setTimeout(() => this.expire(queue, pending), this.options.timeoutMs);
      queue.waiting.push(pending);
      this.queued++;
      this.schedule(topic, queue);
    });
  }

  /**
   * From now on sends without lingering (shutdown: the ballots in flight should finish at once).
   * Still takes messages.
   */
  expedite(): void {
    this.hurry = true;
    for (const [topic, q] of this.topics) if (q.waiting.length > 0) this.flush(topic, q);
  }

  /**
   * Stops taking messages, sends what is waiting at once, and resolves when every request has
   * ended, or after `graceMs` (a broker that does not answer must not hold shutdown forever).
   */
  close(graceMs: number): Promise<void> {
    this.closed = true;
    this.expedite();
    if (this.queued === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, graceMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private schedule(topic: string, q: TopicQueue): void {
    // While a request of this topic is in flight, ballots gather; its completion sends them.
    if (q.sendingSince !== undefined) return;
    if (q.waiting.length >= this.options.maxBatch || this.hurry || this.closed) {
      this.flush(topic, q);
    } else if (q.linger === undefined) {
      q.linger = setTimeout(() => this.flush(topic, q), this.options.lingerMs);
    }
  }

  /** A caller that waited too long gets TIMEOUT; a message not yet sent is withdrawn. */
  private expire(q: TopicQueue, pending: Pending): void {
    if (pending.settled) return;
    pending.settled = true;
    const i = q.waiting.indexOf(pending);
    if (i >= 0) {
      q.waiting.splice(i, 1);
      this.release(1);
    }
    pending.reject(
      new BoardWriterError('TIMEOUT', `no acknowledgement in ${this.options.timeoutMs} ms`),
    );
  }

  private flush(topic: string, q: TopicQueue): void {
    if (q.linger !== undefined) {
      clearTimeout(q.linger);
      q.linger = undefined;
    }
    if (q.sendingSince !== undefined || q.waiting.length === 0) return;
    const batch = q.waiting.splice(0, this.options.maxBatch);
    q.sendingSince = this.now();
    const started = performance.now();
    let ok = false;
    this.options
      .send(
        topic,
        batch.map((p) => p.message),
      )
      .then(
        (acks) => {
          ok = true;
          settle(batch, acks);
        },
        (error: unknown) => {
          for (const p of batch) finish(p, undefined, error);
        },
      )
      .finally(() => {
        q.sendingSince = undefined;
        this.release(batch.length);
        if (q.waiting.length > 0) {
          // These ballots already waited for the request that just ended: send them now.
          this.flush(topic, q);
        } else if (q.linger === undefined && this.topics.get(topic) === q) {
          this.topics.delete(topic);
        }
        this.options.onBatch?.(batch.length, (performance.now() - started) / 1000, ok);
      })
      .catch((error: unknown) => this.options.onError?.(error));
  }

  private release(n: number): void {
    this.queued -= n;
    if (this.queued === 0 && this.idle.length > 0) {
      const idle = this.idle;
      this.idle = [];
      for (const resolve of idle) resolve();
    }
  }
}

/**
 * Resolves each caller of a request with its record's place: kafkajs groups a request's messages
 * by partition in their original order, and a partition's ack carries the offset of its first
 * message, so the i-th message of partition p in the request has offset `baseOffset + i`.
 */
function settle(batch: readonly Pending[], acks: readonly PartitionAck[]): void {
  const byPartition = new Map<number, PartitionAck>();
  for (const ack of acks) byPartition.set(ack.partition, ack);
  const seen = new Map<number, number>();
  for (const p of batch) {
    const partition = p.message.partition;
    const index = seen.get(partition) ?? 0;
    seen.set(partition, index + 1);
    const ack = byPartition.get(partition);
    if (ack?.baseOffset === undefined || !/^\d+$/.test(ack.baseOffset)) {
      finish(
        p,
        undefined,
        new BoardWriterError('ACK_MISSING', `no offset acknowledged for partition ${partition}`),
      );
      continue;
    }
    const offset = Number(BigInt(ack.baseOffset) + BigInt(index));
    // LogAppendTime topics report the broker's time; "-1" means the message's own timestamp stands.
    const appended =
      ack.logAppendTime !== undefined && ack.logAppendTime !== '-1'
        ? Number(ack.logAppendTime)
        : Number(p.message.timestamp);
    finish(p, { partition, offset, receivedAt: new Date(appended).toISOString() });
  }
}

function finish(p: Pending, written: Written | undefined, error?: unknown): void {
  if (p.timer !== undefined) clearTimeout(p.timer);
  if (p.settled) return;
  p.settled = true;
  if (written) p.resolve(written);
  else p.reject(error);
}
