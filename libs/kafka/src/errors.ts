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

/** Protocol errors that a later attempt can get past: the cluster is electing, moving or catching up. */
const TRANSIENT_PROTOCOL = new Set([
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'REPLICA_NOT_AVAILABLE',
  'BROKER_NOT_AVAILABLE',
  'NETWORK_EXCEPTION',
  'COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'NOT_COORDINATOR',
  'KAFKA_STORAGE_ERROR',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'OFFSET_NOT_AVAILABLE',
  'NOT_CONTROLLER',
  'CONCURRENT_TRANSACTIONS',
  'THROTTLING_QUOTA_EXCEEDED',
  // An idempotent producer whose sequence the restarted broker no longer knows: a new producer
  // (a new producer id) writes again (see producerBroken). INVALID_PRODUCER_EPOCH is not here: for
  // a transactional producer it means fenced by a newer one (fenced-publisher.ts), final.
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
]);

/** kafkajs failures of the connection or of waiting, by class name (network, timeouts, metadata). */
const TRANSIENT_CLASSES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
  'KafkaJSLockTimeout',
  'KafkaJSTimeout',
]);

/** Node's socket errors: the broker is down, unreachable or went away. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * The failure a kafkajs error stands for: "retries exceeded" (KafkaJSNumberOfRetriesExceeded) and
 * the retrier's non-retriable wrapper (KafkaJSNonRetriableError, whose `cause` is the original)
 * are peeled off, nested ones too, down to the error that kept happening.
 */
export function rootKafkaError(error: unknown): unknown {
  let e = error;
  for (let depth = 0; depth < 8; depth++) {
    const wrapper =
      e instanceof KafkaJSNumberOfRetriesExceeded ||
      (e instanceof KafkaJSNonRetriableError && e.constructor === KafkaJSNonRetriableError);
    const cause = wrapper ? (e as Error).cause : undefined;
    if (cause === undefined || cause === e) return e;
    e = cause;
  }
  return e;
}

/**
 * Whether the producer that threw this should be replaced rather than used again: kafkajs says it
 * is disconnected, or the broker no longer knows its idempotent producer id or sequence (a broker
 * restarted or lost its producer state), after which every send of that producer fails.
 */
export function producerBroken(error: unknown): boolean {
  const root = rootKafkaError(error instanceof KafkaAdapterError ? error.cause : error);
  if (root instanceof KafkaJSProtocolError)
    return root.type === 'OUT_OF_ORDER_SEQUENCE_NUMBER' || root.type === 'UNKNOWN_PRODUCER_ID';
  return root instanceof KafkaJSError && /producer is disconnected/i.test(root.message);
}

/**
 * Classifies any error thrown by kafkajs, after peeling its retry wrappers (rootKafkaError).
 * Retriable: the broker or the network may recover — a connection refused or closed, a request
 * timeout, a leader election (LEADER_NOT_AVAILABLE, NOT_LEADER_FOR_PARTITION), too few in-sync
 * replicas, a disconnected producer (a produce can be retried; the idempotent producer keeps it
 * exactly-once). Not retriable: the request itself is wrong (too large, invalid topic), the
 * credentials are refused (KAFKA_AUTHENTICATION_FAILED) or the ACLs do not allow it
 * (KAFKA_NOT_AUTHORIZED) — retrying cannot help.
 */
export function classifyKafkaError(error: unknown): KafkaAdapterError {
  if (error instanceof KafkaAdapterError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const refused = securityRefusal(error, 0);
  if (refused !== undefined)
    return new KafkaAdapterError(refused, false, message, { cause: error });
  const inner = rootKafkaError(error);
  const retriable = (code: KafkaErrorCode) =>
    new KafkaAdapterError(code, true, message, { cause: error });
  if (inner instanceof KafkaJSProtocolError) {
    const type = inner.type;
    if (type === 'NOT_ENOUGH_REPLICAS' || type === 'NOT_ENOUGH_REPLICAS_AFTER_APPEND')
      return retriable('KAFKA_NOT_ENOUGH_REPLICAS');
    if (type === 'REQUEST_TIMED_OUT') return retriable('KAFKA_TIMEOUT');
    if (TRANSIENT_PROTOCOL.has(type)) return retriable('KAFKA_UNAVAILABLE');
    return new KafkaAdapterError(
      inner.retriable ? 'KAFKA_UNAVAILABLE' : 'KAFKA_REJECTED',
      inner.retriable,
      message,
      { cause: error },
    );
  }
  if (inner instanceof KafkaJSRequestTimeoutError) return retriable('KAFKA_TIMEOUT');
  if (inner instanceof KafkaJSConnectionError) return retriable('KAFKA_UNAVAILABLE');
  if (inner instanceof Error && TRANSIENT_CLASSES.has(inner.name))
    return retriable(/timeout/i.test(inner.name) ? 'KAFKA_TIMEOUT' : 'KAFKA_UNAVAILABLE');
  const socket = (inner as { code?: unknown } | null)?.code;
  if (typeof socket === 'string' && SOCKET_CODES.has(socket)) return retriable('KAFKA_UNAVAILABLE');
  if (inner instanceof KafkaJSError) {
    if (/producer is disconnected|closed connection|connection (is )?closed/i.test(inner.message))
      return retriable('KAFKA_UNAVAILABLE');
    return new KafkaAdapterError(
      inner.retriable ? 'KAFKA_UNAVAILABLE' : 'KAFKA_REJECTED',
      inner.retriable,
      message,
      { cause: error },
    );
  }
  return new KafkaAdapterError('KAFKA_UNKNOWN', false, message, { cause: error });
}
