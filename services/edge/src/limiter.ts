// Load shedding (DESIGN.md failure model): the edge bounds the ballot requests it works on at once
// and refuses the rest immediately, so overload turns into fast 503s with Retry-After instead of a
// queue that grows until every voter times out.

/** Why a request was refused a slot. */
export type ShedReason = 'in_flight' | 'draining';

export class InFlightLimiter {
  private active = 0;
  private draining = false;
  private idle: (() => void)[] = [];

  constructor(
    readonly max: number,
    private readonly onChange: (inFlight: number) => void = () => undefined,
  ) {
    if (!(max >= 1)) throw new RangeError('max must be at least 1');
  }

  get inFlight(): number {
    return this.active;
  }

  /** Takes a slot, or says why not; every taken slot is given back with `release`. */
  tryAcquire(): ShedReason | undefined {
    if (this.draining) return 'draining';
    if (this.active >= this.max) return 'in_flight';
    this.active++;
    this.onChange(this.active);
    return undefined;
  }

  release(): void {
    if (this.active === 0) throw new Error('release without acquire');
    this.active--;
    this.onChange(this.active);
    if (this.active === 0 && this.idle.length > 0) {
      const idle = this.idle;
      this.idle = [];
      for (const resolve of idle) resolve();
    }
  }

  /** Refuses new work from now on; resolves once the work in flight has finished. */
  drain(): Promise<void> {
    this.draining = true;
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }
}
