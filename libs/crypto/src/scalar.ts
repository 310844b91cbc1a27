// Scalars of ristretto255: integers mod ℓ, 32-byte little-endian, canonical (< ℓ) on decode.
import { base64url, fromBase64url } from './bytes.js';
import { CryptoError } from './errors.js';

/** A scalar mod ℓ, always in [0, ℓ). */
export type Scalar = bigint;

/** ℓ = 2^252 + 27742317777372353535851937790883648493, the prime order of ristretto255 (RFC 9496). */
export const L: bigint = (1n << 252n) + 27742317777372353535851937790883648493n;

/** x mod ℓ in [0, ℓ). */
export function mod(x: bigint): Scalar {
  const r = x % L;
  return r < 0n ? r + L : r;
}

/** Inverse mod ℓ (variable time: used only on public values such as Lagrange denominators). */
export function invert(x: Scalar): Scalar {
  let a = mod(x);
  if (a === 0n) throw new CryptoError('PARAMETER_INVALID', 'zero has no inverse');
  let b = L;
  let u = 1n;
  let v = 0n;
  while (a !== 0n) {
    const q = b / a;
    [a, b] = [b - q * a, a];
    [u, v] = [v - q * u, u];
  }
  return mod(v);
}

/** 32-byte little-endian encoding of a scalar. */
export function scalarToBytes(s: Scalar): Uint8Array {
  if (s < 0n || s >= L) throw new CryptoError('SCALAR_NONCANONICAL', 'scalar out of range');
  const hex = s.toString(16).padStart(64, '0');
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(62 - 2 * i, 64 - 2 * i), 16);
  return out;
}

function leToBigint(bytes: Uint8Array): bigint {
  let hex = '';
  for (let i = bytes.length - 1; i >= 0; i--) hex += bytes[i]!.toString(16).padStart(2, '0');
  return hex.length === 0 ? 0n : BigInt(`0x${hex}`);
}

/** Decodes 32 little-endian bytes; rejects values ≥ ℓ (SPEC §1). */
export function scalarFromBytes(bytes: Uint8Array): Scalar {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) {
    throw new CryptoError('LENGTH_INVALID', 'a scalar is 32 bytes');
  }
  const s = leToBigint(bytes);
  if (s >= L) throw new CryptoError('SCALAR_NONCANONICAL', 'non-canonical scalar (≥ ℓ)');
  return s;
}

/** Reduces a wide (64-byte) little-endian integer mod ℓ, as `Hs` does. */
export function scalarFromWideBytes(bytes: Uint8Array): Scalar {
  return mod(leToBigint(bytes));
}

/** Scalar as base64url text (SPEC §1 bytes in JSON). */
export function scalarToText(s: Scalar): string {
  return base64url(scalarToBytes(s));
}

/** Parses a base64url scalar; throws BASE64URL_INVALID, LENGTH_INVALID or SCALAR_NONCANONICAL. */
export function scalarFromText(text: string): Scalar {
  return scalarFromBytes(fromBase64url(text, 32));
}

/** Source of uniformly random scalars; injected so proofs are reproducible in tests (STYLE.md §5). */
export interface RandomSource {
  /** A uniform scalar in [0, ℓ). */
  scalar(): Scalar;
  /** Uniform random bytes. */
  bytes(n: number): Uint8Array;
}

// Scalars are drawn from a pooled buffer: one getRandomValues call per 64 scalars. Each pooled
// slice is zeroed as soon as it is read, so no nonce material lingers in the pool.
const pool = new Uint8Array(4096);
let poolOffset = pool.length;

/** The platform CSPRNG (Web Crypto `getRandomValues`, in Node and browsers). */
export const systemRandom: RandomSource = {
  scalar(): Scalar {
    if (poolOffset + 64 > pool.length) {
      globalThis.crypto.getRandomValues(pool);
      poolOffset = 0;
    }
    // 64 uniform bytes reduced mod ℓ: bias below 2^-250.
    const wide = pool.subarray(poolOffset, poolOffset + 64);
    const s = scalarFromWideBytes(wide);
    wide.fill(0);
    poolOffset += 64;
    return s;
  },
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    globalThis.crypto.getRandomValues(out);
    return out;
  },
};
