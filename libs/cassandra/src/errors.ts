// One classification of Cassandra failures: a stable code and whether retrying can help.
import cassandra from 'cassandra-driver';

export type CassandraErrorCode =
  | 'CASSANDRA_UNAVAILABLE'
  | 'CASSANDRA_TIMEOUT'
  | 'CASSANDRA_REJECTED'
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
 * retriable: a syntax, invalid-query or authorization error.
 */
export function classifyCassandraError(error: unknown): CassandraAdapterError {
  if (error instanceof CassandraAdapterError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof errors.NoHostAvailableError) {
    // The driver wraps per-host failures: when every host timed out, it is a timeout.
    const inner = Object.values((error.innerErrors ?? {}) as Record<string, unknown>);
    const timedOut =
      inner.length > 0 && inner.every((e) => e instanceof errors.OperationTimedOutError);
    return new CassandraAdapterError(
      timedOut ? 'CASSANDRA_TIMEOUT' : 'CASSANDRA_UNAVAILABLE',
      true,
      message,
      { cause: error },
    );
  }
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
    if (RETRIABLE_SERVER_CODES.has(code))
      return new CassandraAdapterError('CASSANDRA_UNAVAILABLE', true, message, { cause: error });
    return new CassandraAdapterError('CASSANDRA_REJECTED', false, message, { cause: error });
  }
  return new CassandraAdapterError('CASSANDRA_UNKNOWN', false, message, { cause: error });
}
