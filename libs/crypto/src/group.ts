// The ristretto255 group (RFC 9496) behind one small interface, with two backends:
// `noble` (@noble/curves, the audited reference) and `sodium` (libsodium's ristretto255 compiled to
// WASM, much faster). Points travel as their canonical 32-byte encodings, which is what the protocol
// hashes and publishes anyway. docs/crypto.md records the measurements and the constant-time notes.
import { ristretto255 } from '@noble/curves/ed25519.js';
import { base64url, fromBase64url } from './bytes.js';
import { CryptoError } from './errors.js';
import { L, scalarToBytes } from './scalar.js';
import type { Scalar } from './scalar.js';

/** A group element as its canonical 32-byte ristretto255 encoding. */
export type Point = Uint8Array;

/** A point prepared for many multiplications (a precomputed table where the backend has one). */
export interface PreparedPoint {
  readonly point: Point;
  /** `k·P`. Constant-time in `k` for both backends. */
  mul(k: Scalar): Point;
}

/** How many bases `linearCombinationsVartime` takes at least, on every backend that has it. */
export const VARTIME_MAX_BASES = 64;

/** A base of a variable-time combination: a point, or a point `prepare`d for many uses (K). */
export type CombinationBase = Point | PreparedPoint;

/** Group operations; inputs are valid encodings (checked by `decodePoint`). */
export interface GroupBackend {
  readonly name: 'noble' | 'sodium' | 'native';
  /** True iff `bytes` is the canonical encoding of a group element (the identity included). */
  isValid(bytes: Uint8Array): boolean;
  /** `k·G`, constant-time in `k`. */
  mulBase(k: Scalar): Point;
  /** `k·P`, constant-time in `k`. */
  mul(k: Scalar, p: Point): Point;
  add(p: Point, q: Point): Point;
  sub(p: Point, q: Point): Point;
  prepare(p: Point): PreparedPoint;
  /**
   * VARIABLE TIME, PUBLIC INPUTS ONLY: for each row, `Σ_j row[j]·bases[j]` (one scalar in [0, ℓ)
   * per base; up to `VARTIME_MAX_BASES` bases and 4096 rows). Its running time depends on the
   * scalars and points, so it may only see what is published anyway (proofs, ciphertexts, keys,
   * when verifying); never a nonce, a key share or a plaintext. Optional: backends without it
   * (noble, sodium) verify with the constant-time calls above.
   */
  linearCombinationsVartime?(
    bases: readonly CombinationBase[],
    rows: readonly (readonly Scalar[])[],
  ): Point[];
  /**
   * `Σ points`, the identity for none; identity encodings are allowed. Each point is decoded once
   * and the sum encoded once, where pairwise `add`s decode and encode at every step. A
   * non-canonical encoding throws POINT_INVALID, anything but a 32-byte Uint8Array a TypeError.
   * Optional: `sumPoints` does it over noble's arithmetic for a backend without it.
   */
  sum?(points: readonly Point[]): Point;
}

/** The identity element's encoding (all zero bytes). */
export const IDENTITY: Point = new Uint8Array(32);

type NoblePoint = InstanceType<typeof ristretto255.Point>;
const NP = ristretto255.Point;

function nobleMul(p: NoblePoint, k: Scalar): NoblePoint {
  // noble's constant-time multiply rejects 0; 0·P is the identity.
  return k === 0n ? NP.ZERO : p.multiply(k);
}

/** The @noble/curves reference backend. */
export const nobleBackend: GroupBackend = {
  name: 'noble',
  isValid(bytes) {
    if (!(bytes instanceof Uint8Array) || bytes.length !== 32) return false;
    try {
      NP.fromBytes(bytes);
      return true;
    } catch {
      return false;
    }
  },
  mulBase: (k) => nobleMul(NP.BASE, k).toBytes(),
  mul: (k, p) => nobleMul(NP.fromBytes(p), k).toBytes(),
  add: (p, q) => NP.fromBytes(p).add(NP.fromBytes(q)).toBytes(),
  sub: (p, q) => NP.fromBytes(p).subtract(NP.fromBytes(q)).toBytes(),
  prepare(p) {
    // An 8-bit window table: 32 additions per multiplication instead of ~252 doublings.
    const point = NP.fromBytes(p);
    point.precompute(8, false);
    return { point: p, mul: (k) => nobleMul(point, k).toBytes() };
  },
};

