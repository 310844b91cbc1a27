// Starting a service: Fastify with a body limit, the shared filter, OpenAPI at /openapi.json, and
// graceful shutdown — on SIGTERM/SIGINT the service stops being ready, stops accepting connections,
// lets in-flight requests finish, then runs each provider's shutdown hooks (flush, disconnect).
import 'reflect-metadata';
import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ApiExceptionFilter } from './filter.js';
import type { Health } from './health.js';
import type { JsonLogger } from './logger.js';

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
}

/** Creates, documents and starts a service; resolves once it listens. */
export async function startService(
  module: Type<unknown> | DynamicModule,
  options: ServiceOptions,
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    module,
    new FastifyAdapter({ bodyLimit: options.bodyLimit }),
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
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen(options.port, options.host);
  options.logger.info(`${options.name} listening`, {
    url: `http://${options.host}:${options.port}`,
  });
  return app;
}
