// SHA-256 (FIPS 180-4) specialised to the two fixed-length inputs that dominate the ledger:
// a node hash SHA-256(0x01 ‖ l ‖ r) over 65 bytes and a leaf hash SHA-256(0x00 ‖ d) over a 32-byte
// tracking code (RFC 9162 §2.1.1, SPEC §8). A block of 10M ballots costs ~2 hashes per ballot; the
// generic `sha256()` allocates a hasher, views and a digest per call. These functions read their
// input straight from (buffer, offset) windows, pad with constants, and write the digest into the
// caller's buffer: no allocation per hash, about 2x the throughput. Every input here is public
// (tracking codes, roots), so there is no constant-time concern. Cross-checked against
// @noble/hashes on random inputs and by the RFC 6962 vectors in merkle.rfc9162.spec.ts.

// FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64
// primes (stored as signed 32-bit words; all arithmetic below is mod 2^32 via `| 0`).
const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

// FIPS 180-4 §5.3.3: initial hash value H(0).
const IV = Int32Array.from([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

// Module-level scratch: message schedule and chaining state. JavaScript is single-threaded and no
// function here yields, so sharing them is safe and keeps the hot path allocation-free.
const W = new Int32Array(64);
const S = new Int32Array(8);

/** FIPS 180-4 §6.2.2: one compression of the block whose first 16 words are already in W. */
function compress(): void {
  for (let t = 16; t < 64; t++) {
    const w15 = W[t - 15]!;
    const w2 = W[t - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[t] = (s1 + W[t - 7]! + s0 + W[t - 16]!) | 0;
  }
  let a = S[0]!;
  let b = S[1]!;
  let c = S[2]!;
  let d = S[3]!;
  let e = S[4]!;
  let f = S[5]!;
  let g = S[6]!;
  let h = S[7]!;
  for (let t = 0; t < 64; t++) {
    const sigma1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const choose = (e & f) ^ (~e & g);
    const t1 = (h + sigma1 + choose + K[t]! + W[t]!) | 0;
    const sigma0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const majority = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (sigma0 + majority) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  S[0] = (S[0]! + a) | 0;
  S[1] = (S[1]! + b) | 0;
  S[2] = (S[2]! + c) | 0;
  S[3] = (S[3]! + d) | 0;
  S[4] = (S[4]! + e) | 0;
  S[5] = (S[5]! + f) | 0;
  S[6] = (S[6]! + g) | 0;
  S[7] = (S[7]! + h) | 0;
}

/** Loads 31 bytes `src[o..o+31)` shifted by one byte, i.e. the words that follow a 1-byte prefix. */
function loadShifted(src: Uint8Array, o: number, firstWord: number): void {
  // Word `firstWord + i` holds bytes src[o+4i-1 .. o+4i+2]; the caller fills the straddling words.
  for (let i = 1; i < 8; i++) {
    const p = o + 4 * i - 1;
    W[firstWord + i] = (src[p]! << 24) | (src[p + 1]! << 16) | (src[p + 2]! << 8) | src[p + 3]!;
  }
}

function storeDigest(out: Uint8Array, o: number): void {
  for (let i = 0; i < 8; i++) {
    const v = S[i]!;
    out[o] = v >>> 24;
    out[o + 1] = (v >>> 16) & 0xff;
    out[o + 2] = (v >>> 8) & 0xff;
    out[o + 3] = v & 0xff;
    o += 4;
  }
}

/**
 * RFC 9162 §2.1.1 node hash SHA-256(0x01 ‖ left ‖ right) of the 32-byte windows at `leftOffset`
 * and `rightOffset`, written to `out[outOffset..outOffset+32)`. The output may alias either input:
 * every input byte is read before the first output byte is written.
 */
export function hashNodeInto(
  left: Uint8Array,
  leftOffset: number,
  right: Uint8Array,
  rightOffset: number,
  out: Uint8Array,
  outOffset: number,
): void {
  S.set(IV);
  // Block 1: 0x01, left[0..32), right[0..31).
  const l = leftOffset;
  const r = rightOffset;
  W[0] = (0x01 << 24) | (left[l]! << 16) | (left[l + 1]! << 8) | left[l + 2]!;
  loadShifted(left, l, 0);
  W[8] = (left[l + 31]! << 24) | (right[r]! << 16) | (right[r + 1]! << 8) | right[r + 2]!;
  loadShifted(right, r, 8);
  compress();
  // Block 2 (FIPS 180-4 §5.1.1 padding): right[31], 0x80, zeros, 64-bit length 65·8 = 520 bits.
  W[0] = (right[r + 31]! << 24) | (0x80 << 16);
  W.fill(0, 1, 15);
  W[15] = 520;
  compress();
  storeDigest(out, outOffset);
}

/**
 * RFC 9162 §2.1.1 leaf hash SHA-256(0x00 ‖ d) of the 32-byte leaf data at `data[dataOffset..+32)`
 * (SPEC §8: a tracking code), written to `out[outOffset..outOffset+32)`; one compression.
 */
export function hashLeaf32Into(
  data: Uint8Array,
  dataOffset: number,
  out: Uint8Array,
  outOffset: number,
): void {
  S.set(IV);
  const o = dataOffset;
  W[0] = (0x00 << 24) | (data[o]! << 16) | (data[o + 1]! << 8) | data[o + 2]!;
  loadShifted(data, o, 0);
  // Padding: data[31], 0x80, zeros, 64-bit length 33·8 = 264 bits.
  W[8] = (data[o + 31]! << 24) | (0x80 << 16);
  W.fill(0, 9, 15);
  W[15] = 264;
  compress();
  storeDigest(out, outOffset);
}
