import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  RETRY_AFTER_MAX_SECONDS,
  RETRY_AFTER_MIN_SECONDS,
  retryAfterSeconds,
} from './retry-after.js';

describe('retryAfterSeconds', () => {
  it('spreads whole seconds uniformly over 1–3 s', () => {
    assert.equal(
      retryAfterSeconds(() => 0),
      1,
    );
    assert.equal(
      retryAfterSeconds(() => 0.33),
      1,
    );
    assert.equal(
      retryAfterSeconds(() => 0.34),
      2,
    );
    assert.equal(
      retryAfterSeconds(() => 0.67),
      3,
    );
    assert.equal(
      retryAfterSeconds(() => 0.999999),
      3,
    );
    const counts = new Map<number, number>();
    let seed = 1;
    // A small LCG: reproducible draws, no dependency on Math.random.
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 3000; i++) {
      const s = retryAfterSeconds(random);
      assert.ok(Number.isInteger(s));
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    assert.deepEqual([...counts.keys()].sort(), [1, 2, 3]);
    for (const n of counts.values()) assert.ok(n > 800 && n < 1200, `uneven spread: ${n}`);
  });

  it('stays in range whatever the random source returns', () => {
    for (const r of [-1, 1, 2, NaN, Infinity]) {
      const s = retryAfterSeconds(() => r);
      assert.ok(s >= RETRY_AFTER_MIN_SECONDS && s <= RETRY_AFTER_MAX_SECONDS, `${r} → ${s}`);
    }
    assert.equal(
      retryAfterSeconds(() => 0.5, 5, 5),
      5,
    );
    assert.throws(() => retryAfterSeconds(Math.random, 3, 1), RangeError);
  });
});
