import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { phaseFigures, quantile, ratio, recoverySeconds } from './overload-model.js';
import type { Sample } from './overload-model.js';

const s = (
  sentAt: number,
  ms: number,
  status: number,
  retryAfter: string | null = null,
): Sample => ({
  sentAt,
  ms,
  status,
  retryAfter,
});

describe('overload model', () => {
  it('quantile: nearest rank', () => {
    assert.equal(quantile([], 0.5), null);
    assert.equal(quantile([1, 2, 3, 4], 0.5), 2);
    assert.equal(quantile([1, 2, 3, 4], 0.99), 4);
    assert.equal(quantile([5], 0), 5);
  });

  it('phaseFigures: accepted rate, 503 share and spread, latency of accepted only', () => {
    const f = phaseFigures(
      [
        s(0, 10, 201),
        s(1, 30, 201),
        s(2, 5, 503, '1'),
        s(3, 6, 503, '3'),
        s(4, 7, 503, '3'),
        s(5, 900, 0),
        s(6, 20, 500),
      ],
      2,
      3,
    );
    assert.equal(f.accepted, 2);
    assert.equal(f.acceptedPerSecond, 1);
    assert.equal(f.shed503, 3);
    assert.equal(f.share503, 3 / 7);
    assert.deepEqual(f.retryAfter, { '1': 1, '3': 2 });
    assert.deepEqual(f.other, { '0': 1, '500': 1 });
    assert.equal(f.p50, 10);
    assert.equal(f.p99, 30);
    assert.equal(f.offeredPerSecond, 3);
  });

  it('recoverySeconds: until the answer of the last bad request, undefined if still bad', () => {
    const end = 10_000;
    assert.equal(recoverySeconds([s(10_100, 50, 201), s(10_200, 50, 201)], end, 100), 0);
    assert.equal(
      recoverySeconds([s(10_100, 400, 201), s(11_000, 500, 503), s(12_000, 50, 201)], end, 100),
      1.5,
    );
    assert.equal(recoverySeconds([s(10_100, 50, 201), s(11_000, 5, 503)], end, 100), undefined);
  });

  it('ratio', () => {
    assert.equal(ratio(4, 2), 2);
    assert.equal(ratio(null, 2), null);
    assert.equal(ratio(1, 0), null);
  });
});
