// Errors are typed, coded and classified (STYLE.md §7): a union of stable codes, and the one place
// that maps each code to an HTTP status. docs/errors.md lists them. Body: {"error":{"code","message"}}.
import { retryAfterSeconds } from './retry-after.js';

/** Stable error codes of the HTTP APIs. */
export type ApiErrorCode =
  | 'REQUEST_INVALID'
  | 'MALFORMED_JSON'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'BALLOT_INVALID'
  | 'PROOF_INVALID'
  | 'SELECTION_INVALID'
  | 'ENCODING_INVALID'
  | 'TOKEN_MISSING'
  | 'TOKEN_INVALID'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_NOT_YET_VALID'
  | 'TOKEN_AUDIENCE'
  | 'TOKEN_CNF'
  | 'CAST_SIGNATURE_MISSING'
  | 'CAST_SIGNATURE_MALFORMED'
  | 'CAST_SIGNATURE_INVALID'
  | 'RECEIVED_OUTSIDE_WINDOW'
  | 'VOTER_KEY_INVALID'
  | 'VOTER_NOT_ON_ROLL'
  | 'VOTER_WRONG_DISTRICT'
  | 'ROLL_MISSING'
  | 'ROLL_INVALID'
  | 'ROLL_CONFLICT'
  | 'ROLL_DISTRICT_FULL'
  | 'ADMIN_UNAUTHORIZED'
  | 'ROLE_FORBIDDEN'
  | 'DISTRICT_MISMATCH'
  | 'VOTER_MISMATCH'
  | 'ELECTION_NOT_OPEN'
  | 'ENCRYPTION_MODE_NOT_ALLOWED'
  | 'ELECTION_NOT_FOUND'
  | 'BLOCK_NOT_FOUND'
  | 'RECEIPT_NOT_FOUND'
  | 'DISTRICT_NOT_FOUND'
  | 'NOT_FOUND'
  | 'ELECTION_EXISTS'
  | 'ELECTION_STATE'
  | 'CEREMONY_INVALID'
  | 'DECRYPTION_SHARE_INVALID'
  | 'TALLY_NOT_FOUND'
  | 'TALLY_DECODE_FAILED'
  | 'TALLY_COMPLETE'
  | 'TALLY_RUNNING'
  | 'SIGNATURE_INVALID'
  | 'WITNESS_UNKNOWN'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'OVERLOADED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

/** The HTTP status of every code; the only such table. */
export const HTTP_STATUS: Readonly<Record<ApiErrorCode, number>> = {
  REQUEST_INVALID: 400,
  MALFORMED_JSON: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  BALLOT_INVALID: 400,
  PROOF_INVALID: 400,
  SELECTION_INVALID: 400,
  ENCODING_INVALID: 400,
  TOKEN_MISSING: 401,
  TOKEN_INVALID: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_NOT_YET_VALID: 401,
  TOKEN_AUDIENCE: 401,
  TOKEN_CNF: 401,
  CAST_SIGNATURE_MISSING: 400,
  CAST_SIGNATURE_MALFORMED: 400,
  CAST_SIGNATURE_INVALID: 401,
  RECEIVED_OUTSIDE_WINDOW: 403,
  VOTER_KEY_INVALID: 400,
  VOTER_NOT_ON_ROLL: 403,
  VOTER_WRONG_DISTRICT: 403,
  ROLL_MISSING: 409,
  ROLL_INVALID: 400,
  ROLL_CONFLICT: 409,
  ROLL_DISTRICT_FULL: 409,
  ADMIN_UNAUTHORIZED: 401,
  ROLE_FORBIDDEN: 403,
  DISTRICT_MISMATCH: 403,
  VOTER_MISMATCH: 403,
  ELECTION_NOT_OPEN: 403,
  ENCRYPTION_MODE_NOT_ALLOWED: 403,
  ELECTION_NOT_FOUND: 404,
  BLOCK_NOT_FOUND: 404,
  RECEIPT_NOT_FOUND: 404,
  DISTRICT_NOT_FOUND: 404,
  NOT_FOUND: 404,
  ELECTION_EXISTS: 409,
  ELECTION_STATE: 409,
  CEREMONY_INVALID: 400,
  DECRYPTION_SHARE_INVALID: 400,
  TALLY_NOT_FOUND: 404,
  TALLY_DECODE_FAILED: 409,
  TALLY_COMPLETE: 409,
  TALLY_RUNNING: 409,
  SIGNATURE_INVALID: 400,
  WITNESS_UNKNOWN: 403,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  OVERLOADED: 503,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** An error a handler means to send, with its code. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /**
   * Seconds the client should wait (sent as Retry-After). Every 503 and 429 has one: the jittered
   * wait of retry-after.ts unless the caller names its own.
   */
  readonly retryAfterSeconds: number | undefined;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    retryAfter?: number,
  ) {
    super(message);
    const status = HTTP_STATUS[code];
    this.retryAfterSeconds =
      retryAfter ?? (status === 503 || status === 429 ? retryAfterSeconds() : undefined);
  }
}

