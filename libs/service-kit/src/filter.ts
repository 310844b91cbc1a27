// The one exception filter: every error leaves as {"error":{"code","message"}} with its status,
// and so do the errors Fastify answers before a route runs (bad URL, over-long path parameter,
// an HTTP request line Node cannot parse), through the handlers startService passes it.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Catch, HttpException } from '@nestjs/common';
import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, HTTP_STATUS, toApiError } from './errors.js';
import type { JsonLogger } from './logger.js';

/** Longest path parameter the router accepts; longer ones get REQUEST_INVALID (an id is ≤ 100). */
export const MAX_PARAM_LENGTH = 128;

/**
 * A framework error of status < 500 (Fastify's own, or Nest's HttpException wrapping one) as an
 * API error: by its FST_* code where one is mapped, else by its status. Undefined for anything else.
 */
export function frameworkApiError(exception: unknown): ApiError | undefined {
  let status: number | undefined;
  let cause: unknown = exception;
  if (exception instanceof HttpException) {
    status = exception.getStatus();
    cause = exception.cause ?? exception;
  } else if (
    typeof exception === 'object' &&
    exception !== null &&
    typeof (exception as { statusCode?: unknown }).statusCode === 'number' &&
    typeof (exception as { code?: unknown }).code === 'string' &&
    (exception as { code: string }).code.startsWith('FST_')
  ) {
    status = (exception as { statusCode: number }).statusCode;
  }
  if (status === undefined || status < 400 || status >= 500) return undefined;
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('FST_')) {
    const mapped = toApiError(cause);
    if (mapped.code !== 'INTERNAL' && HTTP_STATUS[mapped.code] < 500) return mapped;
  }
  switch (status) {
    case 400:
      return new ApiError('MALFORMED_JSON', messageOf(exception, 'request body is not valid JSON'));
    case 404:
      return new ApiError('NOT_FOUND', 'no such resource');
    case 413:
      return new ApiError('PAYLOAD_TOO_LARGE', 'request body too large');
    case 415:
      return new ApiError('UNSUPPORTED_MEDIA_TYPE', 'send application/json');
    default:
      // 405, 406, 408, 411, 414, 431, …: the request is not one this API takes.
      return new ApiError('REQUEST_INVALID', messageOf(exception, 'request refused'));
  }
}

function messageOf(exception: unknown, fallback: string): string {
  const m = (exception as { message?: unknown }).message;
  return typeof m === 'string' && m.length > 0 ? m.slice(0, 200) : fallback;
}

/** The body every error is sent with. */
function errorBody(error: ApiError): { error: { code: string; message: string } } {
  return { error: { code: error.code, message: error.message } };
}

/**
 * Fastify's `frameworkErrors`: a URL that is not valid percent-encoded UTF-8 (FST_ERR_BAD_URL), a
 * path parameter over MAX_PARAM_LENGTH (FST_ERR_MAX_PARAM_LENGTH), a failed route constraint. The
 * message never repeats the URL (it may carry a token or an id someone mistyped).
 */
export function frameworkErrorHandler(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const apiError =
    error.code === 'FST_ERR_BAD_URL'
      ? new ApiError('REQUEST_INVALID', 'the path is not valid percent-encoded UTF-8')
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? new ApiError('REQUEST_INVALID', `a path parameter is over ${MAX_PARAM_LENGTH} characters`)
        : new ApiError('REQUEST_INVALID', 'the request does not match a route');
  void reply.status(HTTP_STATUS[apiError.code]).send(errorBody(apiError));
}

/**
 * Fastify's `clientErrorHandler`: Node could not parse the request (an unknown method, a broken
 * request line, headers over Node's limit). Answers on the raw socket, then closes it.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const apiError = new ApiError(
    'REQUEST_INVALID',
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 'the request headers are too large'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'the request took too long to arrive'
        : 'the request is not valid HTTP/1.1',
  );
  const body = JSON.stringify(errorBody(apiError));
  const status = HTTP_STATUS[apiError.code];
  socket.end(
    `HTTP/1.1 ${status} Bad Request\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** The options Fastify hands a serverFactory, of those it would apply to its own HTTP/1.1 server. */
interface ServerFactoryOptions {
  readonly http?: ServerOptions;
  readonly keepAliveTimeout?: number;
  readonly requestTimeout?: number;
  readonly connectionTimeout?: number;
  readonly maxRequestsPerSocket?: number;
}

/**
 * Fastify's `serverFactory`: the HTTP/1.1 server Fastify would make itself (same timeouts), except
 * that an `Expect` header other than 100-continue gets a coded error, where Node alone answers a
 * bare 417 before any handler runs.
 */
export function serverFactory(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
  options: ServerFactoryOptions = {},
): Server {
  const server = createServer(options.http ?? {}, handler);
  if (options.keepAliveTimeout !== undefined) server.keepAliveTimeout = options.keepAliveTimeout;
  if (options.requestTimeout !== undefined) server.requestTimeout = options.requestTimeout;
  if (options.connectionTimeout !== undefined) server.setTimeout(options.connectionTimeout);
  if ((options.maxRequestsPerSocket ?? 0) > 0)
    server.maxRequestsPerSocket = options.maxRequestsPerSocket!;
  server.on('checkExpectation', (_request: IncomingMessage, response: ServerResponse) => {
    const error = new ApiError('REQUEST_INVALID', 'only "Expect: 100-continue" is understood');
    const body = JSON.stringify(errorBody(error));
    response.writeHead(HTTP_STATUS[error.code], {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    });
    response.end(body);
  });
  return server;
}

@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: JsonLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error: ApiError =
      exception instanceof ApiError
        ? exception
        : (frameworkApiError(exception) ?? toApiError(exception));
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
    void reply.status(HTTP_STATUS[error.code]).send(errorBody(error));
  }
}
