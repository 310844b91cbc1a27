import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { ServiceKitModule } from '@hanpyo/service-kit';
import type { Clock, Health, JsonLogger, Metrics } from '@hanpyo/service-kit';
import { ChainRepository } from './chain.repository.js';
import { CONFIG } from './config.js';
import type { LedgerConfig } from './config.js';
import { KafkaRepository } from './kafka.repository.js';
import { LedgerKey } from './keys.js';
import { LedgerController } from './ledger.controller.js';
import { LedgerService } from './ledger.service.js';
import { ProofsService } from './proofs.service.js';
import { SignaturesService } from './signatures.service.js';

@Module({})
export class LedgerModule {
  static forRoot(
    config: LedgerConfig,
    kit: { logger: JsonLogger; metrics: Metrics; health: Health; clock?: Clock },
  ): DynamicModule {
    return {
      module: LedgerModule,
      imports: [ServiceKitModule.forRoot(kit)],
      controllers: [LedgerController],
      providers: [
        { provide: CONFIG, useValue: config },
        ChainRepository,
        KafkaRepository,
        LedgerKey,
        LedgerService,
        ProofsService,
        SignaturesService,
      ],
    };
  }
}
