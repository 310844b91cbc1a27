// Ed25519 by Node's own OpenSSL instead of the pure-JS reference, for the two signature operations
// every ballot costs: verifying its token (injected into `verifyToken`; one KeyObject per issuer
// key, built once from the manifest's raw 32-byte key through a JWK) and signing its receipt.
// Ed25519 signing is deterministic (RFC 8032), so both implementations give identical signatures.
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { base64url } from '@hanpyo/crypto';
import type { SigningKey } from '@hanpyo/crypto';

/** Signs with `key` through OpenSSL; returns the 64-byte RFC 8032 signature. */
export function nativeSigner(key: SigningKey): (message: Uint8Array) => Uint8Array {
  const privateKey = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: base64url(key.seed), x: base64url(key.publicKey) },
    format: 'jwk',
  });
  return (message) => new Uint8Array(sign(null, message, privateKey));
}

/** Ed25519 verification with a cache of imported public keys. */
export class NativeEd25519 {
  private readonly keys = new Map<string, KeyObject>();

  /** `maxKeys` bounds the cache; issuer keys come from manifests, so it is never reached in use. */
  constructor(private readonly maxKeys = 1024) {}

  /** RFC 8032 verification; false (never a throw) for a malformed key or signature. */
  readonly verify = (
    publicKey: Uint8Array,
    message: Uint8Array,
    signature: Uint8Array,
  ): boolean => {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    try {
      return verify(null, message, this.key(publicKey), signature);
    } catch {
      return false;
    }
  };

  private key(publicKey: Uint8Array): KeyObject {
    const x = base64url(publicKey);
    let key = this.keys.get(x);
    if (!key) {
      key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
      if (this.keys.size >= this.maxKeys) this.keys.clear();
      this.keys.set(x, key);
    }
    return key;
  }
}
