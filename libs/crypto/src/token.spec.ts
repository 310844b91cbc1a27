// SPEC §4 voter tokens: sign, verify, and every reason for refusal with its code, the device key
// (`cnf`) included.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TokenClaims } from '@hanpyo/contracts';
import { ed25519 } from '@noble/curves/ed25519.js';
import { base64url, fromHex, utf8 } from './bytes.js';
import { ED25519_SMALL_ORDER, isEd25519PublicKey, signingKeyFromSeed } from './signature.js';
import { TokenError, confirmationClaim, deviceKeyOf, signToken, verifyToken } from './token.js';
import type { TokenPolicy } from './token.js';

const key = signingKeyFromSeed('reg-1', new Uint8Array(32).fill(7));
const other = signingKeyFromSeed('reg-1', new Uint8Array(32).fill(8));
const device = signingKeyFromSeed('device', new Uint8Array(32).fill(9));
const jwk = {
  kty: 'OKP' as const,
  crv: 'Ed25519' as const,
  kid: 'reg-1',
  x: base64url(key.publicKey),
};
const claims: TokenClaims = {
  iss: 'reg',
  aud: 'e1',
  sub: base64url(new Uint8Array(32).fill(1)),
  dst: 'd1',
  nbf: 1000,
  exp: 2000,
  jti: 'j1',
  cnf: confirmationClaim(device.publicKey),
};
const policy: TokenPolicy = {
  issuers: [jwk],
  audience: 'e1',
  districts: new Set(['d1', 'd2']),
  nowSeconds: 1500,
};
const refuses = (token: string, code: string, p: Partial<TokenPolicy> = {}) =>
  assert.throws(
    () => verifyToken(token, { ...policy, ...p }),
    (e: TokenError) => e instanceof TokenError && e.code === code && !e.message.includes(token),
  );

describe('voter tokens (SPEC §4)', () => {
  it('verifies a token it signed and returns the claims and the device key', () => {
    const { claims: got, deviceKey } = verifyToken(signToken(claims, key), policy);
    assert.deepEqual(got, claims);
    assert.deepEqual(deviceKey, device.publicKey);
  });

  it('accepts the ±30 s skew at both ends and refuses beyond it', () => {
    const t = signToken(claims, key);
    assert.ok(verifyToken(t, { ...policy, nowSeconds: 970 }));
    assert.ok(verifyToken(t, { ...policy, nowSeconds: 2030 }));
    refuses(t, 'TOKEN_NOT_YET_VALID', { nowSeconds: 969 });
    refuses(t, 'TOKEN_EXPIRED', { nowSeconds: 2031 });
  });

  it('refuses each reason with its code', () => {
    refuses(signToken(claims, other), 'TOKEN_SIGNATURE');
    refuses(
      signToken(claims, signingKeyFromSeed('reg-2', new Uint8Array(32).fill(7))),
      'TOKEN_UNKNOWN_KEY',
    );
    refuses(signToken({ ...claims, aud: 'e2' }, key), 'TOKEN_AUDIENCE');
    refuses(signToken({ ...claims, dst: 'nowhere' }, key), 'TOKEN_DISTRICT');
    refuses('a.b', 'TOKEN_MALFORMED');
    refuses('x'.repeat(3000), 'TOKEN_MALFORMED');
    const [h, p, s] = signToken(claims, key).split('.') as [string, string, string];
    refuses(`${h}.${p}.${s.slice(0, -2)}`, 'TOKEN_MALFORMED');
    refuses(`${h}.${p}=.${s}`, 'TOKEN_MALFORMED');
    const none = base64url(utf8(JSON.stringify({ alg: 'none', kid: 'reg-1' })));
    refuses(`${none}.${p}.`, 'TOKEN_MALFORMED');
    const crit = base64url(utf8(JSON.stringify({ alg: 'EdDSA', kid: 'reg-1', crit: ['exp'] })));
    refuses(`${crit}.${p}.${s}`, 'TOKEN_MALFORMED');
  });

  it('refuses a payload changed after signing, and claims missing a field even when signed', () => {
    const [h, , s] = signToken(claims, key).split('.') as [string, string, string];
    const forged = base64url(utf8(JSON.stringify({ ...claims, dst: 'd2' })));
    refuses(`${h}.${forged}.${s}`, 'TOKEN_SIGNATURE');
    const { jti: _jti, ...partial } = claims;
    refuses(signToken(partial as TokenClaims, key), 'TOKEN_MALFORMED');
  });

  it('uses an injected verifier when given one', () => {
    let calls = 0;
    const t = signToken(claims, key);
    verifyToken(t, { ...policy, verify: () => (calls++, true) });
    assert.equal(calls, 1);
    refuses(t, 'TOKEN_SIGNATURE', { verify: () => false });
  });
});

