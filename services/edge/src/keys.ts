// The edge's receipt key (SPEC §7), derived once from its configured seed, and the process's group
// backend: the fastest available (native libsodium, else WASM), chosen once at boot.
import { Inject, Injectable } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import type { Receipt, SignerKey, UnsignedReceipt } from '@hanpyo/contracts';
import {
  base64url,
  fromHex,
  receiptDigest,
  signatureToText,
  signingKeyFromSeed,
} from '@hanpyo/crypto';
import type { SigningKey } from '@hanpyo/crypto';
import { initFastestBackend } from '@hanpyo/crypto-native';
import { JsonLogger } from '@hanpyo/service-kit';
import { CONFIG } from './config.js';
import type { EdgeConfig } from './config.js';
import { nativeSigner } from '@hanpyo/crypto-native';

@Injectable()
export class EdgeKeys implements OnModuleInit {
  readonly receipt: SigningKey;
  private readonly publicKey: string;
  private readonly sign: (message: Uint8Array) => Uint8Array;

  constructor(
    @Inject(CONFIG) config: EdgeConfig,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {
    this.receipt = signingKeyFromSeed(
      config.HANPYO_EDGE_KEY_ID,
      fromHex(config.HANPYO_EDGE_KEY_SEED, 32),
    );
    this.publicKey = base64url(this.receipt.publicKey);
    this.sign = nativeSigner(this.receipt);
  }

  /**
   * SPEC §7: the receipt with its signature over `H("hanpyo/1/receipt", JCS(receipt without
   * signature))` — `signReceipt`'s construction, signed natively (byte-identical, unit-tested).
   */
  signReceipt(receipt: Omit<UnsignedReceipt, 'keyId'>): Receipt {
    const unsigned: UnsignedReceipt = { ...receipt, keyId: this.receipt.keyId };
    return { ...unsigned, signature: signatureToText(this.sign(receiptDigest(unsigned))) };
  }

  async onModuleInit(): Promise<void> {
    const backend = await initFastestBackend();
    this.logger.info('group backend ready', { backend: backend.name });
  }

  /** True when the manifest lists this edge's receipt key, so voters can verify its receipts. */
  listedIn(edgeSigners: readonly SignerKey[]): boolean {
    return edgeSigners.some(
      (k) => k.keyId === this.receipt.keyId && k.publicKey === this.publicKey,
    );
  }
}
