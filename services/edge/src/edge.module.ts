import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { ServiceKitModule } from '@hanpyo/service-kit';
import type { Clock, Health, JsonLogger, Metrics } from '@hanpyo/service-kit';
import { BallotsService } from './ballots.service.js';
import { BoardRepository } from './board.repository.js';
import { CONFIG } from './config.js';
import { CryptoPool } from './crypto-pool.js';
import type { EdgeConfig } from './config.js';
import { EdgeMetrics } from './edge.metrics.js';
import { ElectionsController } from './elections.controller.js';
import { ElectionsRepository } from './elections.repository.js';
import { EdgeKeys } from './keys.js';

@Module({})
export class EdgeModule {
  static forRoot(
    config: EdgeConfig,
    kit: {
      logger: JsonLogger;
      metrics: Metrics;
      health: Health;
      clock?: Clock;
    },
  ): DynamicModule {
    return {
      module: EdgeModule,
      imports: [ServiceKitModule.forRoot(kit)],
      controllers: [ElectionsController],
      providers: [
        { provide: CONFIG, useValue: config },
        BallotsService,
        BoardRepository,
        CryptoPool,
        EdgeKeys,
        EdgeMetrics,
        ElectionsRepository,
      ],
    };
  }
}