/** Maps errors of the libraries to API errors; anything unknown is INTERNAL (and logged). */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const e = error as {
    code?: unknown;
    message?: unknown;
    retriable?: unknown;
    statusCode?: unknown;
    name?: unknown;
  };
  const message = typeof e.message === 'string' ? e.message : 'error';
  switch (e.code) {
    case 'CONTRACT_INVALID':
      return new ApiError('REQUEST_INVALID', message);
    case 'PROOF_INVALID':
      return new ApiError('PROOF_INVALID', message);
    case 'BALLOT_INVALID':
      return new ApiError('BALLOT_INVALID', message);
    case 'SELECTION_INVALID':
      return new ApiError('SELECTION_INVALID', message);
    case 'BASE64URL_INVALID':
    case 'HEX_INVALID':
    case 'LENGTH_INVALID':
    case 'POINT_INVALID':
    case 'POINT_IDENTITY':
    case 'SCALAR_NONCANONICAL':
      return new ApiError('ENCODING_INVALID', message);
    // Fastify's own request errors.
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('PAYLOAD_TOO_LARGE', 'request body too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('UNSUPPORTED_MEDIA_TYPE', 'send application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('MALFORMED_JSON', message);
    default:
      break;
  }
  if (e.name === 'SyntaxError' || e.statusCode === 400)
    return new ApiError('MALFORMED_JSON', 'request body is not valid JSON');
  if (transient(error))
    return new ApiError('UNAVAILABLE', 'a backing store is unavailable; retry shortly');
  if (e.statusCode === 404) return new ApiError('NOT_FOUND', 'no such resource');
  return new ApiError('INTERNAL', 'internal error');
}

/**
 * Driver failures that waiting can cure, by name: cassandra-driver's and kafkajs' own classes,
 * for errors that reach a handler without passing their adapter's classifier.
 */
const TRANSIENT_NAMES = new Set([
  'NoHostAvailableError',
  'OperationTimedOutError',
  'BusyConnectionError',
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSTimeout',
  'KafkaJSLockTimeout',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
]);

/** Node's socket errors: the peer is down, unreachable or went away. */
const TRANSIENT_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * Whether retrying may help. An adapter's error (KafkaAdapterError, CassandraAdapterError) has
 * already been classified and is taken at its word; a driver's wrapper ("retries exceeded", a
 * non-retriable wrapper around a retriable failure) is judged by the failure it wraps.
 */
function transient(error: unknown, depth = 0): boolean {
  if (depth > 5 || typeof error !== 'object' || error === null) return false;
  const e = error as { name?: unknown; retriable?: unknown; cause?: unknown; code?: unknown };
  const name = typeof e.name === 'string' ? e.name : '';
  if (name.endsWith('AdapterError') && typeof e.retriable === 'boolean') return e.retriable;
  if (TRANSIENT_NAMES.has(name)) return true;
  if (typeof e.code === 'string' && TRANSIENT_SOCKET_CODES.has(e.code)) return true;
  if (
    (name === 'KafkaJSNumberOfRetriesExceeded' || name === 'KafkaJSNonRetriableError') &&
    e.cause !== undefined &&
    e.cause !== error
  )
    return transient(e.cause, depth + 1);
  return e.retriable === true;
}
