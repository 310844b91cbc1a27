// HTTP transport of the ledger's reads (a few lines each; answers are built in ProofsService).
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ProofsService } from './proofs.service.js';
import { SignaturesService } from './signatures.service.js';

@ApiTags('ledger')
@Controller('v1/elections')
export class LedgerController {
  constructor(
    @Inject(ProofsService) private readonly proofs: ProofsService,
    @Inject(SignaturesService) private readonly signatures: SignaturesService,
  ) {}

  @Get(':id/blocks/latest')
  @ApiOperation({ summary: 'The latest block: {"block","signatures"} (SPEC §8)' })
  latest(@Param('id') id: string) {
    return this.proofs.block(id, 'latest');
  }

  @Get(':id/blocks/:height')
  @ApiOperation({ summary: 'Block by height: {"block","signatures"} (SPEC §8)' })
  block(@Param('id') id: string, @Param('height') height: string) {
    return this.proofs.block(id, height);
  }

  @Post(':id/blocks/:height/signatures')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "A witness's cosignature of a block (SPEC §8): {keyId, signature} → {height, blockHash, keyId}",
  })
  cosign(@Param('id') id: string, @Param('height') height: string, @Body() body: unknown) {
    return this.signatures.addWitnessSignature(id, height, body);
  }

  @Get(':id/receipts/:trackingCode')
  @ApiOperation({
    summary:
      'Ballot status: included (RFC 9162 inclusion proof against its district in the latest block) or pending',
  })
  receipt(@Param('id') id: string, @Param('trackingCode') trackingCode: string) {
    return this.proofs.receipt(id, trackingCode);
  }

  @Get(':id/districts/:districtId/consistency')
  @ApiOperation({
    summary: "RFC 9162 consistency proof between a district's trees in blocks ?from=H1&to=H2",
  })
  consistency(
    @Param('id') id: string,
    @Param('districtId') districtId: string,
    @Query('from') from: unknown,
    @Query('to') to: unknown,
  ) {
    return this.proofs.consistency(id, districtId, from, to);
  }
}
