// The observer's witness key (SPEC §8 `witnesses`), derived once from its configured seed.
import { Inject, Injectable } from '@nestjs/common';
import { base64url, fromHex, signingKeyFromSeed } from '@hanpyo/crypto';
import type { SigningKey } from '@hanpyo/crypto';
import type { Manifest } from '@hanpyo/contracts';
import { CONFIG } from './config.js';
import type { ObserverConfig } from './config.js';

@Injectable()
export class WitnessKey {
  readonly key: SigningKey;

  constructor(@Inject(CONFIG) config: ObserverConfig) {
    this.key = signingKeyFromSeed(
      config.HANPYO_OBSERVER_KEY_ID,
      fromHex(config.HANPYO_OBSERVER_KEY_SEED, 32),
    );
  }

  /** Why this key cannot cosign the election's blocks, or undefined when the manifest lists it. */
  problemWith(manifest: Pick<Manifest, 'witnesses'>): string | undefined {
    const listed = manifest.witnesses.find((k) => k.keyId === this.key.keyId);
    if (!listed) return `the manifest lists no witness '${this.key.keyId}'`;
    if (listed.publicKey !== base64url(this.key.publicKey)) {
      return `the manifest's witness '${this.key.keyId}' has another public key`;
    }
    return undefined;
  }
}
