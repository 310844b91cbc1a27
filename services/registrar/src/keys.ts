// The registrar's signing key, derived once from its configured seed.
import { Inject, Injectable } from '@nestjs/common';
import { fromHex, signingKeyFromSeed } from '@hanpyo/crypto';
import type { SigningKey } from '@hanpyo/crypto';
import { CONFIG } from './config.js';
import type { RegistrarConfig } from './config.js';

@Injectable()
export class SigningKeys {
  readonly registrar: SigningKey;
  readonly nullifierSecret: Uint8Array;

  constructor(@Inject(CONFIG) config: RegistrarConfig) {
    this.registrar = signingKeyFromSeed(
      config.HANPYO_REGISTRAR_KEY_ID,
      fromHex(config.HANPYO_REGISTRAR_KEY_SEED, 32),
    );
    this.nullifierSecret = fromHex(config.HANPYO_REGISTRAR_NULLIFIER_SECRET, 32);
  }
}
