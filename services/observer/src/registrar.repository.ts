// I/O of the observer toward the commission's public APIs: the registrar's election view (the
// manifest, its state, the joint key and the ceremony record) and the ledger, where cosignatures
// are posted beside the blocks. Plain HTTP: an observer needs no access to the commission's stores.
import { Inject, Injectable } from '@nestjs/common';
import type { CeremonyRecord } from '@hanpyo/contracts';
import { CONFIG } from './config.js';
import type { ObserverConfig } from './config.js';

/** The registrar's public view of an election (`GET /v1/elections/{id}`). */
export interface ElectionView {
  readonly manifest: unknown;
  readonly manifestHash: string;
  readonly state: string;
  readonly jointPublicKey: string | null;
  readonly ceremony: CeremonyRecord | null;
  /** District → board partitions (absent from older registrars). */
  readonly partitionLayout?: unknown;
}

/** What the ledger answered to a cosignature. */
export type CosignOutcome =
  | { readonly accepted: true }
  | { readonly accepted: false; readonly status: number; readonly code: string };

const TIMEOUT_MS = 10_000;

@Injectable()
export class RegistrarRepository {
  constructor(@Inject(CONFIG) private readonly config: ObserverConfig) {}

  /** The election's view, or undefined when the registrar does not know it. */
  async election(electionId: string): Promise<ElectionView | undefined> {
    const r = await fetch(
      new URL(
        `v1/elections/${encodeURIComponent(electionId)}`,
        withSlash(this.config.HANPYO_OBSERVER_REGISTRAR_URL),
      ),
      { signal: AbortSignal.timeout(TIMEOUT_MS) },
    );
    if (r.status === 404) return undefined;
    if (!r.ok) throw new Error(`the registrar answered ${r.status}`);
    return (await r.json()) as ElectionView;
  }
}

@Injectable()
export class LedgerRepository {
  constructor(@Inject(CONFIG) private readonly config: ObserverConfig) {}

  /** Posts a cosignature of block `height`; throws when the ledger cannot be reached. */
  async cosign(
    electionId: string,
    height: number,
    signature: { keyId: string; signature: string },
  ): Promise<CosignOutcome> {
    const r = await fetch(
      new URL(
        `v1/elections/${encodeURIComponent(electionId)}/blocks/${height}/signatures`,
        withSlash(this.config.HANPYO_OBSERVER_LEDGER_URL),
      ),
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(signature),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      },
    );
    if (r.ok) return { accepted: true };
    const body = (await r.json().catch(() => ({}))) as { error?: { code?: string } };
    return { accepted: false, status: r.status, code: body.error?.code ?? 'UNKNOWN' };
  }
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
