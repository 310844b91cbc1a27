// SPEC §6: which board entries are authorized. Anyone able to write to Kafka can append an entry, so
// what counts is decided from the entry alone: its tracking code is its ballot's (rule 1), its token
// verifies as SPEC §4 for this election, voter and district at the time the broker received it
// (rule 2), the token's device key signed the cast (rule 3), and the broker received it inside the
// voting window (rule 4). An entry failing any rule is refused: it stays on the board and in the
// logs, and is never counted. This file is the one implementation of those rules; the edge, the
// observer, the tally, `hanpyo verify` and `hanpyo synth` all call it.
import type { BoardEntry, Ed25519Jwk, Manifest, TokenClaims } from '@hanpyo/contracts';
import {
  TOKEN_SKEW_SECONDS,
  TokenError,
  bytesEqual,
  castSignatureProblem,
  fromBase64url,
  tokenTimeProblem,
  trackingCode,
  verifySignature,
  verifyToken,
} from '@hanpyo/crypto';

/**
 * The rule an entry failed: SPEC §6 rules 1–4, or SPEC §9's "carry a valid ballot" (`ballot`), or
 * `entry` for a board message that is not a board entry at all. Bounded: safe as a metric label.
 */
export type RefusalRule =
  'tracking-code' | 'token' | 'cast-signature' | 'window' | 'ballot' | 'entry';

/** Every rule, in the order they are checked. */
export const REFUSAL_RULES: readonly RefusalRule[] = [
  'entry',
  'tracking-code',
  'token',
  'cast-signature',
  'window',
  'ballot',
];

/** Why an entry is not counted: its rule, a stable code, and a message that quotes no secret. */
export interface Refusal {
  readonly rule: RefusalRule;
  readonly code: string;
  readonly message: string;
  /** Where inside the entry, for a ballot problem (`$.contests[0].selections[1]`). */
  readonly path?: string;
}

/** Ed25519 verification, injectable so a Node process can use its native one (same RFC 8032 rules). */
export type Ed25519Verify = (
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
) => boolean;

/** What the rules need of an election, derived once from its manifest. */
export interface AuthorizationContext {
  readonly electionId: string;
  readonly issuers: readonly Ed25519Jwk[];
  readonly districts: ReadonlySet<string>;
  /** The voting window, ms since the epoch (SPEC §2 `opens`, `closes`), both ends included. */
  readonly opens: number;
  readonly closes: number;
  readonly verify: Ed25519Verify;
}

/** The context of a (validated) manifest. */
export function authorizationContext(
  manifest: Pick<Manifest, 'electionId' | 'tokenIssuers' | 'districts' | 'opens' | 'closes'>,
  options: { readonly verify?: Ed25519Verify } = {},
): AuthorizationContext {
  return {
    electionId: manifest.electionId,
    issuers: manifest.tokenIssuers,
    districts: new Set(manifest.districts.map((d) => d.districtId)),
    opens: Date.parse(manifest.opens),
    closes: Date.parse(manifest.closes),
    verify: options.verify ?? verifySignature,
  };
}

/** An authorized entry's voter: who may be counted, and where. */
export interface AuthorizedVoter {
  readonly nullifier: string;
  readonly districtId: string;
}

/** The outcome of SPEC §6 for one entry. */
export type Authorization =
  | ({ readonly authorized: true } & AuthorizedVoter)
  | { readonly authorized: false; readonly refusals: readonly Refusal[] };

/** A token that passed rule 2's own checks: its claims and device key. */
export interface CheckedToken {
  readonly claims: TokenClaims;
  readonly deviceKey: Uint8Array;
}

/**
 * Rule 2, the token alone: it verifies as SPEC §4 under a `tokenIssuers` key, for this election,
 * at `atMs` (± 30 s around `nbf`, `exp`), naming a district of the manifest, with a usable `cnf`.
 */
export function checkToken(
  context: AuthorizationContext,
  token: unknown,
  atMs: number,
): { readonly refusal: Refusal } | CheckedToken {
  if (token === undefined || token === null || token === '') {
    return { refusal: { rule: 'token', code: 'TOKEN_MISSING', message: 'there is no token' } };
  }
  if (typeof token !== 'string') {
    return {
      refusal: { rule: 'token', code: 'TOKEN_MALFORMED', message: 'the token is not a string' },
    };
  }
  try {
    return verifyToken(token, {
      issuers: context.issuers,
      audience: context.electionId,
      districts: context.districts,
      // Fractional seconds: [nbf − 30 s, exp + 30 s] holds to the millisecond.
      nowSeconds: atMs / 1000,
      skewSeconds: TOKEN_SKEW_SECONDS,
      verify: context.verify,
    });
  } catch (e) {
    if (!(e instanceof TokenError)) throw e;
    return { refusal: { rule: 'token', code: e.code, message: e.message } };
  }
}

