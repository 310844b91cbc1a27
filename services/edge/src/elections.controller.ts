// HTTP transport of the edge (a few lines each; decisions are in BallotsService).
import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiError } from '@hanpyo/service-kit';
import { BallotsService } from './ballots.service.js';

/** Ballots are JSON only (Fastify would also parse text/plain into a string). */
function requireJson(contentType: string | undefined): void {
  if (!/^application\/json\s*(;|$)/i.test(contentType ?? '')) {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'send application/json');
  }
}

@ApiTags('ballots')
@Controller('v1/elections')
export class ElectionsController {
  constructor(@Inject(BallotsService) private readonly ballots: BallotsService) {}

  @Get(':id')
  @ApiOperation({
    summary:
      'The manifest and joint public key (null before the ceremony) a voter app encrypts for',
  })
  view(@Param('id') id: string) {
    return this.ballots.view(id);
  }

  @Post(':id/ballots')
  @ApiBearerAuth()
  @ApiOperation({
    summary:
      'Cast a ballot (SPEC §5): {"ballot", "castSignature"} with the voting token as bearer → 201 {"receipt"} (SPEC §7) once on the board with acks=all. castSignature = Ed25519 by the token\'s cnf key over H("hanpyo/1/cast", electionId, trackingCode).',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['ballot', 'castSignature'],
      additionalProperties: false,
      properties: {
        ballot: { type: 'object', description: 'SPEC §5 encrypted ballot' },
        castSignature: {
          type: 'string',
          description: 'base64url of the 64-byte Ed25519 signature by the device key (cnf)',
        },
      },
    },
  })
  @ApiResponse({ status: 201, description: '{"receipt": SPEC §7 receipt}' })
  @ApiResponse({
    status: 400,
    description:
      'MALFORMED_JSON, REQUEST_INVALID (also for {"selections"}: use …/ballots/encrypt), BALLOT_INVALID, PROOF_INVALID, ENCODING_INVALID, CAST_SIGNATURE_MISSING, CAST_SIGNATURE_MALFORMED',
  })
  @ApiResponse({
    status: 401,
    description:
      'TOKEN_MISSING, TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_NOT_YET_VALID, TOKEN_AUDIENCE, TOKEN_CNF, CAST_SIGNATURE_INVALID',
  })
  @ApiResponse({
    status: 403,
    description:
      'ELECTION_NOT_OPEN, DISTRICT_MISMATCH, VOTER_MISMATCH, RECEIVED_OUTSIDE_WINDOW (on the board, never counted, no receipt)',
  })
  @ApiResponse({ status: 404, description: 'ELECTION_NOT_FOUND' })
  @ApiResponse({ status: 413, description: 'PAYLOAD_TOO_LARGE' })
  @ApiResponse({ status: 415, description: 'UNSUPPORTED_MEDIA_TYPE' })
  @ApiResponse({ status: 503, description: 'OVERLOADED, UNAVAILABLE (with Retry-After)' })
  submit(
    @Param('id') id: string,
    @Headers('authorization') authorization: string | undefined,
    @Headers('content-type') contentType: string | undefined,
    @Body() body: unknown,
  ) {
    requireJson(contentType);
    return this.ballots.submit(id, authorization, body);
  }

  @Post(':id/ballots/encrypt')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOperation({
    summary:
      'Edge mode, step 1: {"selections"} with the voting token as bearer → 200 {"ballot"}, encrypted and proved for the token\'s voter; nothing is written. The device then signs and casts it at …/ballots.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['selections'],
      additionalProperties: false,
      properties: {
        selections: {
          type: 'object',
          description: 'contestId → chosen optionIds',
          additionalProperties: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  })
  @ApiResponse({ status: 200, description: '{"ballot": SPEC §5 encrypted ballot}' })
  @ApiResponse({ status: 400, description: 'MALFORMED_JSON, REQUEST_INVALID, SELECTION_INVALID' })
  @ApiResponse({
    status: 401,
    description:
      'TOKEN_MISSING, TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_NOT_YET_VALID, TOKEN_AUDIENCE, TOKEN_CNF',
  })
  @ApiResponse({ status: 403, description: 'ELECTION_NOT_OPEN, ENCRYPTION_MODE_NOT_ALLOWED' })
  @ApiResponse({ status: 404, description: 'ELECTION_NOT_FOUND' })
  @ApiResponse({ status: 503, description: 'OVERLOADED, UNAVAILABLE (with Retry-After)' })
  encrypt(
    @Param('id') id: string,
    @Headers('authorization') authorization: string | undefined,
    @Headers('content-type') contentType: string | undefined,
    @Body() body: unknown,
  ) {
    requireJson(contentType);
    return this.ballots.encrypt(id, authorization, body);
  }
}
