import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { ServiceKitModule } from '@hanpyo/service-kit';
import type { Clock, Health, JsonLogger, Metrics } from '@hanpyo/service-kit';
import { AccessHooks } from './access.hooks.js';
import { AuditController } from './audit.controller.js';
import { AuditRepository } from './audit.repository.js';
import { AuditService } from './audit.service.js';
import { CONFIG } from './config.js';
import type { RegistrarConfig } from './config.js';
import { ElectionsController } from './elections.controller.js';
import { ElectionsRepository } from './elections.repository.js';
import { ElectionsService } from './elections.service.js';
import { SigningKeys } from './keys.js';
import { JudgeProcess } from './judge-process.js';
import { RollController } from './roll.controller.js';
import { RollRepository } from './roll.repository.js';
import { RollService } from './roll.service.js';
import { TallyController } from './tally.controller.js';
import { TallyRepository } from './tally.repository.js';
import { TallyService } from './tally.service.js';
import { TokensService } from './tokens.service.js';

@Module({})
export class RegistrarModule {
  static forRoot(
    config: RegistrarConfig,
    kit: { logger: JsonLogger; metrics: Metrics; health: Health; clock?: Clock },
  ): DynamicModule {
    return {
      module: RegistrarModule,
      imports: [ServiceKitModule.forRoot(kit)],
      controllers: [ElectionsController, RollController, TallyController, AuditController],
      providers: [
        { provide: CONFIG, useValue: config },
        AccessHooks,
        AuditRepository,
        AuditService,
        ElectionsRepository,
        ElectionsService,
        JudgeProcess,
        RollRepository,
        RollService,
        SigningKeys,
        TallyRepository,
        TallyService,
        TokensService,
      ],
    };
  }
}
