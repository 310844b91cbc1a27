// SPEC §5 encrypted ballot, SPEC §6 board entry, SPEC §7 receipt, edge-mode plaintext selections.
import { z } from 'zod';
import { b64u32, b64u64, count, hex32, identifier, instant, proofSchema } from './primitives.js';
import { jsonPath, parseWith } from './validation.js';

export const encryptedBallotSchema = z
  .object({
    electionId: identifier,
    ballotStyleId: identifier,
    districtId: identifier,
    nullifier: b64u32,
    contests: z
      .array(
        z
          .object({
            contestId: identifier,
            selections: z
              .array(
                z
                  .object({ optionId: identifier, alpha: b64u32, beta: b64u32, proof: proofSchema })
                  .strict(),
              )
              .min(1),
            limitProof: proofSchema,
          })
          .strict(),
      )
      .min(1),
  })
  .strict();
export type EncryptedBallot = z.infer<typeof encryptedBallotSchema>;
export type EncryptedContest = EncryptedBallot['contests'][number];
export type EncryptedSelection = EncryptedContest['selections'][number];

/** Validates the shape of an encrypted ballot; proofs are checked by @hanpyo/crypto. */
export function parseEncryptedBallot(value: unknown): EncryptedBallot {
  return parseWith(encryptedBallotSchema, value, 'ballot');
}

/** Edge-mode plaintext: chosen option ids per contest. */
export const plaintextSelectionsSchema = z.record(identifier, z.array(identifier));
export type PlaintextSelections = z.infer<typeof plaintextSelectionsSchema>;

/** Validates plaintext selections (shape only; the ballot style decides what is allowed). */
export function parsePlaintextSelections(value: unknown): PlaintextSelections {
  return parseWith(plaintextSelectionsSchema, value, 'selections');
}

/** Longest token accepted anywhere: claims are short, so anything longer is not ours. */
export const MAX_TOKEN_LENGTH = 2048;

/**
 * SPEC §6 board entry, revision 2: the ballot travels with the token and the cast signature. Both
 * are optional strings here, because anyone able to write to the board can leave them out or garble
 * them: such an entry is still on the board (and in the logs), and SPEC §6 refuses it by rule 2 or
 * 3. Only their type and length are the contract's business.
 */
export const boardEntrySchema = z
  .object({
    partition: count,
    offset: count,
    receivedAt: instant,
    trackingCode: hex32,
    ballot: encryptedBallotSchema,
    token: z.string().max(MAX_TOKEN_LENGTH).optional(),
    castSignature: z.string().max(128).optional(),
  })
  .strict();
export type BoardEntry = z.infer<typeof boardEntrySchema>;

