// HTTP transport of election operations (a few lines each; decisions are in ElectionsService).
import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, BODY_LIMITS } from './admin.guard.js';
import { ElectionsService } from './elections.service.js';
import { TokensService } from './tokens.service.js';
import { ApiError } from '@hanpyo/service-kit';

@ApiTags('elections')
@Controller('v1/elections')
export class ElectionsController {
  constructor(
    @Inject(ElectionsService) private readonly elections: ElectionsService,
    @Inject(TokensService) private readonly tokens: TokensService,
  ) {}

  @Post()
  @Access({ roles: ['operator'], audit: 'election.create', bodyLimit: BODY_LIMITS.medium })
  @ApiOperation({
    summary:
      'Register an election: {"manifest"} → {"manifest","manifestHash"} (keys filled from the deployment)',
  })
  create(@Body() body: { manifest?: unknown }) {
    return this.elections.create(body?.manifest);
  }

  @Get(':id')
  @ApiOperation({
    summary:
      'An election: manifest, manifest hash, state, joint key, ceremony record, partition layout',
  })
  view(@Param('id') id: string) {
    return this.elections.view(id);
  }

  @Post(':id/ceremony')
  @HttpCode(200)
  @Access({ roles: ['operator'], audit: 'election.ceremony', bodyLimit: BODY_LIMITS.medium })
  @ApiOperation({
    summary: 'Accept the public record of a key ceremony (SPEC §3) after verifying every proof',
  })
  ceremony(@Param('id') id: string, @Body() body: unknown) {
    return this.elections.acceptCeremony(id, body);
  }

  @Post(':id/open')
  @HttpCode(200)
  @Access({ roles: ['operator'], audit: 'election.open' })
  @ApiOperation({ summary: 'Open the election (after its ceremony)' })
  open(@Param('id') id: string) {
    return this.elections.open(id);
  }

  @Post(':id/close')
  @HttpCode(200)
  @Access({ roles: ['operator'], audit: 'election.close' })
  @ApiOperation({ summary: 'Close the election' })
  close(@Param('id') id: string) {
    return this.elections.close(id);
  }

  @Post(':id/tokens')
  @Access({ roles: ['issuer'], audit: 'tokens.issue' })
  @ApiOperation({
    summary:
      'Issue a voter token (SPEC §4) for a voter of the roll, in their district, bound to the device key: {"voterId","districtId","voterKey"} → {"token"}; VOTER_NOT_ON_ROLL, VOTER_WRONG_DISTRICT, VOTER_KEY_INVALID, ROLL_MISSING',
  })
  async token(@Param('id') id: string, @Body() body: unknown) {
    const [token] = await this.tokens.issue(id, [body ?? {}]);
    return { token };
  }

  @Post(':id/tokens/bulk')
  @Access({ roles: ['issuer'], audit: 'tokens.bulk', bodyLimit: BODY_LIMITS.medium })
  @ApiOperation({
    summary:
      'Issue up to 1,000 tokens, all or none: {"voters":[{"voterId","districtId","voterKey"}]} → {"tokens":[…]}',
  })
  async tokensBulk(@Param('id') id: string, @Body() body: { voters?: unknown[] }) {
    const voters = body?.voters;
    if (!Array.isArray(voters) || voters.length === 0 || voters.length > 1000) {
      throw new ApiError(
        'REQUEST_INVALID',
        'voters must be an array of 1–1,000 {voterId, districtId, voterKey}',
      );
    }
    return { tokens: await this.tokens.issue(id, voters) };
  }
}
