// SHA-256 and SHA-512 by Node's own OpenSSL (node:crypto) for @hanpyo/crypto's hashes (`H`, `Hs`,
// tracking codes, manifest hashes): the same functions as @noble/hashes, computed 4–5× faster on
// a ballot-sized input (tracking code of a 5-option ballot: ~31 µs in noble, ~6 µs here, 2026-12-01
// on the 2-core machine). Hashed data is public (ballots, proofs' transcripts, manifests), so
// neither implementation's timing matters. hashes.spec.ts checks them against noble.
import { createHash } from 'node:crypto';
import { nobleHashes } from '@hanpyo/crypto';
import type { HashFunctions } from '@hanpyo/crypto';

const digest = (algorithm: 'sha256' | 'sha512', data: Uint8Array): Uint8Array => {
  const out = createHash(algorithm).update(data).digest();
  // A plain Uint8Array view of the Buffer, so callers see the type noble returns.
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
};

/** node:crypto's SHA-2. */
export const nodeHashes: HashFunctions = {
  name: 'node:crypto',
  sha256: (data) => digest('sha256', data),
  sha512: (data) => digest('sha512', data),
};

/** True iff `functions` agree with noble on a few fixed inputs (a self-check before use). */
export function agreesWithNoble(functions: HashFunctions): boolean {
  for (const length of [0, 1, 55, 56, 64, 111, 112, 128, 1000]) {
    const data = Uint8Array.from({ length }, (_, i) => (i * 131 + length) & 0xff);
    for (const f of ['sha256', 'sha512'] as const) {
      const a = functions[f](data);
      const b = nobleHashes[f](data);
      if (a.length !== b.length || a.some((x, i) => x !== b[i])) return false;
    }
  }
  return true;
}
