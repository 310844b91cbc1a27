// The addon's SPEC §4 device-key check (device-keys.ts, hv_ed25519_key_ok) against noble's
// (@hanpyo/crypto nobleEd25519KeyCheck): every edge case of the rule, random 32-byte strings (about
// half of them decode), real keys, real keys with a torsion point added (mixed order: accepted),
// each with the sign bit flipped; and isEd25519PublicKey with the native check installed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  fromHex,
  isEd25519PublicKey,
  nobleEd25519KeyCheck,
  toHex,
  useEd25519KeyCheck,
} from '@hanpyo/crypto';
import { SMALL_ORDER_ENCODINGS, keyCheckAgreesWithNoble, keyCheckCases } from './device-keys.js';
import { loadNativeBackend, nativeEd25519KeyCheck } from './index.js';

const native = await loadNativeBackend();
const check = nativeEd25519KeyCheck();

describe(
  'native device-key check (SPEC §4 cnf)',
  { skip: native ? false : 'addon not built' },
  () => {
    it('agrees with noble on the edge cases, and refuses every small-order encoding', () => {
      assert.ok(check, 'installed after its self-check');
      assert.equal(keyCheckAgreesWithNoble(check), true);
      for (const k of keyCheckCases()) assert.equal(check(k), nobleEd25519KeyCheck(k), toHex(k));
      for (const hex of SMALL_ORDER_ENCODINGS) assert.equal(check(fromHex(hex, 32)), false, hex);
    });

    it('agrees with noble on 2,000 random strings, real keys, mixed-order keys and their flips', () => {
      const torsion = ed25519.Point.fromBytes(fromHex(SMALL_ORDER_ENCODINGS[6]!, 32));
      let accepted = 0;
      let refused = 0;
      for (let i = 0; i < 2000; i++) {
        const random = new Uint8Array(randomBytes(32));
        const key = ed25519.getPublicKey(new Uint8Array(randomBytes(32)));
        const mixed = ed25519.Point.fromBytes(key).add(torsion).toBytes();
        for (const k of [random, key, mixed]) {
          const flipped = k.slice();
          flipped[31]! ^= 0x80;
          for (const input of [k, flipped]) {
            const expected = nobleEd25519KeyCheck(input);
            assert.equal(check!(input), expected, toHex(input));
            if (expected) accepted++;
            else refused++;
          }
        }
      }
      // Both answers occur often, so agreement is not agreement on one answer.
      assert.ok(accepted > 1000 && refused > 1000, `${accepted} accepted, ${refused} refused`);
    });

    it('refuses what is not 32 bytes, and wrong types, without throwing', () => {
      for (const bad of [new Uint8Array(31), new Uint8Array(33), new Uint8Array(0)])
        assert.equal(check!(bad), false);
      const addonCheck = check as unknown as (v: unknown) => boolean;
      for (const bad of [undefined, null, 'x'.repeat(32), 32, new Uint16Array(16)])
        assert.equal(addonCheck(bad), false);
    });

    it('gives isEd25519PublicKey the same answers once installed', () => {
      const inputs = [
        ...keyCheckCases(),
        ...Array.from({ length: 200 }, () => new Uint8Array(randomBytes(32))),
      ];
      useEd25519KeyCheck(nobleEd25519KeyCheck);
      const byNoble = inputs.map((k) => isEd25519PublicKey(k));
      useEd25519KeyCheck(check!);
      try {
        assert.deepEqual(
          inputs.map((k) => isEd25519PublicKey(k)),
          byNoble,
        );
      } finally {
        useEd25519KeyCheck(nobleEd25519KeyCheck);
      }
    });
  },
);