/** `p` itself if it is a 32-byte Uint8Array (what `sum` takes), else a TypeError. */
function pointBytes(p: Point): Point {
  if (!(p instanceof Uint8Array) || p.length !== 32) {
    throw new TypeError('points must be 32-byte Uint8Arrays');
  }
  return p;
}

/** The raw libsodium module functions the sodium backend calls (no per-call allocation). */
interface SodiumModule {
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _crypto_core_ristretto255_is_valid_point(p: number): number;
  _crypto_core_ristretto255_add(r: number, p: number, q: number): number;
  _crypto_core_ristretto255_sub(r: number, p: number, q: number): number;
  _crypto_scalarmult_ristretto255(q: number, n: number, p: number): number;
  _crypto_scalarmult_ristretto255_base(q: number, n: number): number;
}

function makeSodiumBackend(m: SodiumModule): GroupBackend {
  // One scratch area in WASM memory: three 32-byte slots. HEAPU8 is re-read on every call because
  // the view is replaced when WASM memory grows.
  const base = m._malloc(96);
  const A = base;
  const B = base + 32;
  const R = base + 64;
  const put = (at: number, bytes: Uint8Array) => m.HEAPU8.set(bytes, at);
  const take = (rc: number): Point =>
    // -1 from a multiplication means "the result is the identity" (inputs are pre-validated).
    rc === 0 ? m.HEAPU8.slice(R, R + 32) : new Uint8Array(32);
  const checked = (rc: number): Point => {
    // Never hand back a stale slot: an add/sub fails only on an invalid encoding.
    if (rc !== 0) throw new CryptoError('POINT_INVALID', 'not a canonical ristretto255 encoding');
    return m.HEAPU8.slice(R, R + 32);
  };
  const backend: GroupBackend = {
    name: 'sodium',
    isValid(bytes) {
      if (!(bytes instanceof Uint8Array) || bytes.length !== 32) return false;
      put(A, bytes);
      return m._crypto_core_ristretto255_is_valid_point(A) === 1;
    },
    mulBase(k) {
      put(A, scalarToBytes(k));
      return take(m._crypto_scalarmult_ristretto255_base(R, A));
    },
    mul(k, p) {
      put(A, scalarToBytes(k));
      put(B, p);
      const rc = m._crypto_scalarmult_ristretto255(R, A, B);
      // -1 is either an identity result or an invalid input: tell them apart on this rare path.
      if (rc !== 0 && m._crypto_core_ristretto255_is_valid_point(B) !== 1) {
        throw new CryptoError('POINT_INVALID', 'not a canonical ristretto255 encoding');
      }
      return take(rc);
    },
    add(p, q) {
      put(A, p);
      put(B, q);
      return checked(m._crypto_core_ristretto255_add(R, A, B));
    },
    sub(p, q) {
      put(A, p);
      put(B, q);
      return checked(m._crypto_core_ristretto255_sub(R, A, B));
    },
    prepare(p) {
      return { point: p, mul: (k) => backend.mul(k, p) };
    },
    sum(points) {
      // libsodium.js has no many-point sum: pairwise adds into the accumulator in place (libsodium
      // decodes both operands before writing the result), one copy out at the end. Still faster
      // than decoding with noble.
      m.HEAPU8.fill(0, A, A + 32);
      for (const p of points) {
        put(B, pointBytes(p));
        if (m._crypto_core_ristretto255_add(A, A, B) !== 0) {
          throw new CryptoError('POINT_INVALID', 'not a canonical ristretto255 encoding');
        }
      }
      return m.HEAPU8.slice(A, A + 32);
    },
  };
  return backend;
}

let active: GroupBackend = nobleBackend;
let sodiumBackend: GroupBackend | undefined;

/** The backend in use (noble until `initCrypto` switches to sodium). */
export function group(): GroupBackend {
  return active;
}

/**
 * Loads the fast backend (libsodium WASM) and makes it the active one. Call once at start-up;
 * `{ backend: 'noble' }` keeps the reference backend.
 */
