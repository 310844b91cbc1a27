// Starting a service: Fastify with a body limit, the shared filter, OpenAPI at /openapi.json, and
// graceful shutdown — on SIGTERM/SIGINT the service stops being ready, stops accepting connections,
// lets in-flight requests finish, then runs each provider's shutdown hooks (flush, disconnect).
import 'reflect-metadata';
import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import {
  ApiExceptionFilter,
  MAX_PARAM_LENGTH,
  clientErrorHandler,
  frameworkErrorHandler,
  serverFactory,
} from './filter.js';
import type { Health } from './health.js';
import type { JsonLogger } from './logger.js';
// In-flight limit (helper H4, issue 12).
import { limitInFlight, maxInFlightFromEnv } from './in-flight.js';
import { Metrics } from './metrics.js';

export interface ServiceOptions {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly host: string;
  readonly port: number;
  /** Largest request body accepted (bytes); bigger ones get 413. */
  readonly bodyLimit: number;
  readonly logger: JsonLogger;
  readonly health: Health;
  /**
   * Requests worked on at once; beyond it 503 OVERLOADED (in-flight.ts). Default:
   * HANPYO_<NAME>_MAX_IN_FLIGHT, else the service's default (registrar 64, ledger 256). `false`:
   * none here (the edge bounds its ballot routes itself, with the same limiter).
   */
  readonly maxInFlight?: number | false;
}

/** Creates, documents and starts a service; resolves once it listens. */
export async function startService(
  module: Type<unknown> | DynamicModule,
  options: ServiceOptions,
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    module,
    new FastifyAdapter({
      bodyLimit: options.bodyLimit,
      // Errors Fastify answers before a route runs leave with a code too (filter.ts).
      routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
      frameworkErrors: frameworkErrorHandler,
      clientErrorHandler,
      serverFactory,
    }),
    {
      logger: options.logger,
      bufferLogs: false,
    },
  );
  app.useGlobalFilters(new ApiExceptionFilter(options.logger));
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(`Hanpyo ${options.name}`)
      .setDescription(options.description)
      .setVersion(options.version)
      .addBearerAuth()
      .build(),
  );
  app
    .getHttpAdapter()
    .getInstance()
    .get('/openapi.json', (_request, reply) => reply.send(document));
  // In-flight limit (helper H4, issue 12): every route but /health, /metrics and /openapi.json.
  const maxInFlight =
    options.maxInFlight === undefined
      ? maxInFlightFromEnv(options.name, process.env)
      : options.maxInFlight || undefined;
  if (maxInFlight !== undefined) {
    limitInFlight(
      app.getHttpAdapter().getInstance(),
      maxInFlight,
      app.get(Metrics, { strict: false }),
    );
  }
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen(options.port, options.host);
  options.logger.info(`${options.name} listening`, {
    url: `http://${options.host}:${options.port}`,
  });
  return app;
}
