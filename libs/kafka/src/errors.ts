// One classification of Kafka failures (STYLE.md §7): a stable code and whether retrying can help.
import kafkajs from 'kafkajs';

/** Stable codes of the Kafka adapter's failures. */
export type KafkaErrorCode =
  | 'KAFKA_UNAVAILABLE'
  | 'KAFKA_TIMEOUT'
  | 'KAFKA_NOT_ENOUGH_REPLICAS'
  | 'KAFKA_REJECTED'
  | 'KAFKA_TOPIC_LAYOUT_MISMATCH'
  | 'KAFKA_AUTHENTICATION_FAILED'
  | 'KAFKA_NOT_AUTHORIZED'
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
  KafkaJSAggregateError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSSASLAuthenticationError,
  KafkaJSProtocolError,
  KafkaJSConnectionError,
  KafkaJSRequestTimeoutError,
  KafkaJSNumberOfRetriesExceeded,
} = kafkajs;

/** Protocol errors of a principal the broker's ACLs refuse (KIP-11). */
const NOT_AUTHORIZED = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'DELEGATION_TOKEN_AUTHORIZATION_FAILED',
]);
/** Protocol errors of a failed SASL exchange (wrong password, unknown user, mechanism not offered). */
const AUTHENTICATION = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'UNSUPPORTED_SASL_MECHANISM',
  'ILLEGAL_SASL_STATE',
]);

/**
 * Whether the broker refused the credentials or the ACLs refused the request, anywhere in the
 * error: kafkajs wraps a refusal in a KafkaJSNonRetriableError (a producer's metadata), in
 * "retries exceeded", or gathers one per topic in a KafkaJSAggregateError (createTopics).
 */
function securityRefusal(
  error: unknown,
  depth: number,
): 'KAFKA_AUTHENTICATION_FAILED' | 'KAFKA_NOT_AUTHORIZED' | undefined {
  if (depth > 5 || !(error instanceof Error)) return undefined;
  if (error instanceof KafkaJSSASLAuthenticationError) return 'KAFKA_AUTHENTICATION_FAILED';
  if (error instanceof KafkaJSProtocolError) {
    if (AUTHENTICATION.has(error.type)) return 'KAFKA_AUTHENTICATION_FAILED';
    if (NOT_AUTHORIZED.has(error.type)) return 'KAFKA_NOT_AUTHORIZED';
    return undefined;
  }
  if (error instanceof KafkaJSAggregateError) {
    const found = error.errors.map((e) => securityRefusal(e, depth + 1));
    return found.length > 0 && found.every((f) => f === found[0]) ? found[0] : undefined;
  }
  return error instanceof KafkaJSNonRetriableError
    ? securityRefusal(error.cause, depth + 1)
    : undefined;
}

/**
 * Classifies any error thrown by kafkajs. Retriable: the broker or the network may recover (a
 * produce can be retried; the idempotent producer keeps it exactly-once). Not retriable: the
 * request itself is wrong (too large, invalid topic), the credentials are refused
 * (KAFKA_AUTHENTICATION_FAILED) or the ACLs do not allow it (KAFKA_NOT_AUTHORIZED) — retrying
 * cannot help.
 */
export function classifyKafkaError(error: unknown): KafkaAdapterError {
  if (error instanceof KafkaAdapterError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // Unwrap "retries exceeded" to the error that kept happening.
  const inner =
    error instanceof KafkaJSNumberOfRetriesExceeded && error.cause ? error.cause : error;
  const refused = securityRefusal(error, 0);
  if (refused !== undefined)
    return new KafkaAdapterError(refused, false, message, { cause: error });
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
