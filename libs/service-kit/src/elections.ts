// The services' read view of the election registry: the stored row, the parsed manifest, its
// partition layout and, once the ceremony is accepted, the prepared ElectionContext (K, Q). Cached
// briefly, so a state change (open, close) reaches every replica within `ttlMs`.
//
// The cache is a bounded LRU (issue 12): unauthenticated GETs reach it with ids an attacker picks,
// so a miss ("no such election") is cached too, but only for `negativeTtlMs`, and the number of
// entries, hits and misses together, never exceeds `maxEntries`. The least recently used entry goes
// first.
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

/** Bounds of the catalog's cache. */
export interface CatalogLimits {
  /** Most entries kept, elections and misses together (default 10,000). */
  readonly maxEntries?: number;
  /** How long "no such election" is remembered, ms (default 500, at most `ttlMs`). */
  readonly negativeTtlMs?: number;
}

interface Entry {
  at: number;
  /** Set once the load resolved to "no such election". */
  missing: boolean;
  election: Promise<Election | undefined>;
}

export class ElectionCatalog {
  // A Map iterates in insertion order: re-inserting on every hit makes the first key the least
  // recently used one.
  private readonly cache = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly negativeTtlMs: number;

  constructor(
    private readonly store: { client: CassandraClient; config: Pick<CassandraConfig, 'keyspace'> },
    private readonly ttlMs = 2000,
    private readonly now: () => number = Date.now,
    limits: CatalogLimits = {},
  ) {
    this.maxEntries = limits.maxEntries ?? 10_000;
    this.negativeTtlMs = Math.min(limits.negativeTtlMs ?? 500, ttlMs);
    if (!Number.isSafeInteger(this.maxEntries) || this.maxEntries < 1)
      throw new RangeError('maxEntries must be a positive integer');
  }

  /** How many entries the cache holds now (never more than `maxEntries`). */
  get size(): number {
    return this.cache.size;
  }

  /** The election, or undefined when there is none with that id. */
  get(electionId: string): Promise<Election | undefined> {
    const hit = this.cache.get(electionId);
    if (hit && this.now() - hit.at < (hit.missing ? this.negativeTtlMs : this.ttlMs)) {
      this.cache.delete(electionId);
      this.cache.set(electionId, hit);
      return hit.election;
    }
    const previous = hit?.election;
    const election = this.load(electionId, previous);
    const entry: Entry = { at: this.now(), missing: false, election };
    election.then(
      (e) => {
        if (e === undefined) entry.missing = true;
      },
      // A failed load is not cached: the next call retries.
      () => {
        if (this.cache.get(electionId) === entry) this.cache.delete(electionId);
      },
    );
    this.cache.delete(electionId);
    this.cache.set(electionId, entry);
    while (this.cache.size > this.maxEntries) {
      const oldest = this.cache.keys().next();
      if (oldest.done) break;
      this.cache.delete(oldest.value);
    }
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
