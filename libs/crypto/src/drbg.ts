// A seeded, deterministic random source for test data, vectors and benchmarks only: reproducible
// records from `hanpyo synth --seed`. Never used for a real election (the services use systemRandom).
import { sha512 } from '@noble/hashes/sha2.js';
import { frame } from './hash.js';
import { scalarFromWideBytes } from './scalar.js';
import type { RandomSource, Scalar } from './scalar.js';

/** SHA-512 in counter mode over a tagged seed: block_i = SHA-512(enc(tag) ‖ enc(seed) ‖ enc(i)). */
export function deterministicRandom(seed: string): RandomSource {
  let counter = 0;
  let buffer: Uint8Array = new Uint8Array(0);
  let offset = 0;
  const next = (): Uint8Array => sha512(frame('hanpyo/1/test-drbg', [seed, counter++]));
  const bytes = (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      if (offset >= buffer.length) {
        buffer = next();
        offset = 0;
      }
      const take = Math.min(n - o, buffer.length - offset);
      out.set(buffer.subarray(offset, offset + take), o);
      o += take;
      offset += take;
    }
    return out;
  };
  return {
    bytes,
    scalar: (): Scalar => scalarFromWideBytes(bytes(64)),
  };
}

/** A uniform integer in [0, n) from a random source (rejection sampling on 32 bits). */
export function randomInt(rng: RandomSource, n: number): number {
  if (!Number.isSafeInteger(n) || n <= 0 || n > 2 ** 32)
    throw new RangeError('randomInt bound out of range');
  const limit = Math.floor(2 ** 32 / n) * n;
  for (;;) {
    const b = rng.bytes(4);
    const x = ((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!;
    if (x < limit) return x % n;
  }
}
