import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { ServiceKitModule } from '@hanpyo/service-kit';
import type { Clock, Health, JsonLogger, Metrics } from '@hanpyo/service-kit';
import { BallotPool } from './ballot-pool.js';
import { CheckpointRepository } from './checkpoint.repository.js';
import { CONFIG } from './config.js';
import type { ObserverConfig } from './config.js';
import { KafkaRepository } from './kafka.repository.js';
import { WitnessKey } from './keys.js';
import { ObserverService } from './observer.service.js';
import { LedgerRepository, RegistrarRepository } from './registrar.repository.js';
import { StatusController } from './status.controller.js';

@Module({})
export class ObserverModule {
  static forRoot(
    config: ObserverConfig,
    kit: { logger: JsonLogger; metrics: Metrics; health: Health; clock?: Clock },
  ): DynamicModule {
    return {
      module: ObserverModule,
      imports: [ServiceKitModule.forRoot(kit)],
      controllers: [StatusController],
      providers: [
        { provide: CONFIG, useValue: config },
        BallotPool,
        CheckpointRepository,
        KafkaRepository,
        LedgerRepository,
        RegistrarRepository,
        WitnessKey,
        ObserverService,
      ],
    };
  }
}
