// A cast rate per voter (issue 12 point 3): re-votes are allowed (SPEC §6 policy) but must not be
// unbounded, or one device key could fill the board. A token bucket per voter — keyed by the
// election and the token's nullifier (`sub`), so minting a new token does not reset it — with
// `rate` casts per second refilled up to `burst`. Memory is bounded: at most `tracked` voters,
// the least recently seen forgotten first (a forgotten voter starts again with a full bucket,
// which only ever allows more). Pure logic, clock injected. The key is never logged.

interface Bucket {
  /** Casts available at `at` (fractional). */
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
}

export interface CastRateOptions {
  /** Casts per second refilled; 0 turns the limit off. */
  readonly rate: number;
  /** Most casts in a row. */
  readonly burst: number;
  /** Most voters remembered at once. */
  readonly tracked: number;
  readonly now?: () => number;
}

export class CastRateLimiter {
  /** Map order is recency order: a voter seen again moves to the end. */
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;

  constructor(private readonly options: CastRateOptions) {
    if (!(options.rate >= 0) || !Number.isFinite(options.rate))
      throw new RangeError('rate must be a finite number >= 0');
    if (!Number.isInteger(options.burst) || options.burst < 1)
      throw new RangeError('burst must be a whole number >= 1');
    if (!Number.isInteger(options.tracked) || options.tracked < 1)
      throw new RangeError('tracked must be a whole number >= 1');
    this.now = options.now ?? Date.now;
  }

  /** Voters remembered now. */
  get size(): number {
    return this.buckets.size;
  }

  /**
   * Takes one cast from `key`'s bucket. Undefined: allowed. Otherwise the seconds until the next
   * cast would be allowed (> 0).
   */
  take(key: string): number | undefined {
    const { rate, burst, tracked } = this.options;
    if (rate === 0) return undefined;
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket) {
      this.buckets.delete(key);
      // A clock that steps back refills nothing.
      bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * rate);
      bucket.at = now;
    } else {
      bucket = { tokens: burst, at: now };
      while (this.buckets.size >= tracked) {
        const oldest = this.buckets.keys().next().value;
        if (oldest === undefined) break;
        this.buckets.delete(oldest);
      }
    }
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return (1 - bucket.tokens) / rate;
  }

  /**
   * Gives back the cast `take` allowed, when the edge could not complete it for reasons of its own
   * (503: the board or the edge was unavailable): a voter retrying through an outage as asked
   * must not run out of casts.
   */
  refund(key: string): void {
    const bucket = this.buckets.get(key);
    if (bucket) bucket.tokens = Math.min(this.options.burst, bucket.tokens + 1);
  }
}
