// Ed25519 (RFC 8032) signatures of receipts (SPEC §7) and blocks (SPEC §8).
import { ed25519 } from '@noble/curves/ed25519.js';
import { base64url, fromBase64url, toHex } from './bytes.js';
import { CryptoError } from './errors.js';

/** An Ed25519 key pair from a 32-byte seed (the RFC 8032 secret key). */
export interface SigningKey {
  readonly keyId: string;
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** Derives the key pair of a 32-byte seed. */
export function signingKeyFromSeed(keyId: string, seed: Uint8Array): SigningKey {
  if (seed.length !== 32) throw new CryptoError('LENGTH_INVALID', 'an Ed25519 seed is 32 bytes');
  return { keyId, seed, publicKey: ed25519.getPublicKey(seed) };
}

/** A fresh random key pair. */
export function generateSigningKey(keyId: string): SigningKey {
  return signingKeyFromSeed(keyId, ed25519.utils.randomSecretKey());
}

/** RFC 8032 Ed25519 signing by @noble/curves (constant-time in the key): the reference. */
export function nobleSign(key: SigningKey, message: Uint8Array): Uint8Array {
  return ed25519.sign(message, key.seed);
}

/** The implementation of sign in use: noble's unless a service installs another. */
let signImpl: (key: SigningKey, message: Uint8Array) => Uint8Array = nobleSign;

/**
 * Makes `implementation` the signer of `sign` (the native backend installs libsodium's,
 * @hanpyo/crypto-native, after it signs RFC 8032's vectors exactly). Ed25519 signing is
 * deterministic, so it must give nobleSign's bytes on every input, and be constant-time in the key.
 */
export function useEd25519Sign(
  implementation: (key: SigningKey, message: Uint8Array) => Uint8Array,
): void {
  signImpl = implementation;
}

/** Ed25519 signature (64 bytes) of `message`. */
export function sign(key: SigningKey, message: Uint8Array): Uint8Array {
  return signImpl(key, message);
}

/**
 * The rule of every Ed25519 verification in Hanpyo (tokens, cast signatures, receipts, blocks,
 * cosignatures), by @noble/curves' strict verify (`zip215: false`): `S < ℓ`; `A` and `R` decode
 * strictly (`y < p`, no `x = 0` with the sign bit set); `A` is not of small order; and the
 * cofactored equation `8·S·B = 8·R + 8·k·A` holds, `k = SHA-512(R ‖ A ‖ M) mod ℓ`. RFC 8032
 * §5.1.7 allows the cofactored or the cofactorless equation, and they differ on signatures made
 * with a torsion component in `A` or `R` (docs/spec-notes.md), so every service, command and
 * verifier must use this one. Never throws on malformed input.
 */
export function nobleVerifySignature(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/** The implementation of verifySignature's rule in use: noble's unless a service installs another. */
let verifyImpl: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean =
  nobleVerifySignature;

/**
 * Makes `verify` the implementation of verifySignature's rule (the native backend installs its
 * own, @hanpyo/crypto-native, after checking it on the rule's edge cases). It must give
 * nobleVerifySignature's answer on every input.
 */
export function useEd25519Verify(
  verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean,
): void {
  verifyImpl = verify;
}

/** Verifies an Ed25519 signature by nobleVerifySignature's rule, with the implementation in use. */
export function verifySignature(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  return verifyImpl(publicKey, message, signature);
}

/**
 * SPEC §4's device-key rule on 32 bytes, by @noble/curves: strict decoding (zip215 = false) refuses
 * y ≥ p and x = 0 with the sign bit set, so the encoding is canonical exactly when it decodes; then
 * the point must not be of small order.
 */
export function nobleEd25519KeyCheck(publicKey: Uint8Array): boolean {
  if (publicKey.length !== 32) return false;
  try {
    return !ed25519.Point.fromBytes(publicKey, false).isSmallOrder();
  } catch {
    return false;
  }
}

/**
 * The encodings of Ed25519's 8 points of small order, with the other spellings of two of them
 * (sign bit set): inputs every implementation of the device-key rule must refuse (its tests and
 * the native check's self-check use them).
 */
export const ED25519_SMALL_ORDER: readonly string[] = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
];

/** The implementation of the device-key rule in use: noble's unless a service installs another. */
let keyCheck: (publicKey: Uint8Array) => boolean = nobleEd25519KeyCheck;

/**
 * Makes `check` the implementation of isEd25519PublicKey's rule (the native backend installs its
 * own, @hanpyo/crypto-native, after checking it against noble's on the rule's edge cases). It must
 * give noble's answer on every input; the remembered answers are forgotten.
 */
export function useEd25519KeyCheck(check: (publicKey: Uint8Array) => boolean): void {
  keyCheck = check;
  deviceKeys.clear();
}

/**
 * True iff `publicKey` is an Ed25519 public key SPEC §4 accepts as a device key: 32 bytes, the
 * canonical encoding of a curve point (y < p, no x = 0 with the sign bit set), not of small order
 * (so no signature under it can verify for every message).
 */
export function isEd25519PublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== 32) return false;
  // A device key comes with every request of its voter (edge mode: two per vote), and decoding it
  // in noble is a square root in BigInt arithmetic; the answer is a pure function of the 32 bytes.
  const hex = toHex(publicKey);
  const known = deviceKeys.get(hex);
  if (known !== undefined) return known;
  const valid = keyCheck(publicKey);
  if (deviceKeys.size >= DEVICE_KEYS_REMEMBERED) deviceKeys.delete(deviceKeys.keys().next().value!);
  deviceKeys.set(hex, valid);
  return valid;
}

/** Public keys already judged by isEd25519PublicKey (bounded; the oldest forgotten first). */
const DEVICE_KEYS_REMEMBERED = 65_536;
const deviceKeys = new Map<string, boolean>();

/** Signature as base64url (SPEC §1). */
export function signatureToText(signature: Uint8Array): string {
  return base64url(signature);
}

/** Parses a base64url Ed25519 signature (64 bytes). */
export function signatureFromText(text: string): Uint8Array {
  return fromBase64url(text, 64);
}
