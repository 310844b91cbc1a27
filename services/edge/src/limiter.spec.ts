// InFlightLimiter: the bound, release, and draining for shutdown.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InFlightLimiter } from './limiter.js';

describe('InFlightLimiter', () => {
  it('grants up to max slots, then sheds until one is released', () => {
    const seen: number[] = [];
    const l = new InFlightLimiter(2, (n) => seen.push(n));
    assert.equal(l.tryAcquire(), undefined);
    assert.equal(l.tryAcquire(), undefined);
    assert.equal(l.tryAcquire(), 'in_flight');
    assert.equal(l.inFlight, 2);
    l.release();
    assert.equal(l.tryAcquire(), undefined);
    assert.deepEqual(seen, [1, 2, 1, 2]);
  });

  it('refuses a release without an acquire', () => {
    assert.throws(() => new InFlightLimiter(1).release());
  });

  it('refuses a bound below one', () => {
    assert.throws(() => new InFlightLimiter(0), RangeError);
  });

  it('drains: refuses new work at once and resolves when the work in flight is done', async () => {
    const l = new InFlightLimiter(5);
    l.tryAcquire();
    l.tryAcquire();
    let drained = false;
    const done = l.drain().then(() => (drained = true));
    assert.equal(l.tryAcquire(), 'draining');
    l.release();
    await Promise.resolve();
    assert.equal(drained, false);
    l.release();
    await done;
    assert.equal(drained, true);
  });

  it('drains at once when idle', async () => {
    await new InFlightLimiter(1).drain();
  });
});
