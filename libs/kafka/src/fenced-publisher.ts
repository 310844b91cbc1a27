// A fenced, atomic publisher for a single-writer topic (the blocks topic, docs/ledger.md): a
// kafkajs transactional producer whose transactionalId is stable for the writer's role, so a newer
// instance that connects fences every older one (KIP-98: the coordinator bumps the producer epoch;
// the older instance's next send or commit fails with INVALID_PRODUCER_EPOCH or PRODUCER_FENCED).
// Each publication writes its messages and a marker — the published height, committed as the
// offset of a consumer group of its own — in one transaction: both are visible, or neither.
import { createHash } from 'node:crypto';
import kafkajs from 'kafkajs';
import type { Admin, Kafka, Message, Producer } from 'kafkajs';
import { classifyKafkaError } from './errors.js';

const { KafkaJSProtocolError, Partitioners } = kafkajs;

/** The producer was fenced by a newer instance of the same role: it must stop publishing. */
export class KafkaFencedError extends Error {
  override readonly name = 'KafkaFencedError';
  readonly code = 'KAFKA_FENCED';
  readonly retriable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Kafka's error code 90, PRODUCER_FENCED (KIP-588), which kafkajs 2.2 does not name. */
const PRODUCER_FENCED_CODE = 90;
const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']);

/** Whether `error` (or an error it wraps) says a newer producer of the same transactionalId exists. */
export function isFencingError(error: unknown, depth = 0): boolean {
  if (depth > 6 || !(error instanceof Error)) return false;
  if (error instanceof KafkaFencedError) return true;
  if (error instanceof KafkaJSProtocolError) {
    if (FENCED_TYPES.has(error.type)) return true;
    if (error.type === 'KAFKAJS_UNKNOWN_ERROR_CODE' && /\b90\b/.test(error.message)) return true;
    if ((error as { code?: unknown }).code === PRODUCER_FENCED_CODE) return true;
  }
  const nested = (error as { errors?: unknown }).errors;
  if (Array.isArray(nested) && nested.some((e) => isFencingError(e, depth + 1))) return true;
  return isFencingError((error as { cause?: unknown }).cause, depth + 1);
}

/** SHA-256 (hex) of a message value: what "byte-identical" compares. */
export function valueDigest(value: string | Buffer): string {
  return createHash('sha256').update(value).digest('hex');
}

/** What the marker says was last published. */
export interface PublishedMarker {
  /** The height (or sequence number) last published; 0 when nothing was. */
  readonly height: number;
  /** SHA-256 (hex) of the last message's value, as the publisher recorded it; null when none. */
  readonly digest: string | null;
}

/** Where a publisher writes and records what it wrote. */
export interface FencedPublisherOptions {
  /** Stable for the writer's role (e.g. one election's ledger): what fences older instances. */
  readonly transactionalId: string;
  /** The consumer group whose offset on partition 0 of the topic is the published height. */
  readonly markerGroupId: string;
  /** The single-partition topic written. */
  readonly topic: string;
  /** Kafka's transaction timeout for one publication (ms). */
  readonly transactionTimeoutMs?: number;
}

/** Publishes to one single-partition topic, atomically with its marker, and fenced by role. */
export class FencedPublisher {
  private producer: Producer | undefined;
  private fenced = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: FencedPublisherOptions,
  ) {}

  /**
   * Connects and claims the transactionalId now (an empty transaction initializes the producer id),
   * so every older instance is fenced before this one reads what is published.
   */
  async connect(): Promise<void> {
    if (this.producer) return;
    const producer = this.kafka.producer({
      transactionalId: this.options.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      transactionTimeout: this.options.transactionTimeoutMs ?? 60_000,
      // Every message names partition 0; naming the partitioner silences kafkajs' v2 notice.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    try {
      await producer.connect();
      const claim = await producer.transaction();
      await claim.abort();
    } catch (e) {
      await producer.disconnect().catch(() => undefined);
      throw classifyKafkaError(e);
    }
    this.producer = producer;
  }

  /**
   * Writes `messages` to partition 0 and the marker (`height`, digest of the last value) in one
   * transaction. Throws KafkaFencedError once a newer instance exists (then this publisher is
   * closed for good), or a classified Kafka error (the transaction was aborted: nothing visible).
   */
  async publish(messages: readonly Message[], height: number): Promise<void> {
    if (this.fenced) throw new KafkaFencedError('this publisher was fenced by a newer instance');
    await this.connect();
    const producer = this.producer!;
    const last = messages[messages.length - 1];
    if (!last || last.value === null || last.value === undefined) {
      throw new Error('a publication needs at least one message with a value');
    }
    const marker = {
      partition: 0,
      offset: String(height),
      metadata: `sha256:${valueDigest(last.value)}`,
    };
    let transaction: Awaited<ReturnType<Producer['transaction']>> | undefined;
    try {
      transaction = await producer.transaction();
      await transaction.send({
        topic: this.options.topic,
        acks: -1,
        messages: messages.map((m) => ({ ...m, partition: 0 })),
      });
      await transaction.sendOffsets({
        consumerGroupId: this.options.markerGroupId,
        topics: [{ topic: this.options.topic, partitions: [marker] }],
      });
      await transaction.commit();
    } catch (e) {
      if (isFencingError(e)) {
        await this.close();
        this.fenced = true;
        throw new KafkaFencedError(
          `${this.options.transactionalId}: fenced by a newer publisher; stopped publishing`,
          { cause: e },
        );
      }
      if (transaction?.isActive()) {
        await transaction.abort().catch(() => undefined);
      }
      // A producer left in an unknown transaction state is replaced on the next publication.
      await this.close();
      throw classifyKafkaError(e);
    }
  }

  /** Whether a newer instance fenced this one. */
  get isFenced(): boolean {
    return this.fenced;
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }
}

/** Reads the marker a FencedPublisher committed: the height and digest of the last publication. */
export async function publishedMarker(
  admin: Admin,
  markerGroupId: string,
  topic: string,
): Promise<PublishedMarker> {
  try {
    const [found] = await admin.fetchOffsets({ groupId: markerGroupId, topics: [topic] });
    const partition = found?.partitions.find((p) => p.partition === 0);
    const height = partition ? Number(partition.offset) : -1;
    if (!partition || !Number.isSafeInteger(height) || height < 0)
      return { height: 0, digest: null };
    const metadata = partition.metadata ?? '';
    return {
      height,
      digest: metadata.startsWith('sha256:') ? metadata.slice('sha256:'.length) : null,
    };
  } catch (e) {
    throw classifyKafkaError(e);
  }
}
