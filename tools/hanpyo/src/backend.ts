// Picks the fastest group backend this process can load: native libsodium when its addon is built,
// else libsodium's WASM build; or the one asked for. Every backend gives the same bytes.
import {
  initCrypto,
  useBackend,
  useEd25519KeyCheck,
  useEd25519Sign,
  useEd25519Verify,
} from '@hanpyo/crypto';
import type { GroupBackend } from '@hanpyo/crypto';
import {
  initFastestBackend,
  loadNativeBackend,
  nativeEd25519KeyCheck,
  nativeEd25519Verify,
  nativeSign,
  nativeUnavailableReason,
} from '@hanpyo/crypto-native';

/** Activates `name` ('native' | 'sodium' | 'noble'), or the fastest available when undefined. */
export async function initFastest(name?: string): Promise<GroupBackend> {
  switch (name) {
    case undefined:
      return initFastestBackend();
    case 'noble':
    case 'sodium':
      return initCrypto({ backend: name });
    case 'native': {
      const native = await loadNativeBackend();
      if (!native)
        throw new Error(
          `the native backend is unavailable: ${nativeUnavailableReason() ?? 'unknown reason'}`,
        );
      useBackend(native);
      const keyCheck = nativeEd25519KeyCheck();
      const verify = nativeEd25519Verify();
      if (keyCheck) useEd25519KeyCheck(keyCheck);
      if (verify) useEd25519Verify(verify);
      const signNative = nativeSign();
      if (signNative) useEd25519Sign(signNative);
      return native;
    }
    default:
      throw new Error(`unknown backend '${name}' (native, sodium or noble)`);
  }
}
