// The services' read view of the election registry: the stored row, the parsed manifest, its
// partition layout and, once the ceremony is accepted, the prepared ElectionContext (K, Q). Cached
// briefly, so a state change (open, close) reaches every replica within `ttlMs`.
import { getElection } from '@hanpyo/cassandra';
import type { CassandraClient, CassandraConfig, ElectionRow } from '@hanpyo/cassandra';
import { parseManifest } from '@hanpyo/contracts';
import type { Manifest } from '@hanpyo/contracts';
import { electionContext, pointFromText } from '@hanpyo/crypto';
import type { ElectionContext } from '@hanpyo/crypto';
import type { PartitionLayout } from '@hanpyo/ledger';

/** An election as the services use it. */
export interface Election {
  readonly row: ElectionRow;
  readonly manifest: Manifest;
  readonly layout: PartitionLayout;
  /** Present once the ceremony is accepted (state ready, open or closed). */
  readonly context: ElectionContext | undefined;
}

export class ElectionCatalog {
  private readonly cache = new Map<
    string,
    { at: number; election: Promise<Election | undefined> }
  >();

  constructor(
    private readonly store: { client: CassandraClient; config: Pick<CassandraConfig, 'keyspace'> },
    private readonly ttlMs = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The election, or undefined when there is none with that id. */
  get(electionId: string): Promise<Election | undefined> {
    const hit = this.cache.get(electionId);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.election;
    const previous = hit?.election;
    const election = this.load(electionId, previous);
    // A failed load is not cached: the next call retries.
    election.catch(() => this.cache.delete(electionId));
    this.cache.set(electionId, { at: this.now(), election });
    return election;
  }

  /** Forgets the cached copy (after this process changed the election). */
  invalidate(electionId: string): void {
    this.cache.delete(electionId);
  }

  private async load(
    electionId: string,
    previous: Promise<Election | undefined> | undefined,
  ): Promise<Election | undefined> {
    const row = await getElection(this.store, electionId);
    if (!row) return undefined;
    const old = await previous?.catch(() => undefined);
    // Reuse the parsed manifest and prepared key when nothing but the state changed.
    if (
      old &&
      old.row.manifestHash === row.manifestHash &&
      old.row.jointPublicKey === row.jointPublicKey
    ) {
      return { ...old, row };
    }
    const manifest = parseManifest(JSON.parse(row.manifest));
    return {
      row,
      manifest,
      layout: JSON.parse(row.partitionLayout) as PartitionLayout,
      context: row.jointPublicKey
        ? electionContext(manifest, pointFromText(row.jointPublicKey))
        : undefined,
    };
  }
}
