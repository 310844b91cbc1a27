// Small encoders the hot path needs without allocating, and SPEC §8's district order.

// Lowercase hex digit values; -1 elsewhere. SPEC §1: SHA-256 identifiers are lowercase hex.
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[0x30 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[0x61 + i] = 10 + i;

/**
 * Decodes a 64-digit lowercase hex identifier (a tracking code, SPEC §5) into `out[offset..+32)`.
 * Returns false, leaving `out` partly written, on any other text. Unlike a general decoder it
 * allocates nothing: the ledger decodes one tracking code per ballot.
 */
export function decodeHash32Into(text: string, out: Uint8Array, offset: number): boolean {
  if (typeof text !== 'string' || text.length !== 64) return false;
  for (let i = 0; i < 32; i++) {
    const hi = text.charCodeAt(2 * i);
    const lo = text.charCodeAt(2 * i + 1);
    const h = hi < 128 ? HEX_VALUE[hi]! : -1;
    const l = lo < 128 ? HEX_VALUE[lo]! : -1;
    if (h < 0 || l < 0) return false;
    out[offset + i] = (h << 4) | l;
  }
  return true;
}

/** The Unicode scalar value at `i`, reading a lone surrogate as U+FFFD as UTF-8 encoders do. */
function scalarAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 0xd800 || c > 0xdfff) return c;
  if (c <= 0xdbff && i + 1 < text.length) {
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
  }
  return 0xfffd;
}

/**
 * Orders two strings by their UTF-8 bytes (SPEC §8: districts ascending by districtId in UTF-8
 * byte order). UTF-8 byte order is Unicode code point order, which JavaScript's `<` (UTF-16 code
 * units) breaks for characters above U+FFFF against U+E000..U+FFFF; so compare scalar values.
 */
export function compareUtf8(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = scalarAt(a, i);
    const y = scalarAt(b, j);
    if (x !== y) return x < y ? -1 : 1;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  // UTF-8 is prefix-free per character: a proper prefix sorts first.
  if (i < a.length) return 1;
  if (j < b.length) return -1;
  return 0;
}
