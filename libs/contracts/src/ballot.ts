// SPEC §5 encrypted ballot, SPEC §6 board entry, SPEC §7 receipt, edge-mode plaintext selections.
import { z } from 'zod';
import { b64u32, b64u64, count, hex32, identifier, instant, proofSchema } from './primitives.js';
import { parseWith } from './validation.js';

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

export const boardEntrySchema = z
  .object({
    partition: count,
    offset: count,
    receivedAt: instant,
    trackingCode: hex32,
    ballot: encryptedBallotSchema,
  })
  .strict();
export type BoardEntry = z.infer<typeof boardEntrySchema>;

/** Validates one board entry (SPEC §6). */
export function parseBoardEntry(value: unknown): BoardEntry {
  return parseWith(boardEntrySchema, value, 'board entry');
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

/** Voter token claims (SPEC §4). */
export const tokenClaimsSchema = z.looseObject({
  iss: z.string().min(1),
  aud: identifier,
  sub: b64u32,
  dst: identifier,
  nbf: z.number().int(),
  exp: z.number().int(),
  jti: z.string().min(1).max(128),
});
export type TokenClaims = z.infer<typeof tokenClaimsSchema>;

/** Validates token claims (SPEC §4); time and audience are the edge's checks. */
export function parseTokenClaims(value: unknown): TokenClaims {
  return parseWith(tokenClaimsSchema, value, 'token claims');
}
