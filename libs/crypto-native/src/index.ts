// @hanpyo/crypto-native: the ristretto255 group of the system libsodium (N-API addon,
// build/hanpyo_sodium.node, made by `node build.mjs`) behind @hanpyo/crypto's GroupBackend.
// Node only. When the addon is missing or broken, loading yields undefined and callers keep the
// WASM backend: nothing here ever makes a process fail to start.
export { nativeSign, nativeSigner, nativeSigningKey } from './ed25519.js';
import { nativeSign } from './ed25519.js';
export { agreesWithNoble, nodeHashes } from './hashes.js';
import {
  CryptoError,
  G,
  IDENTITY,
  L,
  bytesEqual,
  initCrypto,
  useBackend,
  useEd25519KeyCheck,
  useEd25519Sign,
  useEd25519Verify,
  useHashFunctions,
} from '@hanpyo/crypto';
import { ADDON_PATH, loadAddon } from './addon.js';
import type { Addon, VartimeTable } from './addon.js';
import { keyCheckAgreesWithNoble } from './device-keys.js';
import { agreesWithNoble, nodeHashes } from './hashes.js';
import { verifyAgreesWithCases } from './signature-cases.js';
import type { CombinationBase, GroupBackend, Point, PreparedPoint, Scalar } from '@hanpyo/crypto';

/** The native backend: a GroupBackend over the system libsodium. */
export interface NativeBackend extends GroupBackend {
  readonly name: 'native';
  /** The loaded libsodium's version string (e.g. "1.0.18"). */
  readonly sodiumVersion: string;
}

export { ADDON_PATH };

let cached: NativeBackend | undefined;
let unavailable: string | undefined;
/** The addon's device-key check, once the addon loaded and passed its self-checks. */
let keyCheck: ((publicKey: Uint8Array) => boolean) | undefined;
/** The addon's Ed25519 verification, once the addon loaded and passed its self-checks. */
let verify:
  ((publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean) | undefined;

function outOfRange(): never {
  throw new CryptoError('SCALAR_NONCANONICAL', 'scalar out of range');
}

function makeNativeBackend(addon: Addon): NativeBackend {
  // Tables of prepared points (in practice the election key K), built on first verification, so a
  // process that only proves never builds one. Keyed by the PreparedPoint object: freed with it.
  const tables = new WeakMap<PreparedPoint, VartimeTable>();
  const tableOf = (p: PreparedPoint): VartimeTable => {
    let table = tables.get(p);
    if (!table) {
      table = addon.prepareVartime(p.point);
      tables.set(p, table);
    }
    return table;
  };
  const base = (b: CombinationBase): Point | VartimeTable =>
    b instanceof Uint8Array ? b : tableOf(b);
  const backend: NativeBackend = {
    name: 'native',
    sodiumVersion: addon.sodiumVersion,
    isValid: (bytes) => addon.isValid(bytes),
    mulBase: (k) => addon.mulBase(k) ?? outOfRange(),
    mul: (k, p) => addon.mul(k, p) ?? outOfRange(),
    add: (p, q) => addon.add(p, q),
    sub: (p, q) => addon.sub(p, q),
    sum(points) {
      // One buffer, one N-API call: the addon decodes each point once and encodes the sum once.
      const packed = new Uint8Array(points.length * 32);
      points.forEach((p, i) => {
        if (!(p instanceof Uint8Array) || p.length !== 32) {
          throw new TypeError('points must be 32-byte Uint8Arrays');
        }
        packed.set(p, 32 * i);
      });
      return addon.sum(packed);
    },
    // Constant-time multiplications stay libsodium's: it has no public per-point precomputation, so
    // a prepared point's mul (the prover's r·K, w·K) is libsodium's constant-time k·P.
    prepare: (p) => ({ point: p, mul: (k) => addon.mul(k, p) ?? outOfRange() }),
    linearCombinationsVartime(bases, rows) {
      if (rows.length === 0) return [];
      const scalars: Scalar[] = [];
      for (const row of rows) {
        if (row.length !== bases.length) {
          throw new CryptoError('PARAMETER_INVALID', 'a row has one scalar per base');
        }
        scalars.push(...row);
      }
      return addon.combineVartime(bases.map(base), scalars) ?? outOfRange();
    },
  };
  return backend;
}

/**
 * Loads the native backend without activating it; undefined (never a throw) when the addon is not
 * built, cannot be loaded (no libsodium.so.23, other platform) or fails its self-check.
 * `nativeUnavailableReason()` then says why.
 */
export function loadNativeBackend(): Promise<NativeBackend | undefined> {
  if (cached) return Promise.resolve(cached);
  try {
    const addon = loadAddon();
    const backend = makeNativeBackend(addon);
    // Self-check: 1·G is the generator, 2·G = G + G, and 0·G is the identity; the variable-time
    // path agrees: 1·G + 1·G and (ℓ−1)·G + 3·G are 2·G; and so does the sum of G, 0, G.
    const two = backend.mulBase(2n);
    const [vartimeTwo, vartimeTwoAgain] = backend.linearCombinationsVartime!(
      [G, backend.prepare(G)],
      [
        [1n, 1n],
        [L - 1n, 3n],
      ],
    );
    if (
      !bytesEqual(vartimeTwo!, two) ||
      !bytesEqual(vartimeTwoAgain!, two) ||
      !bytesEqual(backend.mulBase(1n), G) ||
      !bytesEqual(backend.add(G, G), two) ||
      !bytesEqual(backend.sum!([G, IDENTITY, G]), two) ||
      !bytesEqual(backend.mul(2n, G), two) ||
      !bytesEqual(backend.mulBase(0n), new Uint8Array(32))
    ) {
      unavailable = 'self-check failed: the addon computes wrong results';
      return Promise.resolve(undefined);
    }
    cached = backend;
    unavailable = undefined;
    const check = (publicKey: Uint8Array) => addon.isEd25519Key(publicKey);
    keyCheck = keyCheckAgreesWithNoble(check) ? check : undefined;
    const verifyNative = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) =>
      addon.ed25519Verify(publicKey, message, signature);
    verify = verifyAgreesWithCases(verifyNative) ? verifyNative : undefined;
    return Promise.resolve(backend);
  } catch (e) {
    // The first line only: Node appends the require stack to a missing-module message.
    unavailable = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    return Promise.resolve(undefined);
  }
}

