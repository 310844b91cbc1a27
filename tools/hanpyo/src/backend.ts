// Picks the fastest group backend this process can load: native libsodium when built, else the
// libsodium WASM build, else (on request) the noble reference. The result is the same bytes.
import { initCrypto } from '@hanpyo/crypto';
import type { GroupBackend } from '@hanpyo/crypto';

/** Activates `name` ('native' | 'sodium' | 'noble'), or the fastest available when undefined. */
export async function initFastest(name?: string): Promise<GroupBackend> {
  if (name === 'noble' || name === 'sodium') return initCrypto({ backend: name });
  return initCrypto();
}
