// HTTP transport of the electoral roll (a few lines each; decisions are in RollService).
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, BODY_LIMITS } from './admin.guard.js';
import { RollService } from './roll.service.js';

@ApiTags('roll')
@Controller('v1/elections')
export class RollController {
  constructor(@Inject(RollService) private readonly roll: RollService) {}

  @Get(':id/roll')
  @Access({ roles: ['operator', 'issuer', 'observer'] })
  @ApiOperation({
    summary: 'The roll: {status: none|importing|committed, voters, districts, digest}',
  })
  view(@Param('id') id: string) {
    return this.roll.view(id);
  }

  @Post(':id/roll/imports')
  @HttpCode(200)
  @Access({ roles: ['operator'], audit: 'roll.import' })
  @ApiOperation({
    summary:
      'Start or resume the roll import of a file: {"digest"} → {status, nextPosition, …}; one roll per election, before it opens',
  })
  start(@Param('id') id: string, @Body() body: unknown) {
    return this.roll.start(id, body);
  }

  @Post(':id/roll/batches')
  @HttpCode(200)
  @Access({ roles: ['operator'], audit: 'roll.batch', bodyLimit: BODY_LIMITS.large })
  @ApiOperation({
    summary:
      'Take the next ≤ 5,000 rows: {"from", "voters":[{voterId, districtId}]} → {nextPosition}; ROLL_INVALID, ROLL_DISTRICT_FULL',
  })
  batch(@Param('id') id: string, @Body() body: unknown) {
    return this.roll.addBatch(id, body);
  }

  @Post(':id/roll/commit')
  @HttpCode(200)
  @Access({ roles: ['operator'], audit: 'roll.commit' })
  @ApiOperation({
    summary:
      'Commit the import: {"digest", "count"} must be what the registrar took, else ROLL_INVALID',
  })
  commit(@Param('id') id: string, @Body() body: unknown) {
    return this.roll.commit(id, body);
  }

  @Get(':id/roll/voters')
  @Access({ roles: ['operator', 'issuer', 'observer'] })
  @ApiOperation({
    summary: 'The committed roll in file order: ?from=POSITION&limit=1..1000 → {voters, next}',
  })
  page(@Param('id') id: string, @Query('from') from?: string, @Query('limit') limit?: string) {
    return this.roll.page(id, from, limit);
  }
}
