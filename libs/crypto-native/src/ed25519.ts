// Ed25519 signing for the signature every ballot costs the edge (its receipt, SPEC §7) and every
// device of `hanpyo cast`: by the addon's libsodium (crypto_sign_ed25519_detached, constant-time in
// the key; ~24 µs on the 2-core machine) when the addon is built and signs RFC 8032 §7.1's vectors
// exactly, else by Node's OpenSSL (~60 µs, and OpenSSL 3's per-call key lookups on top). Ed25519
// signing is deterministic (RFC 8032), so every implementation gives identical signatures.
//
// Verification is not here: it is @hanpyo/crypto's verifySignature, whose rule the addon's
// implementation takes over once it passes signature-cases.ts (initFastestBackend). OpenSSL's
// verification is not used: it checks the cofactorless equation, which is not that rule.
import { createPrivateKey, sign } from 'node:crypto';
import { base64url, bytesEqual, fromHex, signingKeyFromSeed } from '@hanpyo/crypto';
import type { SigningKey } from '@hanpyo/crypto';
import { loadAddon } from './addon.js';
import type { Addon } from './addon.js';
import { SIGNATURE_CASES, caseBytes } from './signature-cases.js';

/** The addon, if it loads and signs the RFC 8032 vectors of SIGNATURE_CASES exactly. */
let signing: Addon | null | undefined;

function signingAddon(): Addon | undefined {
  if (signing === undefined) {
    try {
      const addon = loadAddon();
      const good = SIGNATURE_CASES.filter((c) => c.seed !== undefined).every((c) => {
        const { message, signature } = caseBytes(c);
        const secretKey = addon.ed25519SecretKey(fromHex(c.seed!, 32));
        return bytesEqual(addon.ed25519Sign(secretKey, message), signature);
      });
      signing = good ? addon : null;
    } catch {
      signing = null;
    }
  }
  return signing ?? undefined;
}

/** What nativeSigner signs with in this process. */
export function signerImplementation(): 'libsodium' | 'openssl' {
  return signingAddon() ? 'libsodium' : 'openssl';
}

/**
 * libsodium's signing as @hanpyo/crypto's `sign` (useEd25519Sign), once the addon signs RFC 8032's
 * vectors exactly; undefined otherwise. Each key's 64-byte libsodium secret key is derived once.
 */
export function nativeSign(): ((key: SigningKey, message: Uint8Array) => Uint8Array) | undefined {
  const addon = signingAddon();
  if (!addon) return undefined;
  const secretKeys = new WeakMap<SigningKey, Uint8Array>();
  return (key, message) => {
    let secretKey = secretKeys.get(key);
    if (!secretKey) {
      secretKey = addon.ed25519SecretKey(key.seed);
      secretKeys.set(key, secretKey);
    }
    return addon.ed25519Sign(secretKey, message);
  };
}

/**
 * The key pair of a 32-byte seed, its public key derived by libsodium (~20 µs) when the addon is
 * there, else by noble (`signingKeyFromSeed`): the same bytes, for processes that make many keys
 * (device keys of `hanpyo tokens` and `hanpyo loadgen prepare`).
 */
export function nativeSigningKey(keyId: string, seed: Uint8Array): SigningKey {
  const addon = signingAddon();
  if (!addon || seed.length !== 32) return signingKeyFromSeed(keyId, seed);
  return { keyId, seed, publicKey: addon.ed25519SecretKey(seed).slice(32) };
}

/** Signs with `key` (libsodium, else OpenSSL); returns the 64-byte RFC 8032 signature. */
export function nativeSigner(key: SigningKey): (message: Uint8Array) => Uint8Array {
  const addon = signingAddon();
  if (addon) {
    const secretKey = addon.ed25519SecretKey(key.seed);
    return (message) => addon.ed25519Sign(secretKey, message);
  }
  return opensslSigner(key);
}

/** nativeSigner's fallback when the addon is not built: Node's OpenSSL. */
export function opensslSigner(key: SigningKey): (message: Uint8Array) => Uint8Array {
  const privateKey = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: base64url(key.seed), x: base64url(key.publicKey) },
    format: 'jwk',
  });
  return (message) => new Uint8Array(sign(null, message, privateKey));
}
