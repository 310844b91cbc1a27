// SPEC §1: `enc`, `H` and `Hs`. Every hash is tagged; every tag starts with `hanpyo/1/`.
import { sha256 as nobleSha256, sha512 as nobleSha512 } from '@noble/hashes/sha2.js';
import { utf8 } from './bytes.js';
import { CryptoError } from './errors.js';
import { scalarFromWideBytes } from './scalar.js';
import type { Scalar } from './scalar.js';

/**
 * The SHA-2 functions behind `H`, `Hs`, tracking codes and manifest hashes. @noble/hashes is the
 * default (pure JS, runs anywhere); a Node process may install node:crypto's (OpenSSL), which is
 * 4–5× faster on a ballot-sized input (@hanpyo/crypto-native `initFastestBackend` does). SHA-2 is
 * a fixed function, so every implementation gives the same bytes; @hanpyo/crypto-native's
 * differential tests check that before it is installed anywhere.
 */
export interface HashFunctions {
  readonly name: string;
  sha256(data: Uint8Array): Uint8Array;
  sha512(data: Uint8Array): Uint8Array;
}

/** @noble/hashes' SHA-256 and SHA-512, the reference. */
export const nobleHashes: HashFunctions = {
  name: 'noble',
  sha256: (data) => nobleSha256(data),
  sha512: (data) => nobleSha512(data),
};

let hashes: HashFunctions = nobleHashes;

/** The SHA-2 functions in use. */
export function hashFunctions(): HashFunctions {
  return hashes;
}

/** Makes `functions` the SHA-2 of every hash of this library (see HashFunctions). */
export function useHashFunctions(functions: HashFunctions): void {
  hashes = functions;
}

/** SHA-256 of `data` with the functions in use. */
export function sha256(data: Uint8Array): Uint8Array {
  return hashes.sha256(data);
}

/** One hash input: bytes as they are, text as UTF-8, an integer as u64be (SPEC §1 `enc`). */
export type HashPart = Uint8Array | string | number | bigint;

const TAG_PREFIX = 'hanpyo/1/';
const U64_MAX = (1n << 64n) - 1n;

function encPart(part: HashPart): Uint8Array {
  let body: Uint8Array;
  if (part instanceof Uint8Array) body = part;
  else if (typeof part === 'string') body = utf8(part);
  else {
    if (typeof part === 'number' && !Number.isSafeInteger(part)) {
      throw new CryptoError('INTEGER_INVALID', 'hash integer must be a safe integer');
    }
    const n = BigInt(part);
    if (n < 0n || n > U64_MAX) {
      throw new CryptoError('INTEGER_INVALID', 'hash integer out of u64 range');
    }
    body = new Uint8Array(8);
    new DataView(body.buffer).setBigUint64(0, n, false);
  }
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length, false);
  out.set(body, 4);
  return out;
}

/** `enc(tag) ‖ enc(part₁) ‖ …`, the framed input of both hashes. */
export function frame(tag: string, parts: readonly HashPart[]): Uint8Array {
  if (!tag.startsWith(TAG_PREFIX))
    throw new CryptoError('PARAMETER_INVALID', `hash tag must start with ${TAG_PREFIX}`);
  const encoded = [encPart(tag), ...parts.map(encPart)];
  let n = 0;
  for (const e of encoded) n += e.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const e of encoded) {
    out.set(e, o);
    o += e.length;
  }
  return out;
}

/** `H(tag, parts…) = SHA-256(enc(tag) ‖ enc(part₁) ‖ …)`, 32 bytes. */
export function H(tag: string, ...parts: HashPart[]): Uint8Array {
  return hashes.sha256(frame(tag, parts));
}

/** `Hs(tag, parts…)`: SHA-512 of the same framing, as a little-endian integer mod ℓ. */
export function Hs(tag: string, ...parts: HashPart[]): Scalar {
  return scalarFromWideBytes(hashes.sha512(frame(tag, parts)));
}
