// SPEC §4: voter tokens, JWS compact serialization with alg EdDSA (RFC 8037), signed by a key of
// the manifest's `tokenIssuers`. The edge accepts a token only if the signature verifies under a
// listed key, `aud` is the election, now ∈ [nbf, exp] ± skew, and `dst` is a district of it.
import type { Ed25519Jwk, TokenClaims } from '@hanpyo/contracts';
import { parseTokenClaims } from '@hanpyo/contracts';
import { base64url, fromBase64url, utf8 } from './bytes.js';
import { sign, verifySignature } from './signature.js';
import type { SigningKey } from './signature.js';

/** Why a token was refused; stable codes (docs/errors.md). */
export type TokenErrorCode =
  | 'TOKEN_MALFORMED'
  | 'TOKEN_UNKNOWN_KEY'
  | 'TOKEN_SIGNATURE'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_NOT_YET_VALID'
  | 'TOKEN_AUDIENCE'
  | 'TOKEN_DISTRICT';

/** A refused token. The message never contains the token. */
export class TokenError extends Error {
  override readonly name = 'TokenError';
  constructor(
    readonly code: TokenErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Longest token accepted: claims are short, so anything longer is not ours. */
export const MAX_TOKEN_LENGTH = 2048;

/** Signs claims as a compact JWS with header `{"alg":"EdDSA","kid":…,"typ":"JWT"}`. */
export function signToken(claims: TokenClaims, key: SigningKey): string {
  const header = base64url(utf8(JSON.stringify({ alg: 'EdDSA', kid: key.keyId, typ: 'JWT' })));
  const payload = base64url(utf8(JSON.stringify(claims)));
  const signature = sign(key, utf8(`${header}.${payload}`));
  return `${header}.${payload}.${base64url(signature)}`;
}

/** What a verifier needs to know. */
export interface TokenPolicy {
  readonly issuers: readonly Ed25519Jwk[];
  /** The election id the token must be for. */
  readonly audience: string;
  readonly districts: ReadonlySet<string>;
  readonly nowSeconds: number;
  /** Allowed clock skew, seconds (SPEC §4: 30). */
  readonly skewSeconds?: number;
  /** Signature check; injectable so a Node service can use its native Ed25519. */
  readonly verify?: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function decodePart(text: string, what: string): Uint8Array {
  try {
    return fromBase64url(text);
  } catch {
    throw new TokenError('TOKEN_MALFORMED', `token ${what} is not canonical base64url`);
  }
}

function part<T>(bytes: Uint8Array, what: string): T {
  try {
    return JSON.parse(decoder.decode(bytes)) as T;
  } catch {
    throw new TokenError('TOKEN_MALFORMED', `token ${what} is not JSON`);
  }
}

/** Verifies a token (SPEC §4) and returns its claims, or throws TokenError with the reason. */
export function verifyToken(token: string, policy: TokenPolicy): TokenClaims {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH)
    throw new TokenError('TOKEN_MALFORMED', 'token too long');
  const parts = token.split('.');
  if (parts.length !== 3) throw new TokenError('TOKEN_MALFORMED', 'a token has three parts');
  const [h, p, s] = parts as [string, string, string];
  // Every part must be canonical base64url before anything is trusted or verified.
  const headerBytes = decodePart(h, 'header');
  const payloadBytes = decodePart(p, 'payload');
  const header = part<{ alg?: unknown; kid?: unknown; crit?: unknown }>(headerBytes, 'header');
  if (
    typeof header !== 'object' ||
    header === null ||
    header.alg !== 'EdDSA' ||
    typeof header.kid !== 'string' ||
    header.crit !== undefined
  ) {
    throw new TokenError('TOKEN_MALFORMED', 'token header must be {"alg":"EdDSA","kid":…}');
  }
  const issuer = policy.issuers.find((k) => k.kid === header.kid);
  if (!issuer)
    throw new TokenError(
      'TOKEN_UNKNOWN_KEY',
      'token signed by a key that is not a token issuer of this election',
    );
  let signature: Uint8Array;
  let publicKey: Uint8Array;
  try {
    signature = fromBase64url(s, 64);
    publicKey = fromBase64url(issuer.x, 32);
  } catch {
    throw new TokenError('TOKEN_MALFORMED', 'token signature is not 64 bytes of base64url');
  }
  const verify = policy.verify ?? verifySignature;
  if (!verify(publicKey, utf8(`${h}.${p}`), signature))
    throw new TokenError('TOKEN_SIGNATURE', 'token signature does not verify');
  let claims: TokenClaims;
  try {
    claims = parseTokenClaims(part<unknown>(payloadBytes, 'payload'));
  } catch (e) {
    if (e instanceof TokenError) throw e;
    throw new TokenError('TOKEN_MALFORMED', 'token claims are incomplete');
  }
  if (claims.aud !== policy.audience)
    throw new TokenError('TOKEN_AUDIENCE', 'token is for another election');
  const skew = policy.skewSeconds ?? 30;
  if (policy.nowSeconds < claims.nbf - skew)
    throw new TokenError('TOKEN_NOT_YET_VALID', 'token is not valid yet');
  if (policy.nowSeconds > claims.exp + skew)
    throw new TokenError('TOKEN_EXPIRED', 'token has expired');
  if (!policy.districts.has(claims.dst))
    throw new TokenError('TOKEN_DISTRICT', 'token names a district that is not in this election');
  return claims;
}