/** The eight points of small order (the torsion subgroup E[8]), canonically encoded (RFC 8032). */
const SMALL_ORDER = ED25519_SMALL_ORDER;

describe('device keys (SPEC §4 cnf)', () => {
  const withCnf = (cnf: unknown) => signToken({ ...claims, cnf } as TokenClaims, key);

  it('refuses a token without a usable cnf, each shape with TOKEN_CNF', () => {
    const { cnf: _cnf, ...bare } = claims;
    refuses(signToken(bare, key), 'TOKEN_CNF');
    refuses(withCnf('key'), 'TOKEN_CNF');
    refuses(
      withCnf({ jwk: { kty: 'EC', crv: 'P-256', x: base64url(device.publicKey) } }),
      'TOKEN_CNF',
    );
    refuses(withCnf({ jwk: { kty: 'OKP', crv: 'Ed25519' } }), 'TOKEN_CNF');
    refuses(withCnf({ jwk: { kty: 'OKP', crv: 'Ed25519', x: 'short' } }), 'TOKEN_CNF');
    // 43 characters whose last one carries bits past the 32 bytes: not canonical base64url.
    const x = base64url(device.publicKey);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // Flip the lowest of the two bits past the 256 (same bytes, another spelling).
    const tail = alphabet[alphabet.indexOf(x.at(-1)!) ^ 1]!;
    refuses(
      withCnf({ jwk: { kty: 'OKP', crv: 'Ed25519', x: `${x.slice(0, -1)}${tail}` } }),
      'TOKEN_CNF',
    );
  });

  it('refuses every small-order device key, and non-canonical encodings of them', () => {
    for (const hex of SMALL_ORDER) {
      const bytes = fromHex(hex, 32);
      assert.equal(isEd25519PublicKey(bytes), false, hex);
      refuses(withCnf(confirmationClaim(bytes)), 'TOKEN_CNF');
    }
    // y = p (≡ 0) and y = p + 1 (≡ 1): values ≥ p are not canonical.
    const p = 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f';
    const p1 = 'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f';
    // y = p + 3 (≡ 3) would decode to a point of large order were the range not checked.
    const p3 = 'f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f';
    assert.ok(!ed25519.Point.fromBytes(fromHex(p3, 32), true).isSmallOrder());
    for (const hex of [p, p1, p3]) assert.equal(isEd25519PublicKey(fromHex(hex, 32)), false, hex);
  });

  it('judges a device key the same every time it is asked (its answers are remembered)', () => {
    const good = signingKeyFromSeed('device', new Uint8Array(32).fill(7)).publicKey;
    const keys = [good, ...SMALL_ORDER.map((hex) => fromHex(hex, 32))];
    const first = keys.map((k) => isEd25519PublicKey(k));
    assert.deepEqual(first, [true, ...SMALL_ORDER.map(() => false)]);
    for (let round = 0; round < 3; round++) {
      assert.deepEqual(
        keys.map((k) => isEd25519PublicKey(k)),
        first,
      );
      // A copy of the same bytes is the same key; one bit more is another one.
      assert.equal(isEd25519PublicKey(good.slice()), true);
      const flipped = good.slice();
      flipped[31]! ^= 0x80;
      assert.equal(isEd25519PublicKey(flipped), isEd25519PublicKey(flipped.slice()));
    }
  });

  it('refuses an encoding that is not a point, and one with x = 0 and the sign bit set', () => {
    // y = 2 has no x on the curve.
    const notOnCurve = new Uint8Array(32);
    notOnCurve[0] = 2;
    assert.throws(() => ed25519.Point.fromBytes(notOnCurve));
    assert.equal(isEd25519PublicKey(notOnCurve), false);
    const negativeZero = fromHex(SMALL_ORDER[0]!, 32);
    negativeZero[31]! |= 0x80;
    assert.equal(isEd25519PublicKey(negativeZero), false);
  });

  it('accepts real public keys, and deviceKeyOf returns their bytes', () => {
    for (let i = 1; i < 20; i++) {
      const k = signingKeyFromSeed('d', new Uint8Array(32).fill(i));
      assert.equal(isEd25519PublicKey(k.publicKey), true);
      assert.deepEqual(deviceKeyOf(confirmationClaim(k.publicKey)), k.publicKey);
    }
  });
});
