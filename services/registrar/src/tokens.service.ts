// Voter tokens (SPEC §4, revision 2): only for a voter of the committed roll, in their own district,
// bound to the Ed25519 key their device generated (`cnf`). The nullifier is HMAC-SHA-256 of the
// voter's identity under the registrar's secret, stable per voter per election and unlinkable
// without the secret; since the roll holds each voter in one district, one nullifier never gets
// two `dst`. A voter may get several tokens (a new device, an expired token).
import { createHmac, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { voterId as voterIdSchema } from '@hanpyo/contracts';
import {
  base64url,
  confirmationClaim,
  fromBase64url,
  isEd25519PublicKey,
  signToken,
} from '@hanpyo/crypto';
import { ApiError, CLOCK } from '@hanpyo/service-kit';
import type { Clock } from '@hanpyo/service-kit';
import { CONFIG } from './config.js';
import type { RegistrarConfig } from './config.js';
import { ElectionsService } from './elections.service.js';
import { SigningKeys } from './keys.js';
import { RollService } from './roll.service.js';

/** One voter to issue a token for, with the device's public key. */
export interface TokenRequest {
  readonly voterId: string;
  readonly districtId: string;
  /** base64url of the device's 32-byte Ed25519 public key. */
  readonly voterKey: string;
}

@Injectable()
export class TokensService {
  constructor(
    @Inject(CONFIG) private readonly config: RegistrarConfig,
    @Inject(ElectionsService) private readonly elections: ElectionsService,
    @Inject(RollService) private readonly roll: RollService,
    @Inject(SigningKeys) private readonly keys: SigningKeys,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Issues one token per request, or none at all: every request is checked first (shape, device
   * key, the roll), and the first refusal names its index.
   */
  async issue(electionId: string, requests: readonly unknown[]): Promise<string[]> {
    const election = await this.elections.view(electionId);
    if (election.state !== 'ready' && election.state !== 'open') {
      throw new ApiError(
        'ELECTION_STATE',
        `election '${electionId}' is ${election.state}; tokens are issued once its ceremony is accepted and until it closes`,
      );
    }
    const checked = requests.map((r, i) => checkRequest(r, i));
    const onRoll = await this.roll.lookUp(
      electionId,
      checked.map((c) => c.voterId),
    );
    checked.forEach((c, i) => {
      const entry = onRoll.get(c.voterId);
      if (!entry)
        throw new ApiError(
          'VOTER_NOT_ON_ROLL',
          `voters[${i}]: not on the electoral roll of '${electionId}'`,
        );
      if (entry.districtId !== c.districtId)
        throw new ApiError(
          'VOTER_WRONG_DISTRICT',
          `voters[${i}]: the roll places this voter in another district`,
        );
    });
    const now = Math.floor(this.clock.now().getTime() / 1000);
    return checked.map((c) => {
      const nullifier = createHmac('sha256', this.keys.nullifierSecret)
        .update(`${electionId}\u0000${c.voterId}`)
        .digest();
      return signToken(
        {
          iss: this.config.HANPYO_TOKEN_ISSUER,
          aud: electionId,
          sub: base64url(nullifier),
          dst: c.districtId,
          nbf: now,
          exp: now + this.config.HANPYO_TOKEN_TTL_SECONDS,
          jti: base64url(randomBytes(16)),
          cnf: confirmationClaim(c.deviceKey),
        },
        this.keys.registrar,
      );
    });
  }
}

/** One request's shape and device key (SPEC §4: 32 bytes, canonical, not of small order). */
function checkRequest(
  value: unknown,
  i: number,
): { voterId: string; districtId: string; deviceKey: Uint8Array } {
  const r = value as Partial<Record<keyof TokenRequest, unknown>> | null;
  if (typeof r !== 'object' || r === null || !voterIdSchema.safeParse(r.voterId).success)
    throw new ApiError(
      'REQUEST_INVALID',
      `voters[${i}].voterId must be 1–256 printable characters`,
    );
  if (typeof r.districtId !== 'string' || r.districtId.length === 0)
    throw new ApiError('REQUEST_INVALID', `voters[${i}].districtId must be a district id`);
  let deviceKey: Uint8Array;
  try {
    if (typeof r.voterKey !== 'string') throw new Error('not a string');
    deviceKey = fromBase64url(r.voterKey, 32);
  } catch {
    throw new ApiError(
      'VOTER_KEY_INVALID',
      `voters[${i}].voterKey must be the device's Ed25519 public key: 32 bytes of canonical base64url`,
    );
  }
  if (!isEd25519PublicKey(deviceKey))
    throw new ApiError(
      'VOTER_KEY_INVALID',
      `voters[${i}].voterKey is not a canonical Ed25519 public key of large order`,
    );
  return { voterId: r.voterId as string, districtId: r.districtId, deviceKey };
}
