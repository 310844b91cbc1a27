// One classification of Cassandra failures: a stable code and whether retrying can help.
import cassandra from 'cassandra-driver';

export type CassandraErrorCode =
  | 'CASSANDRA_UNAVAILABLE'
  | 'CASSANDRA_TIMEOUT'
  | 'CASSANDRA_REJECTED'
  | 'CASSANDRA_AUTHENTICATION_FAILED'
  | 'CASSANDRA_NOT_AUTHORIZED'
  | 'MIGRATION_CHANGED'
  | 'MIGRATION_FAILED'
  | 'CASSANDRA_UNKNOWN';

/** A Cassandra failure with its code and retriability; `cause` keeps the driver's error. */
export class CassandraAdapterError extends Error {
  override readonly name = 'CassandraAdapterError';
  constructor(
    readonly code: CassandraErrorCode,
    readonly retriable: boolean,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const { errors, types } = cassandra;
const RETRIABLE_SERVER_CODES = new Set<number>([
  types.responseErrorCodes.unavailableException,
  types.responseErrorCodes.overloaded,
  types.responseErrorCodes.isBootstrapping,
  types.responseErrorCodes.writeTimeout,
  types.responseErrorCodes.readTimeout,
  types.responseErrorCodes.truncateError,
]);

/**
 * Classifies any error of cassandra-driver. Retriable: no host reachable, a coordinator timeout or
 * unavailability (safe to retry for idempotent statements, which all our writes are). Not
 * retriable: a syntax or invalid-query error, credentials every node refused
 * (CASSANDRA_AUTHENTICATION_FAILED), a statement the role may not run (CASSANDRA_NOT_AUTHORIZED).
 */
export function classifyCassandraError(error: unknown): CassandraAdapterError {
  if (error instanceof CassandraAdapterError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof errors.NoHostAvailableError) {
    // The driver wraps per-host failures: when every host timed out, it is a timeout.
    const inner = Object.values((error.innerErrors ?? {}) as Record<string, unknown>);
    // Every node refused the credentials (or asked for some that were not given).
    if (inner.length > 0 && inner.every((e) => e instanceof errors.AuthenticationError))
      return new CassandraAdapterError('CASSANDRA_AUTHENTICATION_FAILED', false, message, {
        cause: error,
      });
    const timedOut =
      inner.length > 0 && inner.every((e) => e instanceof errors.OperationTimedOutError);
    return new CassandraAdapterError(
      timedOut ? 'CASSANDRA_TIMEOUT' : 'CASSANDRA_UNAVAILABLE',
      true,
      message,
      { cause: error },
    );
  }
  if (error instanceof errors.AuthenticationError)
    return new CassandraAdapterError('CASSANDRA_AUTHENTICATION_FAILED', false, message, {
      cause: error,
    });
  if (error instanceof errors.OperationTimedOutError)
    return new CassandraAdapterError('CASSANDRA_TIMEOUT', true, message, { cause: error });
  if (error instanceof errors.ResponseError) {
    const code: number = error.code;
    if (
      code === (types.responseErrorCodes.writeTimeout as number) ||
      code === (types.responseErrorCodes.readTimeout as number)
    ) {
      return new CassandraAdapterError('CASSANDRA_TIMEOUT', true, message, { cause: error });
    }
    if (code === (types.responseErrorCodes.unauthorized as number))
      return new CassandraAdapterError('CASSANDRA_NOT_AUTHORIZED', false, message, {
        cause: error,
      });
    if (RETRIABLE_SERVER_CODES.has(code))
      return new CassandraAdapterError('CASSANDRA_UNAVAILABLE', true, message, { cause: error });
    return new CassandraAdapterError('CASSANDRA_REJECTED', false, message, { cause: error });
  }
  return new CassandraAdapterError('CASSANDRA_UNKNOWN', false, message, { cause: error });
}
