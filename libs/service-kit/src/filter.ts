// The one exception filter: every error leaves as {"error":{"code","message"}} with its status.
import { Catch, HttpException } from '@nestjs/common';
import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiError, HTTP_STATUS, toApiError } from './errors.js';
import type { JsonLogger } from './logger.js';

@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: JsonLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    let error: ApiError;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      error =
        status === 404
          ? new ApiError('NOT_FOUND', 'no such resource')
          : status === 413
            ? new ApiError('PAYLOAD_TOO_LARGE', 'request body too large')
            : status === 400
              ? new ApiError('MALFORMED_JSON', exception.message)
              : toApiError(exception);
    } else {
      error = toApiError(exception);
    }
    if (error.code === 'INTERNAL') {
      this.logger.error('unhandled error', {
        error: exception instanceof Error ? exception.stack : String(exception),
      });
    }
    if (
      error.code === 'UNAVAILABLE' &&
      exception instanceof Error &&
      !(exception instanceof ApiError)
    ) {
      // A backing store failed: its adapter code and message name the store and the failure, never
      // a request's content (operators need to know which store, clients get the 503).
      this.logger.warn('backing store unavailable', {
        code: (exception as { code?: unknown }).code,
        error: exception.message,
      });
    }
    if (error.retryAfterSeconds !== undefined)
      void reply.header('Retry-After', String(error.retryAfterSeconds));
    void reply
      .status(HTTP_STATUS[error.code])
      .send({ error: { code: error.code, message: error.message } });
  }
}
