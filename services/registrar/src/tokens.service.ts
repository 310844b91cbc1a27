// Voter tokens (SPEC §4): the nullifier is HMAC-SHA-256 of the voter's identity under the
// registrar's secret, stable per voter per election and unlinkable without the secret.
import { createHmac, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { base64url, signToken } from '@hanpyo/crypto';
import { ApiError, CLOCK } from '@hanpyo/service-kit';
import type { Clock } from '@hanpyo/service-kit';
import { CONFIG } from './config.js';
import type { RegistrarConfig } from './config.js';
import { ElectionsService } from './elections.service.js';
import { SigningKeys } from './keys.js';

/** One voter to issue a token for. */
export interface TokenRequest {
  readonly voterId: string;
  readonly districtId: string;
}

@Injectable()
export class TokensService {
  constructor(
    @Inject(CONFIG) private readonly config: RegistrarConfig,
    @Inject(ElectionsService) private readonly elections: ElectionsService,
    @Inject(SigningKeys) private readonly keys: SigningKeys,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Issues tokens for voters of `electionId`; the election must have its ceremony (ready or open). */
  async issue(electionId: string, voters: readonly TokenRequest[]): Promise<string[]> {
    const election = await this.elections.view(electionId);
    if (election.state !== 'ready' && election.state !== 'open') {
      throw new ApiError(
        'ELECTION_STATE',
        `election '${electionId}' is ${election.state}; tokens are issued once its ceremony is accepted and until it closes`,
      );
    }
    const districts = new Set(election.manifest.districts.map((d) => d.districtId));
    const now = Math.floor(this.clock.now().getTime() / 1000);
    return voters.map((v, i) => {
      if (typeof v.voterId !== 'string' || v.voterId.length === 0 || v.voterId.length > 256) {
        throw new ApiError('REQUEST_INVALID', `voters[${i}].voterId must be 1–256 characters`);
      }
      if (!districts.has(v.districtId))
        throw new ApiError(
          'REQUEST_INVALID',
          `voters[${i}].districtId is not a district of '${electionId}'`,
        );
      const nullifier = createHmac('sha256', this.keys.nullifierSecret)
        .update(`${electionId}\u0000${v.voterId}`)
        .digest();
      return signToken(
        {
          iss: this.config.HANPYO_TOKEN_ISSUER,
          aud: electionId,
          sub: base64url(nullifier),
          dst: v.districtId,
          nbf: now,
          exp: now + this.config.HANPYO_TOKEN_TTL_SECONDS,
          jti: base64url(randomBytes(16)),
        },
        this.keys.registrar,
      );
    });
  }
}
