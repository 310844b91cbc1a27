// One classification of Kafka failures (STYLE.md §7): a stable code and whether retrying can help.
import kafkajs from 'kafkajs';

/** Stable codes of the Kafka adapter's failures. */
export type KafkaErrorCode =
  | 'KAFKA_UNAVAILABLE'
  | 'KAFKA_TIMEOUT'
  | 'KAFKA_NOT_ENOUGH_REPLICAS'
  | 'KAFKA_REJECTED'
  | 'KAFKA_TOPIC_LAYOUT_MISMATCH'
  | 'KAFKA_UNKNOWN';

/** A Kafka failure with its code and retriability; `cause` keeps the driver's error. */
export class KafkaAdapterError extends Error {
  override readonly name = 'KafkaAdapterError';
  constructor(
    readonly code: KafkaErrorCode,
    readonly retriable: boolean,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const {
  KafkaJSError,
  KafkaJSProtocolError,
  KafkaJSConnectionError,
  KafkaJSRequestTimeoutError,
  KafkaJSNumberOfRetriesExceeded,
} = kafkajs;

/**
 * Classifies any error thrown by kafkajs. Retriable: the broker or the network may recover (a
 * produce can be retried; the idempotent producer keeps it exactly-once). Not retriable: the
 * request itself is wrong (too large, unauthorized, invalid topic) — retrying cannot help.
 */
export function classifyKafkaError(error: unknown): KafkaAdapterError {
  if (error instanceof KafkaAdapterError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // Unwrap "retries exceeded" to the error that kept happening.
  const inner =
    error instanceof KafkaJSNumberOfRetriesExceeded && error.cause ? error.cause : error;
  if (inner instanceof KafkaJSProtocolError) {
    const type = inner.type;
    if (type === 'NOT_ENOUGH_REPLICAS' || type === 'NOT_ENOUGH_REPLICAS_AFTER_APPEND') {
      return new KafkaAdapterError('KAFKA_NOT_ENOUGH_REPLICAS', true, message, { cause: error });
    }
    if (type === 'REQUEST_TIMED_OUT')
      return new KafkaAdapterError('KAFKA_TIMEOUT', true, message, { cause: error });
    return new KafkaAdapterError(
      inner.retriable ? 'KAFKA_UNAVAILABLE' : 'KAFKA_REJECTED',
      inner.retriable,
      message,
      { cause: error },
    );
  }
  if (inner instanceof KafkaJSRequestTimeoutError)
    return new KafkaAdapterError('KAFKA_TIMEOUT', true, message, { cause: error });
  if (inner instanceof KafkaJSConnectionError)
    return new KafkaAdapterError('KAFKA_UNAVAILABLE', true, message, { cause: error });
  if (inner instanceof KafkaJSError) {
    return new KafkaAdapterError(
      inner.retriable ? 'KAFKA_UNAVAILABLE' : 'KAFKA_REJECTED',
      inner.retriable,
      message,
      { cause: error },
    );
  }
  return new KafkaAdapterError('KAFKA_UNKNOWN', false, message, { cause: error });
}
