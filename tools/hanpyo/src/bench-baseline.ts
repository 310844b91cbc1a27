// The baseline every benchmark divides by: @noble/curves' fixed-base multiplication rate, measured
// in the same run because this machine is shared and its speed drifts. One loop for every benchmark
// (tally, observer, edge, the stack), so their ratios mean the same thing.
import { deterministicRandom } from '@hanpyo/crypto';
import { ristretto255 } from '@noble/curves/ed25519.js';

/** What the JSON of a benchmark names its baseline. */
export const BASELINE_NAME = '@noble/curves ristretto255 Point.BASE.multiply';

const rng = deterministicRandom('bench-baseline');
const scalars = Array.from({ length: 256 }, () => rng.scalar());

/** `k·G` per second with noble over about `seconds` (after a short warm-up). */
export function nobleBaseRate(seconds = 2): number {
  const base = ristretto255.Point.BASE;
  for (let k = 0; k < 10; k++) base.multiply(scalars[k]!);
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < seconds * 1000) {
    for (let k = 0; k < 10; k++) base.multiply(scalars[n++ & 255]!);
  }
  return n / ((performance.now() - start) / 1000);
}
