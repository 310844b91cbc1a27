// SPEC §5 cast: the device signs every ballot it casts with the token's `cnf` key, over
// H("hanpyo/1/cast", electionId, trackingCode) with the tracking code as its 32 raw bytes. The
// signature travels on the board beside the token (SPEC §6 rule 3), so the record alone proves who
// cast each ballot.
import { fromHex } from './bytes.js';
import { H } from './hash.js';
import { sign, signatureFromText, signatureToText, verifySignature } from './signature.js';
import type { SigningKey } from './signature.js';

/** The 32 bytes a cast signature covers. */
export function castDigest(electionId: string, trackingCode: string): Uint8Array {
  return H('hanpyo/1/cast', electionId, fromHex(trackingCode, 32));
}

/** The device's cast signature (base64url of 64 bytes). */
export function signCast(device: SigningKey, electionId: string, trackingCode: string): string {
  return signatureToText(sign(device, castDigest(electionId, trackingCode)));
}

/** Why a cast signature was refused; stable codes (docs/errors.md). */
export type CastSignatureProblem =
  'CAST_SIGNATURE_MISSING' | 'CAST_SIGNATURE_MALFORMED' | 'CAST_SIGNATURE_INVALID';

/**
 * Checks a cast signature under the device key (32 raw bytes, already checked by the token's
 * `cnf` rule); undefined when it verifies, else the problem. Never throws on bad input.
 * `verify` is injectable so a Node process can use its native Ed25519 (the same RFC 8032 rules).
 */
export function castSignatureProblem(
  castSignature: unknown,
  deviceKey: Uint8Array,
  electionId: string,
  trackingCode: string,
  verify: (
    publicKey: Uint8Array,
    message: Uint8Array,
    signature: Uint8Array,
  ) => boolean = verifySignature,
): CastSignatureProblem | undefined {
  if (castSignature === undefined || castSignature === null) return 'CAST_SIGNATURE_MISSING';
  if (typeof castSignature !== 'string') return 'CAST_SIGNATURE_MALFORMED';
  let signature: Uint8Array;
  try {
    signature = signatureFromText(castSignature);
  } catch {
    return 'CAST_SIGNATURE_MALFORMED';
  }
  return verify(deviceKey, castDigest(electionId, trackingCode), signature)
    ? undefined
    : 'CAST_SIGNATURE_INVALID';
}
