// The ledger's signing key (SPEC §8 `ledgerSigners`), derived once from its configured seed.
import { Inject, Injectable } from '@nestjs/common';
import { base64url, fromHex, signingKeyFromSeed } from '@hanpyo/crypto';
import type { SigningKey } from '@hanpyo/crypto';
import type { Manifest } from '@hanpyo/contracts';
import { CONFIG } from './config.js';
import type { LedgerConfig } from './config.js';

@Injectable()
export class LedgerKey {
  readonly key: SigningKey;

  constructor(@Inject(CONFIG) config: LedgerConfig) {
    this.key = signingKeyFromSeed(
      config.HANPYO_LEDGER_KEY_ID,
      fromHex(config.HANPYO_LEDGER_KEY_SEED, 32),
    );
  }

  /** Why this key cannot sign the election's blocks, or undefined when the manifest lists it. */
  problemWith(manifest: Pick<Manifest, 'ledgerSigners'>): string | undefined {
    const listed = manifest.ledgerSigners.find((k) => k.keyId === this.key.keyId);
    if (!listed) return `the manifest lists no ledger signer '${this.key.keyId}'`;
    if (listed.publicKey !== base64url(this.key.publicKey)) {
      return `the manifest's ledger signer '${this.key.keyId}' has another public key`;
    }
    return undefined;
  }
}