/** Rule 2, the token against the ballot: `dst` is its district and `sub` its nullifier. */
export function voterRefusal(
  claims: Pick<TokenClaims, 'sub' | 'dst'>,
  ballot: { readonly nullifier: string; readonly districtId: string },
): Refusal | undefined {
  if (claims.dst !== ballot.districtId)
    return {
      rule: 'token',
      code: 'DISTRICT_MISMATCH',
      message: "the token's district (dst) is not the ballot's",
    };
  if (!sameNullifier(claims.sub, ballot.nullifier))
    return {
      rule: 'token',
      code: 'VOTER_MISMATCH',
      message: "the token's voter (sub) is not the ballot's nullifier",
    };
  return undefined;
}

/** Rule 2's time part again, at another instant (the broker's, once the entry is written). */
export function tokenTimeRefusal(
  claims: Pick<TokenClaims, 'nbf' | 'exp'>,
  atMs: number,
): Refusal | undefined {
  const problem = tokenTimeProblem(claims, atMs / 1000, TOKEN_SKEW_SECONDS);
  return problem ? { rule: 'token', code: problem.code, message: problem.message } : undefined;
}

/** Rule 3: the device key signed `H("hanpyo/1/cast", electionId, trackingCode)`. */
export function castRefusal(
  context: AuthorizationContext,
  deviceKey: Uint8Array,
  castSignature: unknown,
  trackingCode: string,
): Refusal | undefined {
  const problem = castSignatureProblem(
    castSignature,
    deviceKey,
    context.electionId,
    trackingCode,
    context.verify,
  );
  return problem === undefined
    ? undefined
    : { rule: 'cast-signature', code: problem, message: castMessage(problem) };
}

/** Byte equality of two nullifiers given as base64url; false when either is not canonical. */
function sameNullifier(a: string, b: string): boolean {
  try {
    return bytesEqual(fromBase64url(a, 32), fromBase64url(b, 32));
  } catch {
    return false;
  }
}

/**
 * What may still refuse an entry the edge checked before writing it, now that the broker's append
 * time is known: rule 4 and rule 2's time part. The edge signs a receipt only when this is empty.
 */
export function receiptRefusals(
  context: AuthorizationContext,
  claims: Pick<TokenClaims, 'nbf' | 'exp'>,
  receivedAtMs: number,
): Refusal[] {
  return [tokenTimeRefusal(claims, receivedAtMs), windowRefusal(context, receivedAtMs)].filter(
    (r): r is Refusal => r !== undefined,
  );
}

/** Rule 4: the broker's append time inside `[opens, closes]`; undefined when it is. */
export function windowRefusal(context: AuthorizationContext, atMs: number): Refusal | undefined {
  if (atMs < context.opens)
    return {
      rule: 'window',
      code: 'RECEIVED_BEFORE_OPENS',
      message: 'the board received the entry before the election opened',
    };
  if (atMs > context.closes)
    return {
      rule: 'window',
      code: 'RECEIVED_AFTER_CLOSES',
      message: 'the board received the entry after the election closed (a late entry)',
    };
  return undefined;
}

/**
 * SPEC §6 for one board entry. Every rule is checked (rule 3 only when rule 2 yields the device key)
 * so a refused entry is reported with all it failed, cheapest first; no elliptic-curve work on the
 * ballot (its proofs are SPEC §9's business, checked only for authorized entries).
 */
export function authorizeEntry(context: AuthorizationContext, entry: BoardEntry): Authorization {
  const refusals: Refusal[] = [];
  const at = Date.parse(entry.receivedAt);
  // Rule 1: the tracking code is the ballot's.
  if (trackingCode(entry.ballot) !== entry.trackingCode) {
    refusals.push({
      rule: 'tracking-code',
      code: 'TRACKING_CODE_MISMATCH',
      message: 'the tracking code is not H("hanpyo/1/ballot", JCS(ballot))',
    });
  }
  // Rule 2: the token, for this election, voter and district, valid when the board received it.
  const token = checkToken(context, entry.token, at);
  if ('refusal' in token) refusals.push(token.refusal);
  else {
    const mismatch = voterRefusal(token.claims, entry.ballot);
    if (mismatch) refusals.push(mismatch);
    // Rule 3: the device key of the token signed this cast.
    const unsigned = castRefusal(context, token.deviceKey, entry.castSignature, entry.trackingCode);
    if (unsigned) refusals.push(unsigned);
  }
  // Rule 4: received inside the voting window.
  const late = windowRefusal(context, at);
  if (late) refusals.push(late);
  return refusals.length === 0
    ? { authorized: true, nullifier: entry.ballot.nullifier, districtId: entry.ballot.districtId }
    : { authorized: false, refusals };
}

function castMessage(problem: string): string {
  switch (problem) {
    case 'CAST_SIGNATURE_MISSING':
      return 'the entry has no cast signature';
    case 'CAST_SIGNATURE_MALFORMED':
      return 'the cast signature is not 64 bytes of canonical base64url';
    default:
      return "the cast signature does not verify under the token's device key (cnf)";
  }
}
