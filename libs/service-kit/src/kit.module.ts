// The shared module: the process's logger, metrics and health, and their HTTP endpoints.
import { Controller, Get, Global, Inject, Module, Res } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CLOCK, systemClock } from './clock.js';
import type { Clock } from './clock.js';
import { Health } from './health.js';
import { JsonLogger } from './logger.js';
import { Metrics } from './metrics.js';

@ApiExcludeController()
@Controller()
class OperationsController {
  constructor(
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(Health) private readonly health: Health,
  ) {}

  @Get('metrics')
  async getMetrics(@Res() reply: FastifyReply): Promise<void> {
    await reply
      .header('Content-Type', this.metrics.registry.contentType)
      .send(await this.metrics.render());
  }

  @Get('health/live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health/ready')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const r = await this.health.ready();
    await reply
      .status(r.ready ? 200 : 503)
      .send({ status: r.ready ? 'ready' : 'not ready', checks: r.checks });
  }
}

@Global()
@Module({})
export class ServiceKitModule {
  static forRoot(kit: {
    logger: JsonLogger;
    metrics: Metrics;
    health: Health;
    clock?: Clock;
  }): DynamicModule {
    return {
      module: ServiceKitModule,
      controllers: [OperationsController],
      providers: [
        { provide: JsonLogger, useValue: kit.logger },
        { provide: Metrics, useValue: kit.metrics },
        { provide: Health, useValue: kit.health },
        { provide: CLOCK, useValue: kit.clock ?? systemClock },
      ],
      exports: [JsonLogger, Metrics, Health, CLOCK],
    };
  }
}
