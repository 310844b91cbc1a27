// HTTP transport of the observer's status (a few lines; the state is ObserverService's).
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { WitnessKey } from './keys.js';
import { ObserverService } from './observer.service.js';
import { statusPage } from './status.js';

@ApiTags('observer')
@Controller()
export class StatusController {
  constructor(
    @Inject(ObserverService) private readonly observer: ObserverService,
    @Inject(WitnessKey) private readonly witness: WitnessKey,
  ) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @ApiOperation({
    summary: 'Status page: each election’s latest verified height, hash, divergences',
  })
  page(): string {
    return statusPage(this.witness.key.keyId, this.observer.status());
  }

  @Get('v1/status')
  @ApiOperation({ summary: 'Each election’s status as JSON' })
  status() {
    return { keyId: this.witness.key.keyId, elections: this.observer.status() };
  }
}
