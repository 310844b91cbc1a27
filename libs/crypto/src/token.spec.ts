// SPEC §4 voter tokens: sign, verify, and every reason for refusal with its code.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TokenClaims } from '@hanpyo/contracts';
import { base64url, utf8 } from './bytes.js';
import { signingKeyFromSeed } from './signature.js';
import { TokenError, signToken, verifyToken } from './token.js';
import type { TokenPolicy } from './token.js';

const key = signingKeyFromSeed('reg-1', new Uint8Array(32).fill(7));
const other = signingKeyFromSeed('reg-1', new Uint8Array(32).fill(8));
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
  it('verifies a token it signed and returns the claims', () => {
    assert.deepEqual(verifyToken(signToken(claims, key), policy), claims);
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
