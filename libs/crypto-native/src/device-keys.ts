// SPEC §4's device-key rule (@hanpyo/crypto isEd25519PublicKey) computed by the native addon
// (native/hanpyo_vartime.c hv_ed25519_key_ok, over libsodium's vendored ref10 arithmetic) instead
// of noble's BigInt square root: ~230 µs per new key in noble on the 2-core machine (2026-12-02),
// paid by the edge, the observer, the registrar's judge, the tally and `hanpyo verify` for every
// token they check. Device keys are public (each travels in its token), so timing is no concern.
// Installed only after it agrees with noble on the rule's edge cases (keyCheckAgreesWithNoble);
// device-keys.spec.ts compares the two on random and constructed inputs.
import { ed25519 } from '@noble/curves/ed25519.js';
import { ED25519_SMALL_ORDER, fromHex, nobleEd25519KeyCheck } from '@hanpyo/crypto';

/** Encodings of the 8 small-order points, and non-canonical or sign-flipped spellings of some. */
export const SMALL_ORDER_ENCODINGS: readonly string[] = [
  ...ED25519_SMALL_ORDER,
  // y = p (≡ 0) and y = p + 1 (≡ 1), not canonical; y = p with the sign bit.
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  // y = 1 with the sign bit set: x = 0, so a "negative zero" (of small order as well: x = 0 only
  // for y = ±1).
  '0100000000000000000000000000000000000000000000000000000000000080',
];

/** The rule's edge cases and a few ordinary keys: inputs on which two implementations must agree. */
export function keyCheckCases(): Uint8Array[] {
  const cases = SMALL_ORDER_ENCODINGS.map((hex) => fromHex(hex, 32));
  // y = 2: no x on the curve.
  const notOnCurve = new Uint8Array(32);
  notOnCurve[0] = 2;
  cases.push(notOnCurve);
  // Every non-canonical y (p ≤ y < 2^255: y ≡ 0 … 18), each sign: y ≡ 3, 4, 5, 6, 9, 10, 14, 15,
  // 16 and 18 would decode to points of large order were the range not checked.
  for (let k = 0; k < 19; k++) {
    const y = fromHex('ed'.padEnd(62, 'f') + '7f', 32);
    y[0] = 0xed + k;
    const negative = y.slice();
    negative[31]! |= 0x80;
    cases.push(y, negative);
  }
  for (let i = 1; i <= 8; i++) {
    const key = ed25519.getPublicKey(new Uint8Array(32).fill(i));
    const flipped = key.slice();
    flipped[31]! ^= 0x80;
    // A key plus a point of order 8: of mixed order, not of small order, so accepted.
    const mixed = ed25519.Point.fromBytes(key)
      .add(ed25519.Point.fromBytes(fromHex(SMALL_ORDER_ENCODINGS[4]!, 32)))
      .toBytes();
    cases.push(key, flipped, mixed);
  }
  return cases;
}

/** True iff `check` gives noble's answer on every one of keyCheckCases (a self-check before use). */
export function keyCheckAgreesWithNoble(check: (publicKey: Uint8Array) => boolean): boolean {
  return keyCheckCases().every((k) => check(k) === nobleEd25519KeyCheck(k));
}
