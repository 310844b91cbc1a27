// SPEC §4: voter tokens, JWS compact serialization with alg EdDSA (RFC 8037), signed by a key of
// the manifest's `tokenIssuers`. A token is accepted only if the signature verifies under a listed
// key, `aud` is the election, the time ∈ [nbf, exp] ± skew, `dst` is a district of it, and `cnf.jwk`
// is an Ed25519 public key (32 bytes, canonical, not of small order): the device key that must sign
// every cast made with it (SPEC §5), so a token copied off the board is worth nothing to anyone else.
import type { Ed25519Jwk, TokenClaims } from '@hanpyo/contracts';
import {
  ContractError,
  MAX_TOKEN_LENGTH,
  parseConfirmation,
  parseTokenClaims,
} from '@hanpyo/contracts';
import { base64url, fromBase64url, utf8 } from './bytes.js';
import { isEd25519PublicKey, sign, verifySignature } from './signature.js';

export { MAX_TOKEN_LENGTH };
import type { SigningKey } from './signature.js';

/** Why a token was refused; stable codes (docs/errors.md). */
export type TokenErrorCode =
  | 'TOKEN_MALFORMED'
  | 'TOKEN_UNKNOWN_KEY'
  | 'TOKEN_SIGNATURE'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_NOT_YET_VALID'
  | 'TOKEN_AUDIENCE'
  | 'TOKEN_DISTRICT'
  | 'TOKEN_CNF';

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

/** SPEC §4: the allowed clock skew around `nbf` and `exp`, seconds. */
export const TOKEN_SKEW_SECONDS = 30;

/**
 * The time rule of SPEC §4: `nowSeconds` (fractional seconds allowed, for millisecond instants)
 * within `[nbf − skew, exp + skew]`. Undefined when it is, else the refusal to throw or report.
 */
export function tokenTimeProblem(
  claims: Pick<TokenClaims, 'nbf' | 'exp'>,
  nowSeconds: number,
  skewSeconds = TOKEN_SKEW_SECONDS,
): TokenError | undefined {
  if (nowSeconds < claims.nbf - skewSeconds)
    return new TokenError('TOKEN_NOT_YET_VALID', 'token is not valid yet');
  if (nowSeconds > claims.exp + skewSeconds)
    return new TokenError('TOKEN_EXPIRED', 'token has expired');
  return undefined;
}

/** A token that verified: its claims and the 32 raw bytes of its `cnf` device key. */
export interface VerifiedToken {
  readonly claims: TokenClaims;
  readonly deviceKey: Uint8Array;
}

/** The `cnf` claim binding a token to a device's Ed25519 public key (RFC 7800). */
export function confirmationClaim(devicePublicKey: Uint8Array): NonNullable<TokenClaims['cnf']> {
  return { jwk: { kty: 'OKP', crv: 'Ed25519', x: base64url(devicePublicKey) } };
}

/**
 * The device key of a `cnf` claim (SPEC §4): a JWK `{kty:"OKP", crv:"Ed25519", x}` whose `x` is 32
 * bytes of canonical base64url encoding a canonical Ed25519 point not of small order; else throws
 * TokenError TOKEN_CNF.
 */
export function deviceKeyOf(cnf: unknown): Uint8Array {
  let x: string;
  try {
    x = parseConfirmation(cnf).jwk.x;
  } catch (e) {
    if (!(e instanceof ContractError)) throw e;
    throw new TokenError('TOKEN_CNF', 'token has no cnf.jwk Ed25519 device key');
  }
  let key: Uint8Array;
  try {
    key = fromBase64url(x, 32);
  } catch {
    throw new TokenError('TOKEN_CNF', 'token cnf.jwk.x is not 32 bytes of canonical base64url');
  }
  if (!isEd25519PublicKey(key))
    throw new TokenError(
      'TOKEN_CNF',
      'token cnf.jwk.x is not a canonical Ed25519 public key of large order',
    );
  return key;
}

/**
 * Verifies a token (SPEC §4) and returns its claims and device key, or throws TokenError with the
 * reason. Checks run in a fixed order: form, issuer, signature, claims, audience, time, district,
 * device key.
 */
export function verifyToken(token: string, policy: TokenPolicy): VerifiedToken {
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
  const late = tokenTimeProblem(claims, policy.nowSeconds, policy.skewSeconds);
  if (late) throw late;
  if (!policy.districts.has(claims.dst))
    throw new TokenError('TOKEN_DISTRICT', 'token names a district that is not in this election');
  return { claims, deviceKey: deviceKeyOf(claims.cnf) };
}