/** Validates one board entry (SPEC §6). */
export function parseBoardEntry(value: unknown): BoardEntry {
  return parseWith(boardEntrySchema, value, 'board entry');
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** The members of a board message's value (the board entry without its place and time). */
export const BOARD_VALUE_MEMBERS: readonly string[] = [
  'trackingCode',
  'ballot',
  'token',
  'castSignature',
];

/**
 * The text of a board message's value (UTF-8 on the wire), the one way it is written: the edge's
 * board writer, and the benchmarks and the capacity model that measure what the edge writes.
 * decodeBoardMessage reads it back.
 */
export function boardValueText(entry: {
  readonly trackingCode: string;
  readonly ballot: EncryptedBallot;
  readonly token?: string;
  readonly castSignature?: string;
}): string {
  return JSON.stringify({
    trackingCode: entry.trackingCode,
    ballot: entry.ballot,
    token: entry.token,
    castSignature: entry.castSignature,
  });
}

/** Why a board message is not a board entry; stable codes (dead-letter reasons, observer alarms). */
export type BoardMessageProblem = 'ENTRY_EMPTY' | 'ENTRY_NOT_JSON' | 'ENTRY_MALFORMED';

/** A board message decoded: an entry, or why it is not one (never a value from it). */
export type DecodedBoardMessage =
  | { readonly ok: true; readonly entry: BoardEntry }
  | { readonly ok: false; readonly reason: BoardMessageProblem; readonly detail: string };

/**
 * Decodes one message of the board topic into a SPEC §6 entry, the one rule every reader of the
 * board uses (persister, observer): value = UTF-8 JSON `{trackingCode, ballot, token?,
 * castSignature?}`, `receivedAt` = the broker's append time. Never throws on bad input, and its
 * `detail` names paths only, never what the message held.
 */
export function decodeBoardMessage(message: {
  readonly partition: number;
  readonly offset: number;
  /** The value as Kafka gave it (bytes), or already as text; null when the message has none. */
  readonly value: Uint8Array | string | null;
  /** The broker's append time, ms since the epoch. */
  readonly timestamp: number;
}): DecodedBoardMessage {
  if (message.value === null || message.value.length === 0) {
    return { ok: false, reason: 'ENTRY_EMPTY', detail: 'the message has no value' };
  }
  let text: string;
  if (typeof message.value === 'string') text = message.value;
  else {
    try {
      text = utf8Decoder.decode(message.value);
    } catch {
      return { ok: false, reason: 'ENTRY_NOT_JSON', detail: 'the value is not valid UTF-8' };
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // V8 quotes the input in its message; say where it broke, never what it held.
    const at = /at position (\d+)/.exec((e as Error).message)?.[1];
    return {
      ok: false,
      reason: 'ENTRY_NOT_JSON',
      detail: `the value is not JSON${at !== undefined ? ` (at position ${at})` : ''}`,
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'ENTRY_MALFORMED', detail: 'the value is not a JSON object' };
  }
  const extra = Object.keys(value).filter((k) => !BOARD_VALUE_MEMBERS.includes(k));
  if (extra.length > 0) {
    return {
      ok: false,
      reason: 'ENTRY_MALFORMED',
      detail: `unexpected members ${extra.slice(0, 5).join(', ')}`.slice(0, 200),
    };
  }
  const time = new Date(message.timestamp);
  if (!Number.isFinite(message.timestamp) || Number.isNaN(time.getTime())) {
    return { ok: false, reason: 'ENTRY_MALFORMED', detail: 'the message has no valid timestamp' };
  }
  const result = boardEntrySchema.safeParse({
    ...(value as Record<string, unknown>),
    partition: message.partition,
    offset: message.offset,
    receivedAt: time.toISOString(),
  });
  if (result.success) return { ok: true, entry: result.data };
  return {
    ok: false,
    reason: 'ENTRY_MALFORMED',
    detail: result.error.issues
      .slice(0, 5)
      .map((i) => `${jsonPath(i.path)}: ${i.message}`)
      .join('; ')
      .slice(0, 500),
  };
}

export const receiptSchema = z
  .object({
    electionId: identifier,
    districtId: identifier,
    trackingCode: hex32,
    partition: count,
    offset: count,
    receivedAt: instant,
    keyId: identifier,
    signature: b64u64,
  })
  .strict();
export type Receipt = z.infer<typeof receiptSchema>;
export type UnsignedReceipt = Omit<Receipt, 'signature'>;

/** Validates a receipt (SPEC §7). */
export function parseReceipt(value: unknown): Receipt {
  return parseWith(receiptSchema, value, 'receipt');
}

/**
 * The device key a token is bound to (SPEC §4, RFC 7800 `cnf`): an Ed25519 public JWK. Shape only;
 * whether `x` is a canonical point of large order is @hanpyo/crypto's check.
 */
export const confirmationSchema = z
  .object({
    jwk: z.looseObject({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: b64u32 }),
  })
  .loose();
export type Confirmation = z.infer<typeof confirmationSchema>;

/** Voter token claims (SPEC §4); `cnf` is checked apart (a token without a usable one is refused as such). */
export const tokenClaimsSchema = z.looseObject({
  iss: z.string().min(1),
  aud: identifier,
  sub: b64u32,
  dst: identifier,
  nbf: z.number().int(),
  exp: z.number().int(),
  jti: z.string().min(1).max(128),
  cnf: z.unknown().optional(),
});
/** Token claims as issued; other claims (`iat`, …) may be present and are ignored. */
export interface TokenClaims {
  readonly iss: string;
  readonly aud: string;
  readonly sub: string;
  readonly dst: string;
  readonly nbf: number;
  readonly exp: number;
  readonly jti: string;
  readonly cnf?: Confirmation;
  readonly [claim: string]: unknown;
}

/** Validates token claims (SPEC §4); time, audience and `cnf` are the verifier's checks. */
export function parseTokenClaims(value: unknown): TokenClaims {
  return parseWith(tokenClaimsSchema, value, 'token claims') as TokenClaims;
}

/** Validates a token's confirmation claim (SPEC §4 `cnf`), shape only. */
export function parseConfirmation(value: unknown): Confirmation {
  return parseWith(confirmationSchema, value, 'cnf');
}
