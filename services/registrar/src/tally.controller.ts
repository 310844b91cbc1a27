// HTTP transport of the tally and of the board pages the export reads (decisions in TallyService).
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, BODY_LIMITS } from './admin.guard.js';
import { TallyService } from './tally.service.js';

@ApiTags('tally')
@Controller('v1/elections')
export class TallyController {
  constructor(@Inject(TallyService) private readonly tallies: TallyService) {}

  @Post(':id/tally')
  @HttpCode(202)
  @Access({ roles: ['tally'], audit: 'tally.start' })
  @ApiOperation({
    summary:
      'Start the tally after the final block: counted set and aggregates, streamed over the board (SPEC §9); poll /tally/status',
  })
  start(@Param('id') id: string) {
    return this.tallies.start(id);
  }

  @Post(':id/tally/reset')
  @HttpCode(200)
  @Access({ roles: ['tally', 'operator'], audit: 'tally.reset' })
  @ApiOperation({
    summary:
      'Reset the tally to start again with a new trustee set: {"reason"} (kept in the audit log); TALLY_COMPLETE, TALLY_RUNNING',
  })
  reset(@Param('id') id: string, @Body() body: unknown) {
    return this.tallies.reset(id, body);
  }

  @Get(':id/tally/status')
  @ApiOperation({ summary: 'Where the tally stands: none | aggregating | aggregated | complete' })
  status(@Param('id') id: string) {
    return this.tallies.status(id);
  }

  @Get(':id/tally/aggregates')
  @ApiOperation({
    summary: 'Per district, contest and option: A = Σα, B = Σβ over the counted set, and `counted`',
  })
  aggregates(@Param('id') id: string) {
    return this.tallies.aggregates(id);
  }

  @Post(':id/tally/shares')
  @HttpCode(200)
  @Access({ roles: ['tally'], audit: 'tally.shares', bodyLimit: BODY_LIMITS.large })
  @ApiOperation({
    summary:
      "A trustee's partial decryptions with proofs {trustee, shares:[{districtId, contestId, optionId, D, c, z}]}: each verified against P_i (the proof authenticates the trustee)",
  })
  shares(@Param('id') id: string, @Body() body: unknown) {
    return this.tallies.submitShares(id, body);
  }

  @Get(':id/tally')
  @ApiOperation({ summary: 'The tally document (SPEC §10 tally.json); 404 until complete' })
  tally(@Param('id') id: string) {
    return this.tallies.tally(id);
  }

  @Get(':id/board/:partition')
  @ApiOperation({
    summary:
      'A page of the board (SPEC §6) from Cassandra: {entries, next} for offsets [from, to) of a partition, at most 1,000 offsets',
  })
  board(
    @Param('id') id: string,
    @Param('partition') partition: string,
    @Query('from') from: unknown,
    @Query('to') to: unknown,
  ) {
    return this.tallies.board(id, partition, from, to);
  }
}