/**
 * The addon's implementation of SPEC §4's device-key rule (device-keys.ts), once
 * `loadNativeBackend()` loaded the addon and the check agreed with noble's; else undefined.
 */
export function nativeEd25519KeyCheck(): ((publicKey: Uint8Array) => boolean) | undefined {
  return keyCheck;
}

/**
 * The addon's Ed25519 verification by @hanpyo/crypto's rule (signature-cases.ts), once
 * `loadNativeBackend()` loaded the addon and it gave every case's verdict; else undefined.
 */
export function nativeEd25519Verify():
  ((publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean) | undefined {
  return verify;
}

/** Why the last `loadNativeBackend()` returned undefined (undefined if it did not). */
export function nativeUnavailableReason(): string | undefined {
  return unavailable;
}

/**
 * Makes the fastest available backend active and returns it: native libsodium if the addon loads,
 * else libsodium WASM (`initCrypto()`). Also makes node:crypto's SHA-2 that of every hash
 * (hashes.ts), once it agrees with noble's, the addon's device-key check that of
 * isEd25519PublicKey (device-keys.ts), once it agrees with noble's, and the addon's Ed25519
 * verification that of verifySignature (signature-cases.ts), once it gives every case's verdict,
 * and libsodium's signing that of sign (ed25519.ts), once it signs RFC 8032's vectors exactly.
 */
export async function initFastestBackend(): Promise<GroupBackend> {
  if (agreesWithNoble(nodeHashes)) useHashFunctions(nodeHashes);
  const native = await loadNativeBackend();
  if (native) {
    useBackend(native);
    if (keyCheck) useEd25519KeyCheck(keyCheck);
    if (verify) useEd25519Verify(verify);
    const signNative = nativeSign();
    if (signNative) useEd25519Sign(signNative);
    return native;
  }
  return initCrypto();
}
