// The backend under test: how a suite gets it, and what legitimately differs between backends.
import type { GroupBackend } from '@hanpyo/crypto';

/** A backend that could not be loaded here, and why (its tests are then skipped with that reason). */
export interface UnavailableBackend {
  readonly unavailable: string;
}

/** Loads the backend under test, or says why it is unavailable (e.g. the native addon is not built). */
export type BackendLoader = () => Promise<GroupBackend | UnavailableBackend>;

/** A loaded backend and the `skip` option for its tests: false, or the reason it did not load. */
export interface BackendUnderTest {
  /** Only dereferenced inside tests, which are skipped when the backend did not load. */
  readonly backend: GroupBackend;
  readonly skip: false | string;
}

/** Runs the loader; when the backend is unavailable, every test given `{ skip }` reports why. */
export async function loadBackendUnderTest(load: BackendLoader): Promise<BackendUnderTest> {
  const loaded = await load();
  if ('unavailable' in loaded) return { backend: undefined as never, skip: loaded.unavailable };
  return { backend: loaded, skip: false };
}

/** What differs between the backends, decided per backend name so a new backend must choose. */
export interface BackendProfile {
  /**
   * Bad input raises CryptoError SCALAR_NONCANONICAL / POINT_INVALID (our own backends), not just
   * some Error (noble raises its library's errors).
   */
  readonly errorCodes: boolean;
  /**
   * Runs of a property that prepares a fresh point each run: noble's prepare builds an 8-bit window
   * table (~30 ms), so it gets fewer to keep the files fast.
   */
  readonly preparedRuns: number;
  /**
   * Has its own many-point `sum` (native: one decoding per point; sodium: pairwise in WASM
   * memory), so `sumPoints` does not fall back to noble's arithmetic.
   */
  readonly sum: boolean;
}

export const BACKEND_PROFILES: Readonly<Record<GroupBackend['name'], BackendProfile>> = {
  noble: { errorCodes: false, preparedRuns: 40, sum: false },
  sodium: { errorCodes: true, preparedRuns: 200, sum: true },
  native: { errorCodes: true, preparedRuns: 200, sum: true },
};