export async function initCrypto(
  options: { backend?: 'sodium' | 'noble' } = {},
): Promise<GroupBackend> {
  if (options.backend === 'noble') {
    active = nobleBackend;
    return active;
  }
  active = await loadSodiumBackend();
  return active;
}

/** Loads the sodium backend without activating it (for differential tests and benchmarks). */
export async function loadSodiumBackend(): Promise<GroupBackend> {
  if (sodiumBackend) return sodiumBackend;
  const mod = (await import('libsodium-wrappers-sumo')) as unknown as {
    default: { ready: Promise<void>; libsodium: SodiumModule };
  };
  await mod.default.ready;
  sodiumBackend = makeSodiumBackend(mod.default.libsodium);
  return sodiumBackend;
}

/**
 * Makes an externally provided backend active (e.g. the native one from @hanpyo/crypto-native,
 * which only Node processes can load). It must pass the same differential tests as sodium.
 */
export function useBackend(backend: GroupBackend): void {
  active = backend;
}

/** Runs `f` with `backend` active (tests and benchmarks). */
export function withBackend<T>(backend: GroupBackend, f: () => T): T {
  const previous = active;
  active = backend;
  try {
    return f();
  } finally {
    active = previous;
  }
}

/**
 * Decodes a point from its 32 bytes: rejects wrong lengths and non-canonical encodings, and the
 * identity unless `allowIdentity`.
 */
export function decodePoint(bytes: Uint8Array, options: { allowIdentity?: boolean } = {}): Point {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) {
    throw new CryptoError('LENGTH_INVALID', 'a point is 32 bytes');
  }
  if (!active.isValid(bytes))
    throw new CryptoError('POINT_INVALID', 'not a canonical ristretto255 encoding');
  if (!options.allowIdentity && isIdentity(bytes)) {
    throw new CryptoError('POINT_IDENTITY', 'the identity is not allowed here');
  }
  return bytes;
}

/** Parses a base64url point (SPEC §1), rejecting non-canonical text and encodings. */
export function pointFromText(text: string, options: { allowIdentity?: boolean } = {}): Point {
  return decodePoint(fromBase64url(text, 32), options);
}

/** A point as base64url text. */
export function pointToText(p: Point): string {
  return base64url(p);
}

/** True for the identity's encoding. */
export function isIdentity(p: Point): boolean {
  let d = 0;
  for (let i = 0; i < 32; i++) d |= p[i]!;
  return d === 0;
}

/**
 * `a + b` where either may be the identity (an empty sum), which not every backend takes as an
 * operand. The one point sum every aggregate uses (SPEC §9).
 */
export function addPoints(a: Point, b: Point): Point {
  if (isIdentity(a)) return b;
  if (isIdentity(b)) return a;
  return active.add(a, b);
}

/**
 * `Σ points` (the identity for an empty list; identity encodings allowed, as `addPoints` allows
 * them): the backend's `sum` when it has one, else each point decoded once with noble, added in
 * its extended coordinates and the sum encoded once, which beats pairwise `addPoints` on noble
 * too. SPEC §9's aggregates fold their ballots' α and β with it. A non-canonical encoding throws
 * POINT_INVALID, anything but a 32-byte Uint8Array a TypeError.
 */
export function sumPoints(points: readonly Point[]): Point {
  if (active.sum) return active.sum(points);
  let sum = NP.ZERO;
  for (const p of points) {
    if (isIdentity(pointBytes(p))) continue;
    sum = sum.add(nobleDecode(p));
  }
  return sum.toBytes();
}

/** noble's decoding of a 32-byte encoding, with our error code when it is not canonical. */
function nobleDecode(p: Point): NoblePoint {
  try {
    return NP.fromBytes(p);
  } catch {
    throw new CryptoError('POINT_INVALID', 'not a canonical ristretto255 encoding');
  }
}

/** The standard generator `G` (encoding). */
export const G: Point = NP.BASE.toBytes();

/** `m·G` for a small public integer `m` (counts, selection values). */
export function smallMulBase(m: number | bigint): Point {
  const k = BigInt(m);
  if (k < 0n || k >= L) throw new CryptoError('PARAMETER_INVALID', 'small multiple out of range');
  return active.mulBase(k);
}
