// HTTP transport of the audit log (operator only; decisions in AuditService).
import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from './admin.guard.js';
import { AuditService } from './audit.service.js';

@ApiTags('audit')
@Controller('v1')
export class AuditController {
  constructor(@Inject(AuditService) private readonly audit: AuditService) {}

  @Get('elections/:id/audit')
  @Access({ roles: ['operator'] })
  @ApiOperation({
    summary:
      "The election's audit log in time order: ?after=ID&limit=1..1000 → {entries:[{id, at, credentialId, role, method, route, electionId, action, status, code, detail}], next}",
  })
  election(
    @Param('id') id: string,
    @Query('after') after?: string,
    @Query('limit') limit?: string,
  ) {
    return this.audit.page({ electionId: id }, after, limit);
  }

  @Get('audit')
  @Access({ roles: ['operator'] })
  @ApiOperation({
    summary:
      'The audit log of calls that name no election, by UTC day: ?day=YYYY-MM-DD&after=ID&limit=1..1000 → {entries, next}',
  })
  global(
    @Query('day') day?: string,
    @Query('after') after?: string,
    @Query('limit') limit?: string,
  ) {
    return this.audit.page({ day }, after, limit);
  }
}
