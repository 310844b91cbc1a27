// pipeline: results consumed in source order whatever order they finish in, never more than
// `window` batches in flight, and a failed batch's error surfaces where it is consumed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pipeline } from './pipeline.js';

async function* numbers(n: number) {
  for (let i = 0; i < n; i++) {
    await Promise.resolve(); // a source that reads, as lineBatches does
    yield i;
  }
}

describe('pipeline', () => {
  it('consumes in source order with at most `window` batches in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const consumed: number[] = [];
    await pipeline(
      numbers(20),
      async (i) => {
        inFlight++;
        most = Math.max(most, inFlight);
        // Later batches finish first.
        await new Promise((r) => setTimeout(r, 20 - i));
        inFlight--;
        return i * 10;
      },
      (r, i) => {
        assert.equal(r, i * 10);
        consumed.push(i);
      },
      3,
    );
    assert.deepEqual(
      consumed,
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.ok(most <= 3, `at most 3 in flight, saw ${most}`);
    assert.ok(most >= 2, 'batches overlapped');
  });

  it('rejects with the first failed batch, in order', async () => {
    await assert.rejects(
      pipeline(
        numbers(5),
        (i) => (i === 2 ? Promise.reject(new Error('batch 2')) : Promise.resolve(i)),
        () => undefined,
        2,
      ),
      /batch 2/,
    );
  });
});
