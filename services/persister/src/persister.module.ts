import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { ServiceKitModule } from '@hanpyo/service-kit';
import type { Clock, Health, JsonLogger, Metrics } from '@hanpyo/service-kit';
import { BoardConsumer } from './board.consumer.js';
import { BoardRepository } from './board.repository.js';
import { CONFIG } from './config.js';
import type { PersisterConfig } from './config.js';
import { ElectionsService } from './elections.service.js';
import { EntriesService } from './entries.service.js';
import { KafkaRepository } from './kafka.repository.js';

@Module({})
export class PersisterModule {
  static forRoot(
    config: PersisterConfig,
    kit: { logger: JsonLogger; metrics: Metrics; health: Health; clock?: Clock },
  ): DynamicModule {
    return {
      module: PersisterModule,
      imports: [ServiceKitModule.forRoot(kit)],
      providers: [
        { provide: CONFIG, useValue: config },
        BoardRepository,
        KafkaRepository,
        EntriesService,
        BoardConsumer,
        ElectionsService,
      ],
    };
  }
}
