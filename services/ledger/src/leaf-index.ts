// Tracking code → (district, leaf index, partition, offset) for every leaf of an election's
// district logs, so a receipt look-up needs no scan. A national election has tens of millions of
// leaves: a Map of 64-character strings would cost over 100 bytes each, and V8 Maps stop at 2^24
// entries. So this is a chained hash table over typed arrays (about 30 bytes per leaf), keyed by
// the tracking code's first 32 bits; a look-up yields the few candidates sharing them and the
// caller confirms one against its leaf hash in the district log.

const FIRST_CAPACITY = 1024;

/** Where a leaf is. */
export interface LeafLocation {
  readonly district: number;
  readonly leafIndex: number;
  readonly partition: number;
  readonly offset: number;
}

export class LeafIndex {
  private buckets = new Int32Array(FIRST_CAPACITY * 2).fill(-1);
  private next = new Int32Array(FIRST_CAPACITY);
  private prefixes = new Uint32Array(FIRST_CAPACITY);
  private districts = new Uint32Array(FIRST_CAPACITY);
  private leaves = new Uint32Array(FIRST_CAPACITY);
  private partitions = new Uint32Array(FIRST_CAPACITY);
  private offsets = new Float64Array(FIRST_CAPACITY);
  private count = 0;

  /** Number of leaves indexed. */
  get size(): number {
    return this.count;
  }

  /** Indexes one leaf; `trackingCode` is 64 lowercase hex digits. */
  add(trackingCode: string, location: LeafLocation): void {
    if (this.count === this.next.length) this.grow();
    const i = this.count++;
    const prefix = prefixOf(trackingCode);
    this.prefixes[i] = prefix;
    this.districts[i] = location.district;
    this.leaves[i] = location.leafIndex;
    this.partitions[i] = location.partition;
    this.offsets[i] = location.offset;
    const bucket = prefix & (this.buckets.length - 1);
    this.next[i] = this.buckets[bucket]!;
    this.buckets[bucket] = i;
  }

  /**
   * The leaves whose tracking code starts like `trackingCode`, earliest first: the leaf itself
   * (and its copies, when a ballot was posted twice) plus rare 32-bit prefix collisions.
   */
  candidates(trackingCode: string): LeafLocation[] {
    const prefix = prefixOf(trackingCode);
    const found: LeafLocation[] = [];
    for (let i = this.buckets[prefix & (this.buckets.length - 1)]!; i >= 0; i = this.next[i]!) {
      if (this.prefixes[i] !== prefix) continue;
      found.push({
        district: this.districts[i]!,
        leafIndex: this.leaves[i]!,
        partition: this.partitions[i]!,
        offset: this.offsets[i]!,
      });
    }
    // Chains run newest first.
    return found.reverse();
  }

  private grow(): void {
    const capacity = this.next.length * 2;
    const grow = <T extends Int32Array | Uint32Array | Float64Array>(
      a: T,
      make: (n: number) => T,
    ): T => {
      const b = make(capacity);
      b.set(a);
      return b;
    };
    this.next = grow(this.next, (n) => new Int32Array(n));
    this.prefixes = grow(this.prefixes, (n) => new Uint32Array(n));
    this.districts = grow(this.districts, (n) => new Uint32Array(n));
    this.leaves = grow(this.leaves, (n) => new Uint32Array(n));
    this.partitions = grow(this.partitions, (n) => new Uint32Array(n));
    this.offsets = grow(this.offsets, (n) => new Float64Array(n));
    // Twice as many buckets as slots keeps chains short; relink in insertion order.
    this.buckets = new Int32Array(capacity * 2).fill(-1);
    const mask = this.buckets.length - 1;
    for (let i = 0; i < this.count; i++) {
      const bucket = this.prefixes[i]! & mask;
      this.next[i] = this.buckets[bucket]!;
      this.buckets[bucket] = i;
    }
  }
}

function prefixOf(trackingCode: string): number {
  return Number.parseInt(trackingCode.slice(0, 8), 16) >>> 0;
}
