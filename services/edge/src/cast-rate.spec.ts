// CastRateLimiter: the burst, the refill rate, the wait it reports, and bounded memory (LRU).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CastRateLimiter } from './cast-rate.js';

function limiter(rate: number, burst: number, tracked = 100) {
  let t = 1_000_000;
  const l = new CastRateLimiter({ rate, burst, tracked, now: () => t });
  return { l, advance: (ms: number) => (t += ms) };
}

describe('CastRateLimiter', () => {
  it('allows a burst, then one cast per 1/rate seconds', () => {
    const { l, advance } = limiter(0.2, 10);
    for (let i = 0; i < 10; i++) assert.equal(l.take('v'), undefined, `cast ${i}`);
    const wait = l.take('v');
    assert.ok(wait !== undefined && Math.abs(wait - 5) < 1e-9, `wait ${wait}`);
    advance(4_000);
    assert.ok((l.take('v') ?? 0) > 0, 'not yet after 4 s');
    advance(1_000);
    assert.equal(l.take('v'), undefined, 'one cast after 5 s');
    assert.ok((l.take('v') ?? 0) > 0);
  });

  it('keeps voters apart', () => {
    const { l } = limiter(0.2, 2);
    l.take('a');
    l.take('a');
    assert.ok(l.take('a') !== undefined);
    assert.equal(l.take('b'), undefined);
  });

  it('refills at most to the burst', () => {
    const { l, advance } = limiter(1, 3);
    l.take('v');
    advance(3_600_000);
    for (let i = 0; i < 3; i++) assert.equal(l.take('v'), undefined);
    assert.ok(l.take('v') !== undefined);
  });

  it('remembers at most `tracked` voters, forgetting the least recently seen', () => {
    const { l } = limiter(0.2, 1, 3);
    for (const v of ['a', 'b', 'c']) l.take(v);
    assert.ok(l.take('a') !== undefined, 'a is limited (and now the most recent)');
    l.take('d'); // forgets b, the least recently seen
    assert.equal(l.size, 3);
    assert.equal(l.take('b'), undefined, 'b was forgotten: a full bucket again');
    assert.ok(l.take('a') !== undefined, 'a is still remembered');
    for (let i = 0; i < 1000; i++) l.take(`x${i}`);
    assert.equal(l.size, 3);
  });

  it('refunds a cast the edge could not complete, up to the burst', () => {
    const { l } = limiter(0.2, 2);
    l.take('v');
    l.take('v');
    assert.ok(l.take('v') !== undefined);
    l.refund('v');
    assert.equal(l.take('v'), undefined, 'the refunded cast');
    assert.ok(l.take('v') !== undefined);
    l.refund('v');
    l.refund('v');
    l.refund('v');
    assert.equal(l.take('v'), undefined);
    assert.equal(l.take('v'), undefined);
    assert.ok(l.take('v') !== undefined, 'never more than the burst');
    l.refund('unknown');
    assert.equal(l.size, 1);
  });

  it('rate 0 turns it off; bad options are refused', () => {
    const { l } = limiter(0, 1);
    for (let i = 0; i < 100; i++) assert.equal(l.take('v'), undefined);
    assert.equal(l.size, 0);
    assert.throws(() => new CastRateLimiter({ rate: -1, burst: 1, tracked: 1 }), RangeError);
    assert.throws(() => new CastRateLimiter({ rate: 1, burst: 0, tracked: 1 }), RangeError);
    assert.throws(() => new CastRateLimiter({ rate: 1, burst: 1, tracked: 0 }), RangeError);
  });
});
