// The N-API addon (native/hanpyo_sodium.c, built by `node build.mjs` into build/hanpyo_sodium.node),
// loaded once. Loading throws when it is not built or cannot load; callers decide what to fall back
// to and run their own self-checks before trusting a result of it.
import { createRequire } from 'node:module';
import type { Point, Scalar } from '@hanpyo/crypto';

/** An addon-owned table of odd multiples of a public fixed base (an N-API external). */
export type VartimeTable = { readonly __brand: 'VartimeTable' };

/**
 * The addon's exports (native/hanpyo_sodium.c). Scalars are bigints; a multiplication returns
 * undefined for a scalar outside [0, ℓ). Wrong argument types throw TypeError; a non-canonical
 * point throws an Error with code POINT_INVALID.
 */
export interface Addon {
  readonly sodiumVersion: string;
  isValid(bytes: unknown): boolean;
  mulBase(k: Scalar): Point | undefined;
  mul(k: Scalar, p: Point): Point | undefined;
  add(p: Point, q: Point): Point;
  sub(p: Point, q: Point): Point;
  /** Σ of the n encodings packed in `points` (n × 32 bytes), each decoded once, encoded once. */
  sum(points: Uint8Array): Point;
  /** VARIABLE TIME, public points only: the table a combination uses for a fixed base. */
  prepareVartime(p: Point): VartimeTable;
  /**
   * VARIABLE TIME, public inputs only: `scalars` holds rows of one scalar per base, row after row;
   * returns `Σ_j row[j]·bases[j]` per row, or undefined if a scalar is outside [0, ℓ).
   */
  combineVartime(bases: (Point | VartimeTable)[], scalars: Scalar[]): Point[] | undefined;
  /** SPEC §4's device-key rule on an Ed25519 encoding (device-keys.ts); false if not 32 bytes. */
  isEd25519Key(bytes: unknown): boolean;
  /** Ed25519 verification by @hanpyo/crypto's rule (signature-cases.ts); false on bad sizes. */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /** The 64-byte libsodium secret key (seed ‖ public key) of a 32-byte seed. */
  ed25519SecretKey(seed: Uint8Array): Uint8Array;
  /** RFC 8032 Ed25519 signature by libsodium (constant-time in the key). */
  ed25519Sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array;
}

/** Where the addon is looked for, relative to this module (dist/addon.js). */
export const ADDON_PATH = '../build/hanpyo_sodium.node';

let addon: Addon | undefined;

/** The addon (cached after the first success); throws when it cannot be loaded. */
export function loadAddon(): Addon {
  addon ??= createRequire(import.meta.url)(ADDON_PATH) as Addon;
  return addon;
}
